import { expirationMs } from './expiry.js';
import type { AwsIdentity } from './internal-types.js';
import { sourceFromFeatures } from './sources.js';
import type { CredentialSource } from './types.js';

const MAX_ISSUED_KEYS = 256;

/**
 * One stream of credentials: a provider instance (or a default chain's `init`) that fetches again and
 * again. Triggers are judged against the last credentials it produced.
 */
export interface Lineage {
  last?: { expirationMs: number | undefined };
  /** Set when this provider sits behind the default chain's memoizer, which refreshes in the background. */
  backgroundRefresh: boolean;
  inFlight: number;
}

/** What credwatch learned about a credentials object when a provider returned it. */
export interface IdentityInfo {
  source: CredentialSource;
  /** Epoch ms when the provider returned it, for the credentials' age at a rejection. */
  fetchedAtMs: number;
  lineage?: Lineage;
}

/**
 * Process-wide bookkeeping keyed weakly by the SDK's own objects, so a dropped client, provider or
 * credentials object takes its entries with it.
 */
export class IdentityRegistry {
  private readonly identities = new WeakMap<object, IdentityInfo>();
  private readonly lineages = new WeakMap<object, Lineage>();
  private readonly recordedErrors = new WeakSet<object>();
  /** Access key ids STS handed out in this process, by the route that asked: see `rememberIssued`. */
  private readonly issuedBySts = new Map<string, CredentialSource>();
  /** The last rejection code a service gave each recently rejected key: see `noteRejection`. */
  private readonly lastRejections = new Map<string, string>();
  /** The account each recently fetched access key belongs to, when its fetch said (see `noteAccount`). */
  private readonly accounts = new Map<string, string>();
  /** In AWS Lambda: the invocation in which each recently seen access key first signed (see `firstUse`). */
  private readonly firstUses = new Map<string, number>();
  /** Bumped at every recorded refresh failure: a client sees whether one happened during its own call. */
  failureSequence = 0;

  lineage(key: object): Lineage {
    let lineage = this.lineages.get(key);
    if (lineage === undefined) {
      lineage = { backgroundRefresh: false, inFlight: 0 };
      this.lineages.set(key, lineage);
    }
    return lineage;
  }

  markDefaultChain(key: object): void {
    this.lineage(key).backgroundRefresh = true;
  }

  remember(identity: AwsIdentity, info: IdentityInfo): void {
    this.identities.set(identity, info);
  }

  info(identity: AwsIdentity): IdentityInfo | undefined {
    return this.identities.get(identity);
  }

  /**
   * The SDK's feature tags first (most precise), then the provider factory credwatch saw produce it, then
   * the STS call that issued the key (a provider credwatch could not wrap, e.g. imported from ESM).
   */
  sourceOf(identity: AwsIdentity, fallback: CredentialSource): CredentialSource {
    return (
      sourceFromFeatures(identity) ??
      this.identities.get(identity)?.source ??
      this.issuedBySts.get(identity.accessKeyId) ??
      fallback
    );
  }

  /** Notes a session key an STS call returned; bounded, since only recent keys still sign requests. */
  rememberIssued(accessKeyId: string, source: CredentialSource): void {
    rememberRecent(this.issuedBySts, accessKeyId, source);
  }

  /** Notes the rejection code a service gave a key, so a later body-less rejection of it can be read the same. */
  noteRejection(accessKeyId: string, errorType: string): void {
    rememberRecent(this.lastRejections, accessKeyId, errorType);
  }

  /** The last rejection code a service gave this key (with a code), if credwatch saw one. */
  lastRejection(accessKeyId: string): string | undefined {
    return this.lastRejections.get(accessKeyId);
  }

  noteFailure(error: unknown): void {
    this.failureSequence++;
    if (error !== null && typeof error === 'object') this.recordedErrors.add(error);
  }

  wasRecorded(error: unknown): boolean {
    return error !== null && typeof error === 'object' && this.recordedErrors.has(error);
  }

  /** Notes the account a fetch's credentials belong to (from the STS answer's ARN or the provider's tag). */
  noteAccount(accessKeyId: string, accountId: string): void {
    rememberRecent(this.accounts, accessKeyId, accountId);
  }

  /** The account of these credentials: their own `accountId` tag, or what their fetch said. */
  accountOf(identity: AwsIdentity): string | undefined {
    const tagged = (identity as { accountId?: unknown }).accountId;
    return typeof tagged === 'string' && tagged !== '' ? tagged : this.accounts.get(identity.accessKeyId);
  }

  /**
   * The invocation (a count `@credwatch/auto` keeps in Lambda) in which this access key first signed: the first
   * one seen is kept, whichever client signed, so a warm runtime's reuse of cached credentials is counted
   * across the clients it creates per invocation. Holds the most recent keys only.
   */
  firstUse(accessKeyId: string, invocation: number): number {
    const known = this.firstUses.get(accessKeyId);
    if (known !== undefined) return known;
    rememberRecent(this.firstUses, accessKeyId, invocation);
    return invocation;
  }
}

/** Sets `key` as the newest entry of a per-key map that keeps the last `MAX_ISSUED_KEYS` keys only. */
function rememberRecent<Value>(map: Map<string, Value>, key: string, value: Value): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ISSUED_KEYS) map.delete(map.keys().next().value as string);
}

export function isIdentity(value: unknown): value is AwsIdentity {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as AwsIdentity).accessKeyId === 'string' &&
    typeof (value as AwsIdentity).secretAccessKey === 'string'
  );
}

export function identityExpirationMs(identity: AwsIdentity): number | undefined {
  return expirationMs(identity.expiration);
}
