import { type Context, context } from '@opentelemetry/api';
import type { ClientState } from './client-state.js';
import { identityExpirationMs, isIdentity } from './identities.js';
import {
  type AwsIdentity,
  type IdentityProvider,
  isThenable,
  type ProviderOptions,
} from './internal-types.js';
import { dueAhead, refreshAheadOf } from './refresh-ahead.js';
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
    if (options?.forceRefresh !== true && dueForEarlyRefresh(state))
      return refreshEarly(state, observed, options);
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

/** `refreshBefore` is set, and `identity` has less than it left. */
function insideBuffer(state: ClientState, identity: AwsIdentity): boolean {
  const ahead = refreshAheadOf(state.telemetry.config.refreshBefore);
  if (ahead === undefined) return false; // the default: nothing more to read at this provider call
  const expirationMs = identityExpirationMs(identity);
  if (expirationMs === undefined) return false;
  return dueAhead(ahead, expirationMs, state.telemetry.registry.info(identity)?.fetchedAtMs, Date.now());
}

/** The credentials held are inside the buffer, and no early refresh was tried for them yet. */
function dueForEarlyRefresh(state: ClientState): boolean {
  const held = state.last;
  if (held === undefined || held === state.aheadTriedFor || state.aheadDisabled) return false;
  return insideBuffer(state, held);
}

/**
 * Asks for new credentials now, through the wrapper as a forced call (`forceRefresh`, which the SDK's memoized
 * providers honour and coalesce). If that fails, the call goes on as if nothing had been tried: the provider
 * answers with the credentials it holds, which are still valid, and the SDK refreshes in its window.
 */
function refreshEarly(
  state: ClientState,
  observed: IdentityProvider,
  options: ProviderOptions | undefined,
): Promise<AwsIdentity> {
  state.aheadTriedFor = state.last;
  const result = observed({ ...options, forceRefresh: true });
  if (!isThenable(result)) return result; // a provider that answers synchronously: nothing to fall back from
  return result.then(
    (identity) => {
      safely(state.telemetry, 'checking early-refreshed credentials', () => noteTooShort(state, identity));
      return identity;
    },
    () => observed(options),
  );
}

/**
 * Fresh credentials already inside the buffer mean the provider's sessions are shorter than it: refreshing
 * early again would refresh at every call, so this client goes back to the SDK's own window.
 */
function noteTooShort(state: ClientState, identity: AwsIdentity): void {
  if (!isIdentity(identity) || !insideBuffer(state, identity)) return;
  state.aheadDisabled = true;
  if (warnedTooShort) return;
  warnedTooShort = true;
  // insideBuffer() held: the identity has an expiration.
  const leftSeconds = Math.round(((identityExpirationMs(identity) as number) - Date.now()) / 1000);
  state.telemetry.diag.warn(
    `refreshBefore (${String(state.telemetry.config.refreshBefore)}) is longer than what ${state.service} credentials have left right after a refresh (${leftSeconds} s); that client is refreshed in the SDK's own window instead. Lower refreshBefore or ask the provider for longer sessions.`,
  );
}

let warnedTooShort = false;

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
