import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import type { ClientState } from './client-state.js';
import { detectAtSigning, unrefreshableAtEnd } from './detectors.js';
import { expiryState } from './expiry.js';
import { identityExpirationMs } from './identities.js';
import type {
  AwsIdentity,
  Handler,
  HandlerContext,
  Middleware,
  MiddlewareArgs,
  MiddlewareStack,
  RelativeOptions,
} from './internal-types.js';
import { classifyRejection } from './rejections.js';
import {
  ATTR_AWS_CREDENTIALS_ACCOUNT_ID,
  ATTR_AWS_CREDENTIALS_AGE,
  ATTR_AWS_CREDENTIALS_EXPIRY_STATE,
  ATTR_AWS_CREDENTIALS_KEY_FINGERPRINT,
  ATTR_AWS_CREDENTIALS_REFRESH_IN_FLIGHT,
  ATTR_AWS_CREDENTIALS_REJECTION_INFERRED,
  ATTR_AWS_CREDENTIALS_SOURCE,
  ATTR_AWS_CREDENTIALS_TIME_TO_EXPIRY,
  ATTR_AWS_S3_BUCKET,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_SYSTEM,
  EVENT_REJECTED,
  SPAN_REJECTION,
} from './semconv.js';
import { requestMethod, signingAccessKeyId } from './signed-request.js';
import { type SigningAttributes, signingAttributesFor } from './signing-tally.js';
import { detectAtRejection } from './stale-source-file.js';
import { reportFailure, safely } from './telemetry.js';
import type { CredentialSource, ExpiryState, RejectionInfo } from './types.js';
import { callUserHook } from './user-hook.js';

export const SIGNING_OBSERVER_NAME = 'credwatchSigningObserverMiddleware';
/** Current SDKs name the signing middleware `httpSigningMiddleware`; releases before 3.4xx `awsAuthMiddleware`. */
const SIGNING_MIDDLEWARE_NAMES = ['httpSigningMiddleware', 'awsAuthMiddleware'];

function fingerprint(accessKeyId: string): string {
  return accessKeyId.slice(-4);
}

/** What one signing attempt used: read once, from the signed request and the client's credentials. */
interface Signing {
  accessKeyId: string;
  identity: AwsIdentity | undefined;
  source: CredentialSource;
  state: ExpiryState;
  temporary: boolean;
  /** Expiration − signing time; undefined for credentials without an expiration. */
  timeToExpirySeconds: number | undefined;
  /** The attempt's arguments: its method and input matter only if it is rejected. */
  args: MiddlewareArgs;
}

/**
 * What the observer knows of one resolved middleware chain. The SDK resolves a chain per `send`, or once per
 * command class with `cacheMiddleware: true`, when one chain serves concurrent sends: so nothing of an attempt
 * is kept here; its signing travels with the attempt to its rejection.
 */
class OperationObservation {
  constructor(
    private readonly client: ClientState,
    private readonly attributes: SigningAttributes,
    private readonly handlerContext: HandlerContext,
  ) {}

  /** Records one signing attempt; undefined when the request went out unsigned (nothing to report). */
  signed(args: MiddlewareArgs): Signing | undefined {
    const accessKeyId = signingAccessKeyId(args.request);
    if (accessKeyId === undefined) return undefined;
    const identity = this.client.identityFor(accessKeyId, this.handlerContext);
    const source = this.client.signingSource(identity);
    const expiration = identity === undefined ? undefined : identityExpirationMs(identity);
    const now = Date.now();
    const state = expiryState(expiration, now);
    const temporary =
      identity === undefined ? accessKeyId.startsWith('ASIA') : Boolean(identity.sessionToken);
    const timeToExpirySeconds = expiration === undefined ? undefined : (expiration - now) / 1000;
    const signing: Signing = { accessKeyId, identity, source, state, temporary, timeToExpirySeconds, args };

    const { metrics } = this.client.telemetry;
    const attributes = this.attributes.forSigning(source, state, temporary);
    const account = this.client.telemetry.config.accountIdAttribute
      ? this.client.signingAccount(identity)
      : undefined;
    metrics.signings.add(
      1,
      account === undefined ? attributes : this.attributes.withAccount(attributes, account),
    );
    if (timeToExpirySeconds !== undefined) {
      // OpenTelemetry histograms drop negative values: an expired signing is recorded as 0, into the first
      // bucket (le="0"); the exact negative value goes on the span.
      metrics.timeToExpiry.record(Math.max(0, timeToExpirySeconds), this.attributes.forTimeToExpiry(source));
    }
    const span = this.operationSpan();
    if (span !== undefined) this.annotate(span, signing);
    // Cheap on the request path: only new credentials, or credentials nothing can refresh at their end.
    if (
      identity !== undefined &&
      (identity !== this.client.checkedIdentity || unrefreshableAtEnd(source, state))
    ) {
      const operation = (this.handlerContext.commandName ?? '').replace(/Command$/, '');
      detectAtSigning(
        this.client,
        { identity, source, state, temporary, timeToExpirySeconds, operation },
        span,
      );
    }
    return signing;
  }

  /** The attempt signed with `signing` failed: records it if the service rejected the credentials. */
  rejected(signing: Signing, error: unknown): void {
    const { telemetry, service } = this.client;
    const rejection = classifyRejection(error, requestMethod(signing.args.request), {
      expiryState: signing.state,
      temporary: signing.temporary,
      lastRejection: telemetry.registry.lastRejection(signing.accessKeyId),
    });
    if (rejection === undefined) return;
    if (!rejection.inferred) telemetry.registry.noteRejection(signing.accessKeyId, rejection.errorType);
    const info: RejectionInfo = {
      errorType: rejection.errorType,
      inferred: rejection.inferred,
      service,
      operation: (this.handlerContext.commandName ?? '').replace(/Command$/, ''),
      source: signing.source,
      expiryState: signing.state,
      ...(signing.timeToExpirySeconds === undefined
        ? {}
        : { timeToExpirySeconds: signing.timeToExpirySeconds }),
    };
    // Attribute order is what a Prometheus scrape prints: keep it as users' queries and tests have seen it.
    telemetry.metrics.rejections.add(1, {
      [ATTR_ERROR_TYPE]: info.errorType,
      [ATTR_AWS_CREDENTIALS_SOURCE]: info.source,
      [ATTR_RPC_SERVICE]: info.service,
      [ATTR_AWS_CREDENTIALS_EXPIRY_STATE]: info.expiryState,
      ...(telemetry.config.accountIdAttribute && signing.identity !== undefined
        ? accountAttribute(this.client.signingAccount(signing.identity))
        : {}),
    });

    const operationSpan = this.operationSpan();
    const span = operationSpan ?? this.startRejectionSpan(info, signing, error);
    if (operationSpan !== undefined) this.annotate(span, signing);
    span.setAttribute(ATTR_ERROR_TYPE, info.errorType);
    const fetched = signing.identity === undefined ? undefined : telemetry.registry.info(signing.identity);
    span.addEvent(EVENT_REJECTED, {
      [ATTR_ERROR_TYPE]: info.errorType,
      [ATTR_AWS_CREDENTIALS_REJECTION_INFERRED]: info.inferred,
      [ATTR_AWS_CREDENTIALS_SOURCE]: info.source,
      [ATTR_AWS_CREDENTIALS_EXPIRY_STATE]: info.expiryState,
      [ATTR_AWS_CREDENTIALS_REFRESH_IN_FLIGHT]: (fetched?.lineage?.inFlight ?? 0) > 0,
      ...(info.timeToExpirySeconds === undefined
        ? {}
        : { [ATTR_AWS_CREDENTIALS_TIME_TO_EXPIRY]: info.timeToExpirySeconds }),
      ...(fetched === undefined
        ? {}
        : { [ATTR_AWS_CREDENTIALS_AGE]: (Date.now() - fetched.fetchedAtMs) / 1000 }),
    });
    detectAtRejection(this.client, { ...signing, operation: info.operation }, info.errorType, span);
    callUserHook(telemetry, 'rejectionHook', telemetry.config.rejectionHook, span, info);
    if (operationSpan === undefined) span.end();
  }

  private operationSpan(): Span | undefined {
    return operationSpanOf(this.client);
  }

  private annotate(span: Span, signing: Signing): void {
    span.setAttribute(ATTR_AWS_CREDENTIALS_SOURCE, signing.source);
    span.setAttribute(ATTR_AWS_CREDENTIALS_EXPIRY_STATE, signing.state);
    if (signing.timeToExpirySeconds !== undefined) {
      span.setAttribute(ATTR_AWS_CREDENTIALS_TIME_TO_EXPIRY, signing.timeToExpirySeconds);
    }
    if (this.client.telemetry.config.accessKeyFingerprint) {
      span.setAttribute(ATTR_AWS_CREDENTIALS_KEY_FINGERPRINT, fingerprint(signing.accessKeyId));
    }
  }

  /** No operation span to carry the rejection: credwatch records one so it is always visible in traces. */
  private startRejectionSpan(info: RejectionInfo, signing: Signing, error: unknown): Span {
    const bucket = signing.args.input?.Bucket;
    const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
    const span = this.client.telemetry.tracer.startSpan(SPAN_REJECTION, {
      kind: SpanKind.INTERNAL,
      attributes: {
        [ATTR_RPC_SYSTEM]: 'aws-api',
        [ATTR_RPC_SERVICE]: info.service,
        [ATTR_RPC_METHOD]: info.operation,
        ...(info.service === 'S3' && typeof bucket === 'string' ? { [ATTR_AWS_S3_BUCKET]: bucket } : {}),
        ...(typeof status === 'number' ? { [ATTR_HTTP_RESPONSE_STATUS_CODE]: status } : {}),
      },
    });
    span.setStatus({ code: SpanStatusCode.ERROR });
    this.annotate(span, signing);
    return span;
  }
}

/**
 * The SDK operation span, when `@opentelemetry/instrumentation-aws-sdk` made one for this call (it wraps
 * the client's middleware stack `resolve`). Any other active span belongs to someone else.
 */
export function operationSpanOf(client: ClientState): Span | undefined {
  if (!isWrapped(client.client.middlewareStack?.resolve)) return undefined;
  const span = trace.getSpan(context.active());
  return span?.isRecording() ? span : undefined;
}

function accountAttribute(accountId: string | undefined) {
  return accountId === undefined ? {} : { [ATTR_AWS_CREDENTIALS_ACCOUNT_ID]: accountId };
}

function watches(client: ClientState): boolean {
  const { services } = client.telemetry.config;
  return services === undefined || services.includes(client.service);
}

function signingObserver(client: ClientState): Middleware {
  const attributes = signingAttributesFor(client.service);
  return (next: Handler, handlerContext: HandlerContext): Handler => {
    if (!client.telemetry.isEnabled() || !watches(client)) return next;
    const observation = new OperationObservation(client, attributes, handlerContext);
    return (args) => {
      let signing: Signing | undefined;
      try {
        signing = observation.signed(args); // inline, not through safely(): no closure on this path
      } catch (error) {
        reportFailure(client.telemetry, 'recording a signing attempt', error);
      }
      if (signing === undefined) return next(args);
      // The attempt's own signing, held by its rejection handler: the chain may serve concurrent sends.
      const signed = signing;
      return next(args).then(undefined, (error: unknown) => {
        safely(client.telemetry, 'recording a credential rejection', () =>
          observation.rejected(signed, error),
        );
        throw error;
      });
    };
  };
}

/**
 * Adds the observer right after the signing middleware: inside the retry loop, once per attempt. Returns the
 * signing middleware's name, or undefined when the client has none (nothing is added then).
 */
export function addSigningObserver(client: ClientState): string | undefined {
  const stack = client.client.middlewareStack;
  if (stack === undefined) return undefined;
  const present = stack.identify?.() ?? [];
  const signing = SIGNING_MIDDLEWARE_NAMES.find((name) =>
    present.some((entry) => entry === name || entry.startsWith(`${name} `)),
  );
  if (signing === undefined) {
    client.telemetry.diag.debug(`${client.service} client has no signing middleware; signings not observed`);
    return undefined;
  }
  const observer = signingObserver(client);
  if (!observeInsideSigning(stack, signing, observer)) {
    stack.addRelativeTo(observer, {
      relation: 'after',
      toMiddleware: signing,
      name: SIGNING_OBSERVER_NAME,
      override: true,
    });
  }
  return signing;
}

/**
 * Runs the observer inside the signing middleware's own stack entry (`signing(observer(next))`), which is
 * where an entry of its own `after` the signing middleware would put it. The SDK copies, sorts and rebuilds
 * the chain from every entry of the stack at every `send`: an entry of its own was the largest cost credwatch
 * had left per request (docs/benchmarks.md). The entry is replaced under its own name and options, which moves
 * it to the end of the entries placed like it: done only when no other entry is placed like it (nothing can
 * change order), and checked against the stack's own listing, which must read the same afterwards.
 */
function observeInsideSigning(stack: MiddlewareStack, name: string, observer: Middleware): boolean {
  if (stack.applyToStack === undefined || stack.identify === undefined) return false;
  const relative: { middleware: Middleware; options: RelativeOptions }[] = [];
  stack.applyToStack({
    add: () => undefined,
    addRelativeTo: (middleware, options) => relative.push({ middleware, options }),
  });
  const entry = relative.find(
    ({ options }) => options.name === name || options.aliases?.includes(name) === true,
  );
  if (entry === undefined) return false;
  const { options } = entry;
  const placedAlike = relative.filter(
    (other) =>
      other.options.toMiddleware === options.toMiddleware && other.options.relation === options.relation,
  );
  if (placedAlike.length !== 1) return false;
  const before = stack.identify().join('\n');
  const signingMiddleware = entry.middleware;
  const observed: Middleware = (next, context) => signingMiddleware(observer(next, context), context);
  const { middleware: _copied, ...placement } = options as RelativeOptions & { middleware?: unknown };
  stack.addRelativeTo(observed, { ...placement, override: true });
  if (stack.identify().join('\n') === before) return true;
  stack.addRelativeTo(signingMiddleware, { ...placement, override: true }); // put it back as it was
  return false;
}
