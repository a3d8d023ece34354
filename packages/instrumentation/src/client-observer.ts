import { type Context, context } from '@opentelemetry/api';
import { warnIfProvidersHidden } from './api-visibility.js';
import { identityExpirationMs, isIdentity } from './identities.js';
import type {
  AwsIdentity,
  HandlerContext,
  IdentityProvider,
  ProviderOptions,
  SdkClient,
} from './internal-types.js';
import { activeAttempt, forcedContext, isForced, RefreshAttempt, refreshTrigger } from './refresh-attempt.js';
import { addSigningObserver } from './signing-observer.js';
import { isThenable, safely, type Telemetry } from './telemetry.js';
import type { CredentialSource } from './types.js';

/** Shared by every copy of credwatch in the process, so two paths to one client instrument it once. */
const INSTRUMENTED = Symbol.for('credwatch.instrumentation.client');

/** How a client was reached: through the require hook on `send`, or through `instrumentClient()`. */
export type Reach = 'hook' | 'explicit';

/**
 * Per-client state: the credentials the client's provider last returned, and the client's service.
 * Created on the client's first `send` (or `instrumentClient`), once.
 */
export class ClientObserver {
  readonly service: string;
  /**
   * The source of credentials no provider factory produced and the SDK did not tag. Through the require
   * hook, every SDK provider is observed, so they come from a user function (`custom`); a bundled SDK
   * hides its providers, so there credwatch cannot tell (`unknown`).
   */
  readonly fallbackSource: CredentialSource;
  private lastIdentity: AwsIdentity | undefined;
  private previousIdentity: AwsIdentity | undefined;
  private sourceFor: AwsIdentity | undefined;
  private source: CredentialSource = 'unknown';

  constructor(
    readonly telemetry: Telemetry,
    readonly client: SdkClient,
    reach: Reach,
  ) {
    this.service = serviceIdOf(client);
    this.fallbackSource = reach === 'hook' ? 'custom' : 'unknown';
  }

  /** The credentials that carried `accessKeyId`, among those this client's signer can have used. */
  identityFor(accessKeyId: string, handlerContext: HandlerContext): AwsIdentity | undefined {
    const selected = handlerContext.__smithy_context?.selectedHttpAuthScheme?.identity;
    if (isIdentity(selected) && selected.accessKeyId === accessKeyId) return selected;
    if (this.lastIdentity?.accessKeyId === accessKeyId) return this.lastIdentity;
    if (this.previousIdentity?.accessKeyId === accessKeyId) return this.previousIdentity;
    return undefined;
  }

  /** Resolved once per credentials object, not at every signing: its feature tags are final by then. */
  sourceOf(identity: AwsIdentity | undefined): CredentialSource {
    if (identity === undefined) return 'unknown';
    if (identity !== this.sourceFor) {
      this.sourceFor = identity;
      this.source = this.telemetry.registry.sourceOf(identity, this.fallbackSource);
    }
    return this.source;
  }

  /**
   * Wraps `config.credentials` to see what it returns, flagged as already memoized and bound so the SDK's
   * setter stores it as is: the memoizer underneath, and so the refresh semantics, stay the SDK's own.
   */
  wrapCredentials(): void {
    const config = this.client.config;
    const original = config?.credentials;
    if (config === undefined || typeof original !== 'function') return;
    const provider = original as IdentityProvider;
    const observed: IdentityProvider = (options?: ProviderOptions) => {
      if (!this.telemetry.isEnabled()) return provider(options);
      const forced = options?.forceRefresh === true;
      const result = forced
        ? context.with(forcedContext(context.active()), provider, undefined, options)
        : provider(options);
      this.observe(result, forced);
      return result;
    };
    observed.memoized = true;
    observed.configBound = true;
    observed.attributed = true;
    config.credentials = observed;
  }

  private observe(result: Promise<AwsIdentity>, forced: boolean): void {
    if (!isThenable(result)) return;
    const startedAt = performance.now();
    const failuresBefore = this.telemetry.registry.failureSequence;
    const parent = context.active();
    result.then(
      (identity) =>
        safely(this.telemetry, 'observing credentials', () =>
          this.onIdentity(identity, startedAt, forced, parent),
        ),
      (error: unknown) =>
        safely(this.telemetry, 'observing a credentials failure', () =>
          this.onFailure(error, startedAt, forced, failuresBefore, parent),
        ),
    );
  }

  /**
   * New credentials that no observed provider produced: a user function (or, in a bundle, any provider)
   * fetched them. That fetch is recorded here, after the fact; static credentials never fetch.
   */
  private onIdentity(identity: AwsIdentity, startedAt: number, forced: boolean, parent: Context) {
    if (identity === this.lastIdentity || !isIdentity(identity)) return;
    const previous = this.lastIdentity;
    this.previousIdentity = previous;
    this.lastIdentity = identity;
    const { registry } = this.telemetry;
    // Already recorded by an observed provider, or part of one's fetch (a role's source credentials).
    if (registry.info(identity) !== undefined || activeAttempt(parent) !== undefined) return;
    const source = registry.sourceOf(identity, this.fallbackSource);
    registry.remember(identity, { source, fetchedAtMs: Date.now() });
    if (source === 'static') return;
    const attempt = new RefreshAttempt(this.telemetry, parent, {
      source,
      trigger: this.inferredTrigger(previous, forced, parent),
      alwaysCounts: true,
      startedAt,
    });
    attempt.succeeded(identity, source);
  }

  private onFailure(
    error: unknown,
    startedAt: number,
    forced: boolean,
    failuresBefore: number,
    parent: Context,
  ) {
    const { registry } = this.telemetry;
    if (activeAttempt(parent) !== undefined) return; // the enclosing provider's fetch records it
    // An observed provider already recorded this failure (or the one that caused it) during the call.
    if (registry.wasRecorded(error) || registry.failureSequence !== failuresBefore) return;
    const source = this.lastIdentity ? this.sourceOf(this.lastIdentity) : this.fallbackSource;
    const attempt = new RefreshAttempt(this.telemetry, parent, {
      source,
      trigger: this.inferredTrigger(this.lastIdentity, forced, parent),
      alwaysCounts: true,
      startedAt,
    });
    attempt.failed(error);
  }

  private inferredTrigger(previous: AwsIdentity | undefined, forced: boolean, parent: Context) {
    const expirationMs = previous === undefined ? undefined : identityExpirationMs(previous);
    return refreshTrigger(
      { expirationMs, backgroundRefresh: false, forced: forced || isForced(parent) },
      Date.now(),
    );
  }
}

export function serviceIdOf(client: SdkClient): string {
  const serviceId = client.config?.serviceId;
  if (typeof serviceId === 'string' && serviceId !== '') return serviceId.replace(/\s+/g, '');
  return client.constructor.name.replace(/Client$/, '') || 'AWS';
}

/** Instruments a client once, whichever path reaches it first. */
export function instrumentClientOnce(telemetry: Telemetry, client: SdkClient, reach: Reach): void {
  if (client === null || typeof client !== 'object' || (client as Record<symbol, unknown>)[INSTRUMENTED])
    return;
  Object.defineProperty(client, INSTRUMENTED, { value: true });
  safely(telemetry, 'instrumenting an AWS SDK client', () => {
    const observer = new ClientObserver(telemetry, client, reach);
    observer.wrapCredentials();
    addSigningObserver(observer);
    telemetry.diag.debug(`instrumented ${observer.service} client (${reach})`);
    warnIfProvidersHidden();
  });
}
