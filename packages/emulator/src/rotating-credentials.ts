import type { Clock } from './clock.js';
import type { CredentialStore, IssuedCredentials } from './credentials.js';

/**
 * The role credentials an instance or task endpoint hands out: the same set on every fetch until less than
 * half its lifetime is left, then a new one, as EC2 and ECS rotate them well before expiry.
 */
export class RotatingCredentials {
  #current: IssuedCredentials | undefined;

  constructor(
    private readonly issuer: 'imds' | 'container',
    private readonly store: CredentialStore,
    private readonly clock: Clock,
    private readonly lifetimeMs: number,
    private readonly arn: string,
  ) {}

  get(): IssuedCredentials {
    const current = this.#current;
    const remaining = current ? (current.expiration as Date).getTime() - this.clock.nowMs() : 0;
    if (!current || remaining < this.lifetimeMs / 2) {
      this.#current = this.store.issueSession(this.issuer, this.lifetimeMs, this.arn);
    }
    return this.#current as IssuedCredentials;
  }

  /** A set that expired a minute ago, for the "endpoint serves stale credentials" fault. */
  expired(): IssuedCredentials {
    return this.store.issueSession(this.issuer, -60_000, this.arn);
  }
}
