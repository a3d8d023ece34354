import type { Clock } from './clock.js';
import { newAccessKeyId, newSecretAccessKey, newSessionToken } from './ids.js';

/** Where a set of credentials came from. */
export type CredentialIssuer =
  | 'long-term'
  | 'sts:AssumeRole'
  | 'sts:AssumeRoleWithWebIdentity'
  | 'sts:GetSessionToken'
  | 'imds'
  | 'container'
  | 'sso';

/** A long-term (`AKIA…`) key pair the emulator accepts. */
export interface LongTermKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Credentials the emulator knows, with what a test needs to check what the SDK did with them. */
export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Absent for long-term keys. */
  readonly sessionToken: string | undefined;
  /** Absent for long-term keys. */
  readonly expiration: Date | undefined;
  readonly issuedAt: Date;
  readonly issuer: CredentialIssuer;
  /** The caller identity these credentials act as. */
  readonly arn: string;
}

/** A rejection forced through the faults API, applied to a key until it is replaced. */
export type ForcedRejection = 'TokenRefreshRequired' | 'ExpiredToken';

interface Entry {
  credentials: IssuedCredentials;
  forced: ForcedRejection | undefined;
}

export class CredentialStore {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  addLongTerm(key: LongTermKey, arn: string): IssuedCredentials {
    if (!/^AKIA[A-Z0-9]{12,124}$/.test(key.accessKeyId)) {
      throw new RangeError(
        `longTermKeys: access key ids must start with AKIA, got ${JSON.stringify(key.accessKeyId)}`,
      );
    }
    if (key.secretAccessKey.length < 8) throw new RangeError('longTermKeys: secretAccessKey is too short');
    const credentials: IssuedCredentials = {
      ...key,
      sessionToken: undefined,
      expiration: undefined,
      issuedAt: this.clock.now(),
      issuer: 'long-term',
      arn,
    };
    this.#entries.set(key.accessKeyId, { credentials, forced: undefined });
    return credentials;
  }

  /** Issues `ASIA…` session credentials. `lifetimeMs` may be negative (already expired, for faults). */
  issueSession(
    issuer: Exclude<CredentialIssuer, 'long-term'>,
    lifetimeMs: number,
    arn: string,
  ): IssuedCredentials {
    const issuedAt = this.clock.nowMs();
    // AWS expirations have whole seconds; the SDK compares them against its own clock.
    const expiration = new Date(Math.floor((issuedAt + lifetimeMs) / 1000) * 1000);
    const credentials: IssuedCredentials = {
      accessKeyId: newAccessKeyId('session'),
      secretAccessKey: newSecretAccessKey(),
      sessionToken: newSessionToken(),
      expiration,
      issuedAt: new Date(issuedAt),
      issuer,
      arn,
    };
    this.#entries.set(credentials.accessKeyId, { credentials, forced: undefined });
    return credentials;
  }

  find(accessKeyId: string): IssuedCredentials | undefined {
    return this.#entries.get(accessKeyId)?.credentials;
  }

  forcedRejection(accessKeyId: string): ForcedRejection | undefined {
    return this.#entries.get(accessKeyId)?.forced;
  }

  /**
   * Forces a rejection for one session key, or for every session key issued so far (keys issued later
   * are not affected, so a client that refreshes recovers). Returns how many keys were marked.
   */
  force(rejection: ForcedRejection | undefined, accessKeyId?: string): number {
    let marked = 0;
    for (const entry of this.#entries.values()) {
      if (entry.credentials.sessionToken === undefined) continue;
      if (accessKeyId !== undefined && entry.credentials.accessKeyId !== accessKeyId) continue;
      entry.forced = rejection;
      marked++;
    }
    if (accessKeyId !== undefined && marked === 0) {
      throw new RangeError(
        `faults: ${JSON.stringify(accessKeyId)} is not a session key this emulator issued`,
      );
    }
    return marked;
  }

  all(): IssuedCredentials[] {
    return [...this.#entries.values()].map((entry) => entry.credentials);
  }
}
