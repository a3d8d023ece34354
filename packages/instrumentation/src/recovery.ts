import type { ClientState } from './client-state.js';
import { isIdentity } from './identities.js';
import type { Handler, HandlerContext, Middleware, MiddlewareArgs, SdkError } from './internal-types.js';
import { errorCode } from './rejections.js';
import {
  ATTR_AWS_CREDENTIALS_RECOVERY_OUTCOME,
  ATTR_AWS_CREDENTIALS_RECOVERY_SKIP_REASON,
  ATTR_AWS_CREDENTIALS_SOURCE,
  ATTR_ERROR_TYPE,
} from './semconv.js';
import { operationSpanOf } from './signing-observer.js';
import { safely } from './telemetry.js';
import type { CredentialSource } from './types.js';

// Opt-in recovery (`recover: true`, `CREDWATCH_RECOVER=true`): when the service says the signing session must
// be replaced, refresh it once and send the request again, signed with the new credentials. AWS's own advice
// for `TokenRefreshRequired`; the SDK alone keeps failing until its five-minute window comes round.

export const RECOVERY_MIDDLEWARE_NAME = 'credwatchRecoveryMiddleware';

/** The rejections a fresh session fixes. */
const RECOVERABLE = new Set(['TokenRefreshRequired', 'ExpiredToken', 'ExpiredTokenException']);

export type RecoveryOutcome = 'recovered' | 'failed' | 'skipped';
export type SkipReason = 'static_credentials' | 'streaming_body' | 'no_identity' | 'same_credentials';

/** A body the transport has consumed cannot be sent twice: a Node stream or a web ReadableStream. */
function isStream(body: unknown): boolean {
  if (body === null || typeof body !== 'object') return false;
  const candidate = body as { pipe?: unknown; getReader?: unknown };
  return typeof candidate.pipe === 'function' || typeof candidate.getReader === 'function';
}

let warnedStatic = false;

/** How many operations' recovery tries are remembered: far more than a client has in flight at once. */
const REMEMBERED_OPERATIONS = 256;

/**
 * The operations recovery was tried for. The SDK resolves a middleware chain per `send`, or once per command
 * class with `cacheMiddleware: true`, so "once per operation" cannot live in the chain: an operation is known
 * by the invocation id the SDK's retry step puts on every attempt of one `send` (the request itself where
 * there is none).
 */
class TriedOperations {
  private readonly keys = new Set<unknown>();

  /** Notes a try for the operation of `args`; false if one was noted already. */
  firstTry(args: MiddlewareArgs): boolean {
    const request = args.request as { headers?: Record<string, unknown> } | undefined;
    const key = request?.headers?.['amz-sdk-invocation-id'] ?? request ?? args;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > REMEMBERED_OPERATIONS) this.keys.delete(this.keys.values().next().value);
    return true;
  }
}

function record(
  client: ClientState,
  outcome: RecoveryOutcome,
  errorType: string,
  source: CredentialSource,
  skipReason?: SkipReason,
): void {
  safely(client.telemetry, 'recording a recovery', () => {
    operationSpanOf(client)?.setAttribute(ATTR_AWS_CREDENTIALS_RECOVERY_OUTCOME, outcome);
    client.telemetry.metrics.recoveries.add(1, {
      [ATTR_AWS_CREDENTIALS_RECOVERY_OUTCOME]: outcome,
      [ATTR_ERROR_TYPE]: errorType,
      [ATTR_AWS_CREDENTIALS_SOURCE]: source,
      ...(skipReason === undefined ? {} : { [ATTR_AWS_CREDENTIALS_RECOVERY_SKIP_REASON]: skipReason }),
    });
  });
}

/** Why this request cannot be recovered, if it cannot. */
function skipReason(
  client: ClientState,
  args: MiddlewareArgs,
  source: CredentialSource,
): SkipReason | undefined {
  if (source === 'static') return 'static_credentials';
  if (isStream((args.request as { body?: unknown } | undefined)?.body)) return 'streaming_body';
  if (typeof client.client.config?.credentials !== 'function') return 'no_identity';
  return undefined;
}

function recoveryMiddleware(client: ClientState): Middleware {
  const tried = new TriedOperations();
  return (next: Handler, handlerContext: HandlerContext): Handler => {
    if (!client.telemetry.isEnabled() || (client.recover ?? client.telemetry.config.recover) !== true)
      return next;
    return async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const errorType = errorCode(error as SdkError);
        if (errorType === undefined || !RECOVERABLE.has(errorType)) throw error;
        // One recovery per operation, whatever the retry strategy does around it.
        if (!tried.firstTry(args)) throw error;
        const held = client.last;
        const source = held === undefined ? client.fallbackSource : client.signingSource(held);
        const skip = skipReason(client, args, source);
        if (skip !== undefined) {
          record(client, 'skipped', errorType, source, skip);
          if (skip === 'static_credentials' && !warnedStatic) {
            warnedStatic = true;
            client.telemetry.diag.warn(
              `recover: ${client.service} signs with credentials handed to the client, which nothing can refresh; give it a provider (fromTemporaryCredentials, the default chain) so credwatch can recover from ${errorType}`,
            );
          }
          throw error;
        }
        const provider = client.client.config?.credentials as (options: {
          forceRefresh: boolean;
        }) => Promise<unknown>;
        let fresh: unknown;
        try {
          fresh = await provider({ forceRefresh: true });
        } catch {
          record(client, 'failed', errorType, source);
          throw error;
        }
        // An endpoint that serves the same session until its own rotation (IMDS, the container endpoint)
        // answers a forced refresh with the keys just rejected: sending again would only be rejected again.
        const rejectedKey = held?.accessKeyId;
        if (isIdentity(fresh) && rejectedKey !== undefined && fresh.accessKeyId === rejectedKey) {
          record(client, 'skipped', errorType, source, 'same_credentials');
          throw error;
        }
        // The provider now holds the fresh credentials, and this SDK's signer resolves them again; a signer
        // that signs with the identity chosen for the operation gets the fresh one here.
        const scheme = handlerContext.__smithy_context?.selectedHttpAuthScheme;
        if (scheme !== undefined && isIdentity(fresh)) scheme.identity = fresh;
        try {
          const output = await next(args);
          record(client, 'recovered', errorType, source);
          return output;
        } catch (second) {
          record(client, 'failed', errorType, source);
          throw second;
        }
      }
    };
  };
}

/**
 * Adds the recovery step right before the signing middleware: inside the retry loop, and outside the signer,
 * so the second send is signed again. Added only to clients instrumented while recovery is on for them; it
 * passes requests through once the setting is turned off (read at each operation).
 */
export function addRecovery(client: ClientState, signingMiddleware: string): void {
  client.client.middlewareStack?.addRelativeTo(recoveryMiddleware(client), {
    relation: 'before',
    toMiddleware: signingMiddleware,
    name: RECOVERY_MIDDLEWARE_NAME,
    override: true,
  });
}
