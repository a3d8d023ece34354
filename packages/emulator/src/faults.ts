import type { CredentialStore } from './credentials.js';
import { type DurationInput, toMilliseconds } from './duration.js';

export type EmulatedService = 's3' | 'sts' | 'imds' | 'container' | 'sso';

/** A service (`'sts'`) or one of its actions (`'sts:AssumeRole'`, `'s3:PutObject'`, `'imds:credentials'`). */
export type FaultTarget = EmulatedService | `${EmulatedService}:${string}`;

/** What happens to a matching call. */
export type EndpointFault =
  /** An error response in the service's own shape; default 500 with the service's internal-error code. */
  | { type: 'error'; status?: number; code?: string; message?: string }
  /** The service's throttling answer: STS `Throttling` (400), S3 `SlowDown` (503), IMDS/container 429. */
  | { type: 'throttle' }
  /** Waits before answering normally. */
  | { type: 'delay'; ms: number }
  /** Closes the connection without answering. */
  | { type: 'drop' }
  /** Answers 200 with a body cut short: JSON or XML a client cannot parse. */
  | { type: 'malformed' };

/** Fault injection: what the next calls of an endpoint do, and which credentials S3 rejects. */
export interface EmulatorFaults {
  /** The next `times` calls matching `target` get `fault` (action targets match before service targets). */
  failNext(target: FaultTarget, fault: EndpointFault, times?: number): void;
  /** The next `times` credential fetches from IMDS or the container endpoint return already-expired credentials. */
  serveExpiredCredentials(target: 'imds' | 'container', times?: number): void;
  /** S3 answers `TokenRefreshRequired` for this session key, or for every session key issued so far. */
  requireRefresh(accessKeyId?: string): void;
  /** S3 and STS answer `ExpiredToken` for this session key, or for every session key issued so far. */
  expireToken(accessKeyId?: string): void;
  /** Shifts the server time that request signatures are checked against (`RequestTimeTooSkewed`). */
  clockSkew(offset: DurationInput): void;
  /** Removes every pending fault, forced rejection and skew. */
  clear(): void;
  /** Faults still waiting to fire, per target. */
  pending(): Record<string, number>;
}

interface Queued {
  fault: EndpointFault;
  remaining: number;
}

export class FaultRegistry implements EmulatorFaults {
  readonly #queues = new Map<string, Queued[]>();
  readonly #expired = { imds: 0, container: 0 };
  #skewMs = 0;

  constructor(private readonly credentials: CredentialStore) {}

  get skewMs(): number {
    return this.#skewMs;
  }

  failNext(target: FaultTarget, fault: EndpointFault, times = 1): void {
    if (!/^(s3|sts|imds|container|sso)(:[A-Za-z0-9-]+)?$/.test(target)) {
      throw new RangeError(
        `faults.failNext: target must be s3, sts, imds, container or sso, optionally with ":<action>", got ${JSON.stringify(target)}`,
      );
    }
    if (!['error', 'throttle', 'delay', 'drop', 'malformed'].includes(fault?.type)) {
      throw new RangeError(
        `faults.failNext: fault.type must be error, throttle, delay, drop or malformed, got ${JSON.stringify(fault?.type)}`,
      );
    }
    if (fault.type === 'delay' && !(fault.ms >= 0))
      throw new RangeError('faults.failNext: a delay fault needs ms >= 0');
    if (!Number.isInteger(times) || times < 1)
      throw new RangeError(`faults.failNext: times must be a positive integer, got ${times}`);
    const queue = this.#queues.get(target) ?? [];
    queue.push({ fault, remaining: times });
    this.#queues.set(target, queue);
  }

  /** Takes the fault for a call, if one is waiting: the action's queue first, then the service's. */
  take(service: EmulatedService, action: string): EndpointFault | undefined {
    for (const key of [`${service}:${action}`, service]) {
      const queue = this.#queues.get(key);
      const head = queue?.[0];
      if (!queue || !head) continue;
      head.remaining--;
      if (head.remaining === 0) queue.shift();
      if (queue.length === 0) this.#queues.delete(key);
      return head.fault;
    }
    return undefined;
  }

  serveExpiredCredentials(target: 'imds' | 'container', times = 1): void {
    if (target !== 'imds' && target !== 'container') {
      throw new RangeError(
        `faults.serveExpiredCredentials: target must be imds or container, got ${JSON.stringify(target)}`,
      );
    }
    this.#expired[target] += times;
  }

  /** True (once per queued fault) when this credential fetch must return expired credentials. */
  takeExpiredCredentials(target: 'imds' | 'container'): boolean {
    if (this.#expired[target] === 0) return false;
    this.#expired[target]--;
    return true;
  }

  requireRefresh(accessKeyId?: string): void {
    this.credentials.force('TokenRefreshRequired', accessKeyId);
  }

  expireToken(accessKeyId?: string): void {
    this.credentials.force('ExpiredToken', accessKeyId);
  }

  clockSkew(offset: DurationInput): void {
    const negative = typeof offset === 'string' && offset.trim().startsWith('-');
    const ms =
      typeof offset === 'number'
        ? offset * 1_000
        : toMilliseconds(negative ? offset.trim().slice(1) : offset, 'faults.clockSkew');
    this.#skewMs = negative ? -ms : ms;
  }

  clear(): void {
    this.#queues.clear();
    this.#expired.imds = 0;
    this.#expired.container = 0;
    this.#skewMs = 0;
    this.credentials.force(undefined);
  }

  pending(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, queue] of this.#queues) out[key] = queue.reduce((n, q) => n + q.remaining, 0);
    if (this.#expired.imds) out['imds:expired-credentials'] = this.#expired.imds;
    if (this.#expired.container) out['container:expired-credentials'] = this.#expired.container;
    return out;
  }
}
