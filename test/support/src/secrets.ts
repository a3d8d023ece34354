interface Key {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What an emulator tells about the keys it issued (structurally, so this package needs no emulator). */
interface KeyIssuer {
  longTermKey: Key;
  issuedCredentials(): Key[];
  tokens?: { webIdentity: string; ssoAccess: string };
}

/**
 * Secret keys, session tokens and full access key ids the emulators issued (long-term key included), and the
 * bearer tokens they accept (web identity, SSO access token).
 */
export function emulatorSecrets(emulators: readonly KeyIssuer[]): string[] {
  const secrets = new Set<string>();
  for (const emulator of emulators) {
    secrets.add(emulator.longTermKey.secretAccessKey);
    secrets.add(emulator.longTermKey.accessKeyId);
    if (emulator.tokens !== undefined) {
      secrets.add(emulator.tokens.webIdentity);
      secrets.add(emulator.tokens.ssoAccess);
    }
    for (const issued of emulator.issuedCredentials()) {
      secrets.add(issued.secretAccessKey);
      secrets.add(issued.accessKeyId);
      if (issued.sessionToken) secrets.add(issued.sessionToken);
    }
  }
  return [...secrets];
}

/** Where in the telemetry text each secret occurs: `[]` when nothing leaked. */
export function findSecrets(texts: readonly string[], secrets: readonly string[]): string[] {
  const hits: string[] = [];
  for (const secret of secrets) {
    texts.forEach((text, index) => {
      if (text.includes(secret))
        hits.push(`secret …${secret.slice(-4)} in telemetry item ${index}: ${text.slice(0, 200)}`);
    });
  }
  return hits;
}
