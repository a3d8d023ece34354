import type { Attributes, ObservableResult } from '@opentelemetry/api';
import {
  ATTR_AWS_CREDENTIALS_ACCOUNT_ID,
  ATTR_AWS_CREDENTIALS_EXPIRY_STATE,
  ATTR_AWS_CREDENTIALS_SOURCE,
  ATTR_AWS_CREDENTIALS_TEMPORARY,
  ATTR_RPC_SERVICE,
} from './semconv.js';
import type { CredentialSource, ExpiryState } from './types.js';

// The attribute sets a signing records, interned per service, and the tally that counts signings by set.
// They live together because the tally's speed rests on the interning: equal sets are the same object.

const STATE_INDEX: Record<ExpiryState, number> = { valid: 0, refresh_window: 1, expired: 2, no_expiry: 3 };

/**
 * The attribute sets of one service, built once per combination and reused at every signing by every client
 * of that service.
 */
export class SigningAttributes {
  private readonly timeToExpiry = new Map<CredentialSource, Attributes>();
  private readonly signings = new Map<CredentialSource, Attributes[]>();
  private readonly withAccounts = new Map<Attributes, Map<string, Attributes>>();

  constructor(private readonly service: string) {}

  forTimeToExpiry(source: CredentialSource): Attributes {
    let attributes = this.timeToExpiry.get(source);
    if (attributes === undefined) {
      attributes = { [ATTR_AWS_CREDENTIALS_SOURCE]: source, [ATTR_RPC_SERVICE]: this.service };
      this.timeToExpiry.set(source, attributes);
    }
    return attributes;
  }

  forSigning(source: CredentialSource, state: ExpiryState, temporary: boolean): Attributes {
    let bySource = this.signings.get(source);
    if (bySource === undefined) {
      bySource = [];
      this.signings.set(source, bySource);
    }
    const index = STATE_INDEX[state] * 2 + (temporary ? 1 : 0);
    let attributes = bySource[index];
    if (attributes === undefined) {
      attributes = {
        [ATTR_AWS_CREDENTIALS_SOURCE]: source,
        [ATTR_RPC_SERVICE]: this.service,
        [ATTR_AWS_CREDENTIALS_EXPIRY_STATE]: state,
        [ATTR_AWS_CREDENTIALS_TEMPORARY]: temporary,
      };
      bySource[index] = attributes;
    }
    return attributes;
  }

  /** `base` with `aws.credentials.account_id` (the `accountIdAttribute` option), interned like the rest. */
  withAccount(base: Attributes, accountId: string): Attributes {
    let byAccount = this.withAccounts.get(base);
    if (byAccount === undefined) {
      byAccount = new Map();
      this.withAccounts.set(base, byAccount);
    }
    let attributes = byAccount.get(accountId);
    if (attributes === undefined) {
      attributes = { ...base, [ATTR_AWS_CREDENTIALS_ACCOUNT_ID]: accountId };
      byAccount.set(accountId, attributes);
    }
    return attributes;
  }
}

const ATTRIBUTES_BY_SERVICE = new Map<string, SigningAttributes>();

/** The interned attribute sets of `service`, shared by all its clients. */
export function signingAttributesFor(service: string): SigningAttributes {
  let attributes = ATTRIBUTES_BY_SERVICE.get(service);
  if (attributes === undefined) {
    attributes = new SigningAttributes(service);
    ATTRIBUTES_BY_SERVICE.set(service, attributes);
  }
  return attributes;
}

/**
 * Signing attempts, counted per attribute set and reported when a reader collects. A synchronous counter
 * would hash the attribute set at every request; the sets are interned, so a Map lookup does.
 */
export class SigningTally {
  private readonly counts = new Map<Attributes, number>();

  add(value: number, attributes: Attributes): void {
    this.counts.set(attributes, (this.counts.get(attributes) ?? 0) + value);
  }

  report(result: ObservableResult): void {
    for (const [attributes, count] of this.counts) result.observe(count, attributes);
  }
}
