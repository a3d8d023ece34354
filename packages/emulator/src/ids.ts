import { randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}

/** A 20-character access key id with AWS's prefixes: `ASIA` for session keys, `AKIA` for long-term keys. */
export function newAccessKeyId(kind: 'session' | 'long-term'): string {
  return (kind === 'session' ? 'ASIA' : 'AKIA') + base32(16);
}

export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/** Session tokens are long opaque base64 strings, as STS issues them. */
export function newSessionToken(): string {
  return `IQoJb3JpZ2luX2VjE${randomBytes(240).toString('base64')}`;
}

export function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

export function newUploadId(): string {
  return randomBytes(24).toString('base64url');
}

export function newImdsToken(): string {
  return randomBytes(42).toString('base64');
}
