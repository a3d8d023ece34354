import { isIdentity } from './identities.js';
import type { AwsIdentity, HandlerContext, SdkClient } from './internal-types.js';
import type { Telemetry } from './telemetry.js';
import type { CredentialSource } from './types.js';

/** How a client was reached: through the require hook on `send`, or through `instrumentClient()`. */
export type Reach = 'hook' | 'explicit';

/**
 * What one instrumented client knows, for its signing observer to read: its service, and the last two
 * credentials its provider returned (a signing can still carry the older one while a refresh lands).
 * Created on the client's first `send` (or `instrumentClient`), once.
 */
export class ClientState {
  readonly service: string;
  /**
   * The source of credentials no provider factory produced and the SDK did not tag. Through the require
   * hook, every SDK provider is observed, so they come from a user function (`custom`); a bundled SDK
   * hides its providers, so there credwatch cannot tell (`unknown`).
   */
  readonly fallbackSource: CredentialSource;
  /** The credentials an early refresh (`refreshBefore`) was last tried for: once per credentials object. */
  aheadTriedFor: AwsIdentity | undefined;
  /** Set when the provider's fresh credentials are already inside `refreshBefore`: no early refresh helps. */
  aheadDisabled = false;
  /** `instrumentClient(client, { recover })`: this client's own recovery choice, over the setting's. */
  recover: boolean | undefined;
  /** The credentials the detectors last looked at for how they were set up (once per credentials object). */
  checkedIdentity: AwsIdentity | undefined;
  private lastIdentity: AwsIdentity | undefined;
  private lastKey: { accessKeyId: string; returnedAtMs: number } | undefined;
  private previousIdentity: AwsIdentity | undefined;
  private sourceFor: AwsIdentity | undefined;
  private source: CredentialSource = 'unknown';
  private accountFor: AwsIdentity | undefined;
  private account: string | undefined;

  constructor(
    readonly telemetry: Telemetry,
    readonly client: SdkClient,
    reach: Reach,
  ) {
    this.service = serviceIdOf(client);
    this.fallbackSource = reach === 'hook' ? 'custom' : 'unknown';
  }

  /** The credentials the provider returned last, if any. */
  get last(): AwsIdentity | undefined {
    return this.lastIdentity;
  }

  /** Notes credentials the provider returned; false when they are the ones it returned last time. */
  noteReturned(identity: AwsIdentity): boolean {
    if (identity === this.lastIdentity) return false;
    this.previousIdentity = this.lastIdentity;
    this.lastIdentity = identity;
    if (identity.accessKeyId !== this.lastKey?.accessKeyId) {
      this.lastKey = { accessKeyId: identity.accessKeyId, returnedAtMs: Date.now() };
    }
    return true;
  }

  /**
   * When the provider first returned this access key to this client, if it is the latest key: the time its
   * source was read at the latest (a chain can hand out several objects for one fetch).
   */
  keyReturnedAtMs(identity: AwsIdentity): number | undefined {
    return identity.accessKeyId === this.lastKey?.accessKeyId ? this.lastKey.returnedAtMs : undefined;
  }

  /** The credentials that carried `accessKeyId`, among those this client's signer can have used. */
  identityFor(accessKeyId: string, handlerContext: HandlerContext): AwsIdentity | undefined {
    const selected = handlerContext.__smithy_context?.selectedHttpAuthScheme?.identity;
    if (isIdentity(selected) && selected.accessKeyId === accessKeyId) return selected;
    if (this.lastIdentity?.accessKeyId === accessKeyId) return this.lastIdentity;
    if (this.previousIdentity?.accessKeyId === accessKeyId) return this.previousIdentity;
    return undefined;
  }

  /**
   * The source of credentials this client signed with, resolved once per credentials object (not at every
   * signing: their feature tags are final by then); `unknown` when the signer's credentials are not known.
   */
  signingSource(identity: AwsIdentity | undefined): CredentialSource {
    if (identity === undefined) return 'unknown';
    if (identity !== this.sourceFor) {
      this.sourceFor = identity;
      this.source = this.telemetry.registry.sourceOf(identity, this.fallbackSource);
    }
    return this.source;
  }

  /** The account of the credentials this client signed with (for `accountIdAttribute`), once per object. */
  signingAccount(identity: AwsIdentity | undefined): string | undefined {
    if (identity === undefined) return undefined;
    if (identity !== this.accountFor) {
      this.accountFor = identity;
      this.account = this.telemetry.registry.accountOf(identity);
    }
    return this.account;
  }
}

export function serviceIdOf(client: SdkClient): string {
  const serviceId = client.config?.serviceId;
  if (typeof serviceId === 'string' && serviceId !== '') return serviceId.replace(/\s+/g, '');
  return client.constructor.name.replace(/Client$/, '') || 'AWS';
}
