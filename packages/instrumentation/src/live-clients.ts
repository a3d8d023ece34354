import type { Attributes, ObservableResult } from '@opentelemetry/api';
import { identityExpirationMs } from './identities.js';
import type { AwsIdentity } from './internal-types.js';
import {
  ATTR_AWS_CREDENTIALS_REFRESHABLE,
  ATTR_AWS_CREDENTIALS_SOURCE,
  ATTR_RPC_SERVICE,
} from './semconv.js';
import { isRefreshableSource } from './sources.js';
import type { CredentialSource } from './types.js';

/** What the gauge reads of an instrumented client (its `ClientState`). */
export interface LiveClient {
  readonly service: string;
  readonly last: AwsIdentity | undefined;
  signingSource(identity: AwsIdentity): CredentialSource;
}

/**
 * `aws.credentials.expiration` reports this for an attribute set it reported before and no live client has
 * any more. sdk-metrics keeps exporting an asynchronous gauge's last value for a set that is no longer observed
 * (cumulative temporality; open-telemetry/opentelemetry-js#4096), so a dropped client's expiry would stay on
 * the wire and come closer every minute: 0 replaces it, and the alert pack ignores 0.
 */
export const NO_LIVE_CLIENT = 0;

/**
 * The instrumented clients still alive, held weakly: what `aws.credentials.expiration` reports at each
 * collection. A dropped client leaves nothing behind: its entry is swept out at the next collection, or
 * when the set has doubled since the last sweep.
 */
export class LiveClients {
  private readonly clients = new Set<WeakRef<LiveClient>>();
  /** The set's size at which `add` next sweeps out collected clients: twice what survived the last sweep. */
  private sweepAt = 64;
  /** Every attribute set reported so far, by key: bounded by sources × services × 2, not by clients. */
  private readonly reported = new Map<string, Attributes>();

  add(state: LiveClient): void {
    this.clients.add(new WeakRef(state));
    // Without a reader collecting, nothing else would ever prune: sweep as the set doubles (amortised O(1)).
    if (this.clients.size >= this.sweepAt) this.sweepAt = Math.max(64, this.count() * 2);
  }

  /**
   * How many instrumented clients are alive (not yet garbage-collected), for `aws.credentials.clients`;
   * sweeps out the collected ones on the way.
   */
  count(): number {
    let alive = 0;
    for (const reference of this.clients) {
      if (reference.deref() === undefined) this.clients.delete(reference);
      else alive++;
    }
    return alive;
  }

  /**
   * One point per source, service and refreshability: the earliest expiry (Unix seconds) among the credentials
   * the live clients would sign with next. Credentials without an expiration have no point.
   */
  report(result: ObservableResult): void {
    const earliest = new Map<string, { attributes: Attributes; seconds: number }>();
    for (const reference of this.clients) {
      const state = reference.deref();
      if (state === undefined) {
        this.clients.delete(reference);
        continue;
      }
      const identity = state.last;
      const expirationMs = identity === undefined ? undefined : identityExpirationMs(identity);
      if (identity === undefined || expirationMs === undefined) continue;
      const source = state.signingSource(identity);
      // Credentials read inside the process (an object handed to the client, the environment, the shared
      // credentials file) are all it will ever have.
      const refreshable = isRefreshableSource(source);
      const key = `${source}\u0000${state.service}\u0000${refreshable}`;
      const seconds = expirationMs / 1000;
      const known = earliest.get(key);
      if (known !== undefined && known.seconds <= seconds) continue;
      earliest.set(key, { seconds, attributes: this.attributesFor(key, source, state.service, refreshable) });
    }
    for (const { attributes, seconds } of earliest.values()) result.observe(seconds, attributes);
    for (const [key, attributes] of this.reported)
      if (!earliest.has(key)) result.observe(NO_LIVE_CLIENT, attributes);
  }

  private attributesFor(key: string, source: CredentialSource, service: string, refreshable: boolean) {
    let attributes = this.reported.get(key);
    if (attributes === undefined) {
      attributes = {
        [ATTR_AWS_CREDENTIALS_SOURCE]: source,
        [ATTR_RPC_SERVICE]: service,
        [ATTR_AWS_CREDENTIALS_REFRESHABLE]: refreshable,
      };
      this.reported.set(key, attributes);
    }
    return attributes;
  }
}
