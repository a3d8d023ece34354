import { type Context, context } from '@opentelemetry/api';
import type { ClientState } from './client-state.js';
import { identityExpirationMs, isIdentity } from './identities.js';
import {
  type AwsIdentity,
  type IdentityProvider,
  isThenable,
  type ProviderOptions,
} from './internal-types.js';
import { activeAttempt, forcedContext, isForced, RefreshAttempt, refreshTrigger } from './refresh-attempt.js';
import { safely } from './telemetry.js';

/**
 * Wraps a client's `config.credentials` to see what it returns, flagged as already memoized and bound so the
 * SDK's setter stores it as is: the memoizer underneath, and so the refresh semantics, stay the SDK's own.
 * Credentials no observed provider fetched (a user function; in a bundle, any provider) are recorded as a
 * refresh here, after the fact, through the same `RefreshAttempt` the provider hooks use.
 */
export function wrapCredentials(state: ClientState): void {
  const config = state.client.config;
  const original = config?.credentials;
  if (config === undefined || typeof original !== 'function') return;
  const provider = original as IdentityProvider;
  const observed: IdentityProvider = (options?: ProviderOptions) => {
    if (!state.telemetry.isEnabled()) return provider(options);
    const forced = options?.forceRefresh === true;
    const result = forced
      ? context.with(forcedContext(context.active()), provider, undefined, options)
      : provider(options);
    observe(state, result, forced);
    return result;
  };
  observed.memoized = true;
  observed.configBound = true;
  observed.attributed = true;
  config.credentials = observed;
}

function observe(state: ClientState, result: Promise<AwsIdentity>, forced: boolean): void {
  if (!isThenable(result)) return;
  const { telemetry } = state;
  const startedAt = performance.now();
  const failuresBefore = telemetry.registry.failureSequence;
  const parent = context.active();
  result.then(
    (identity) =>
      safely(telemetry, 'observing credentials', () => returned(state, identity, startedAt, forced, parent)),
    (error: unknown) =>
      safely(telemetry, 'observing a credentials failure', () =>
        failed(state, error, startedAt, forced, failuresBefore, parent),
      ),
  );
}

/** New credentials: recorded as a refresh unless an observed provider recorded them already. */
function returned(
  state: ClientState,
  identity: AwsIdentity,
  startedAt: number,
  forced: boolean,
  parent: Context,
) {
  if (!isIdentity(identity)) return;
  const previous = state.last;
  if (!state.noteReturned(identity)) return;
  const { registry } = state.telemetry;
  // Already recorded by an observed provider, or part of one's fetch (a role's source credentials).
  if (registry.info(identity) !== undefined || activeAttempt(parent) !== undefined) return;
  const source = registry.sourceOf(identity, state.fallbackSource);
  registry.remember(identity, { source, fetchedAtMs: Date.now() });
  if (source === 'static') return;
  new RefreshAttempt(state.telemetry, parent, {
    source,
    trigger: inferredTrigger(previous, forced, parent),
    alwaysCounts: true,
    startedAt,
  }).succeeded(identity, source);
}

function failed(
  state: ClientState,
  error: unknown,
  startedAt: number,
  forced: boolean,
  failuresBefore: number,
  parent: Context,
) {
  const { registry } = state.telemetry;
  if (activeAttempt(parent) !== undefined) return; // the enclosing provider's fetch records it
  // An observed provider already recorded this failure (or the one that caused it) during the call.
  if (registry.wasRecorded(error) || registry.failureSequence !== failuresBefore) return;
  const source = state.last ? state.signingSource(state.last) : state.fallbackSource;
  new RefreshAttempt(state.telemetry, parent, {
    source,
    trigger: inferredTrigger(state.last, forced, parent),
    alwaysCounts: true,
    startedAt,
  }).failed(error);
}

function inferredTrigger(previous: AwsIdentity | undefined, forced: boolean, parent: Context) {
  return refreshTrigger(
    {
      expirationMs: previous === undefined ? undefined : identityExpirationMs(previous),
      backgroundRefresh: false,
      forced: forced || isForced(parent),
    },
    Date.now(),
  );
}
