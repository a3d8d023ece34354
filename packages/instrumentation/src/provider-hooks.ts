import { context } from '@opentelemetry/api';
import { replaceExport } from './exports-patch.js';
import { isIdentity } from './identities.js';
import { isThenable } from './internal-types.js';
import { activeAttempt, isForced, RefreshAttempt, refreshTrigger } from './refresh-attempt.js';
import type { ProviderFactory } from './sources.js';
import { safely, type Telemetry } from './telemetry.js';

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * Wraps a provider returned by a factory. Each call that is not nested in another provider's call is a
 * real fetch: the SDK's memoizers only call through on a miss, so cache hits never reach this function.
 */
function observeProvider(
  telemetry: Telemetry,
  factory: ProviderFactory,
  provider: AnyFunction,
  lineageKey: object,
): AnyFunction {
  return function credwatchObservedProvider(this: unknown, ...args: unknown[]) {
    if (!telemetry.isEnabled()) return provider.apply(this, args);
    const active = context.active();
    if (activeAttempt(active) !== undefined)
      return nestedFetch(telemetry, factory, provider.apply(this, args));

    const lineage = telemetry.registry.lineage(lineageKey);
    const attempt = safely(
      telemetry,
      'starting a credential refresh',
      () =>
        new RefreshAttempt(telemetry, active, {
          source: factory.source,
          trigger: refreshTrigger(
            {
              expirationMs: lineage.last?.expirationMs,
              backgroundRefresh: lineage.backgroundRefresh,
              forced: isForced(active),
            },
            Date.now(),
          ),
          lineage,
          alwaysCounts: factory.remote,
        }),
    );
    if (attempt === undefined) return provider.apply(this, args);

    const succeeded = (identity: unknown) => {
      safely(telemetry, 'attributing fetched credentials', () => {
        if (!isIdentity(identity)) return attempt.succeeded(identity, factory.source);
        const source = telemetry.registry.sourceOf(identity, factory.source);
        telemetry.registry.remember(identity, { source, fetchedAtMs: Date.now(), lineage });
        attempt.succeeded(identity, source);
      });
      return identity;
    };
    const failed = (error: unknown) => {
      safely(telemetry, 'classifying a provider failure', () => {
        if (factory.unconfigured && !factory.unconfigured.test(String((error as Error)?.message)))
          attempt.proveReal();
      });
      attempt.failed(error);
      throw error;
    };

    let result: unknown;
    try {
      result = context.with(attempt.context(), () => provider.apply(this, args));
    } catch (error) {
      return failed(error);
    }
    return isThenable(result) ? result.then(succeeded, failed) : succeeded(result);
  };
}

/** A provider called by another provider (a role's source credentials, a wrapper factory): part of its fetch. */
function nestedFetch(telemetry: Telemetry, factory: ProviderFactory, result: unknown): unknown {
  if (!isThenable(result)) return result;
  return result.then((identity) => {
    safely(telemetry, 'attributing nested credentials', () => {
      if (isIdentity(identity) && telemetry.registry.info(identity) === undefined) {
        const source = telemetry.registry.sourceOf(identity, factory.source);
        telemetry.registry.remember(identity, { source, fetchedAtMs: Date.now() });
      }
    });
    return identity;
  });
}

/** Replaces a factory export so that every provider it builds is observed. */
export function patchProviderFactory<T extends object>(
  telemetry: Telemetry,
  moduleExports: T,
  factory: ProviderFactory,
): T {
  return replaceExport(moduleExports, factory.exportName, (original) => {
    return function credwatchProviderFactory(this: unknown, ...args: unknown[]) {
      const provider = original.apply(this, args);
      if (typeof provider !== 'function') return provider;
      const init = args[0];
      // The default chain hands every link the same `init`, so its links share one lineage.
      const lineageKey = init !== null && typeof init === 'object' ? init : provider;
      return observeProvider(telemetry, factory, provider as AnyFunction, lineageKey);
    };
  });
}

/** The first `@aws-sdk/credential-provider-node` whose default chain is built on `memoizeChain`. */
const BACKGROUND_REFRESH_SINCE = [3, 920, 0] as const;

/** True when `version` (major.minor.patch, prerelease ignored) is at least `minimum`. */
function atLeast(version: string, minimum: readonly [number, number, number]): boolean {
  const parts = version.split(/[.-]/).slice(0, 3).map(Number);
  for (let index = 0; index < 3; index++) {
    const part = parts[index] ?? 0;
    if (part !== minimum[index]) return part > (minimum[index] as number);
  }
  return true;
}

/**
 * The default chain (`@aws-sdk/credential-provider-node`'s `defaultProvider`) refreshes in the background
 * inside the refresh window since it is built on `memoizeChain` (3.920.0); older releases refresh blocking.
 */
export function patchDefaultProvider<T extends object>(
  telemetry: Telemetry,
  moduleExports: T,
  moduleVersion: string | undefined,
): T {
  const refreshesInBackground =
    moduleVersion !== undefined && atLeast(moduleVersion, BACKGROUND_REFRESH_SINCE);
  return replaceExport(moduleExports, 'defaultProvider', (original) => {
    return function credwatchDefaultProvider(this: unknown, init: unknown = {}, ...rest: unknown[]) {
      if (refreshesInBackground && init !== null && typeof init === 'object') {
        safely(telemetry, 'marking the default credential chain', () =>
          telemetry.registry.markDefaultChain(init),
        );
      }
      return original.call(this, init, ...rest);
    };
  });
}
