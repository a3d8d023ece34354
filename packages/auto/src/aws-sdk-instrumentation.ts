import { diag } from '@opentelemetry/api';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';

type Handler = (this: unknown, command: object) => Promise<unknown>;
type Resolve = (this: unknown, handler: unknown, context: unknown) => Handler;
type ResolvePatch = (moduleVersion: string | undefined, original: Resolve) => Resolve;

/** The one hook in instrumentation-aws-sdk's internals this guard needs (0.79: wraps `middlewareStack.resolve`). */
const RESOLVE_PATCH = '_getV3MiddlewareStackResolvePatch';

/**
 * `@opentelemetry/instrumentation-aws-sdk` as `@credwatch/auto` ships it: the application gets the SDK's own
 * error, whatever the instrumentation's error path does. That path reads the error (`message`,
 * `$metadata`, …) and records it on the span; an error whose getters throw (a hostile credential provider)
 * would otherwise reach the application as the getter's error instead of its own.
 *
 * The guard wraps the SDK's resolved middleware stack on both sides of the instrumentation's wrapper: the
 * inner side notes the error the SDK rejected with, the outer side rethrows that one. Nothing else sits
 * between the two.
 */
export function errorPreservingAwsInstrumentation(): AwsInstrumentation {
  const instrumentation = new AwsInstrumentation();
  const internals = instrumentation as unknown as Record<string, unknown>;
  const makePatch = internals[RESOLVE_PATCH];
  if (typeof makePatch !== 'function') {
    diag.warn(
      `credwatch: @opentelemetry/instrumentation-aws-sdk has no ${RESOLVE_PATCH}; its errors are unguarded`,
    );
    return instrumentation;
  }
  internals[RESOLVE_PATCH] = function guardedResolvePatch(moduleVersion, original: Resolve): Resolve {
    const sdkErrors = new WeakMap<object, unknown>();
    const noting: Resolve = function (handler, context) {
      const resolved = original.call(this, handler, context);
      return function (command) {
        return resolved.call(this, command).catch((error: unknown) => {
          sdkErrors.set(command, error);
          throw error;
        });
      };
    };
    const patched = (makePatch as ResolvePatch).call(instrumentation, moduleVersion, noting);
    return function (handler, context) {
      const instrumented = patched.call(this, handler, context);
      return function (command) {
        return instrumented.call(this, command).catch((error: unknown) => {
          if (!sdkErrors.has(command)) throw error;
          const sdkError = sdkErrors.get(command);
          sdkErrors.delete(command);
          throw sdkError;
        });
      };
    };
  } satisfies ResolvePatch;
  return instrumentation;
}
