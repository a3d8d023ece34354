import { type Attributes, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isWrapped, safeExecuteInTheMiddle } from '@opentelemetry/instrumentation';
import type { ClientObserver } from './client-observer.js';
import { expiryState } from './expiry.js';
import { identityExpirationMs } from './identities.js';
import type { AwsIdentity, Handler, HandlerContext, Middleware, MiddlewareArgs } from './internal-types.js';
import { classifyRejection } from './rejections.js';
import {
  ATTR_AWS_CREDENTIALS_AGE,
  ATTR_AWS_CREDENTIALS_EXPIRY_STATE,
  ATTR_AWS_CREDENTIALS_KEY_FINGERPRINT,
  ATTR_AWS_CREDENTIALS_REFRESH_IN_FLIGHT,
  ATTR_AWS_CREDENTIALS_REJECTION_INFERRED,
  ATTR_AWS_CREDENTIALS_SOURCE,
  ATTR_AWS_CREDENTIALS_TEMPORARY,
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
import { reportFailure, safely } from './telemetry.js';
import type { CredentialSource, ExpiryState, RejectionInfo } from './types.js';

export const SIGNING_OBSERVER_NAME = 'credwatchSigningObserverMiddleware';
/** Current SDKs name the signing middleware `httpSigningMiddleware`; releases before 3.4xx `awsAuthMiddleware`. */
const SIGNING_MIDDLEWARE_NAMES = ['httpSigningMiddleware', 'awsAuthMiddleware'];

const STATE_INDEX: Record<ExpiryState, number> = { valid: 0, refresh_window: 1, expired: 2, no_expiry: 3 };

/**
 * The attribute sets of one service, built once per combination and reused at every signing by every client
 * of that service (interned: equal sets are the same object, which the signing tally relies on).
 */
class SigningAttributes {
  private readonly timeToExpiry = new Map<CredentialSource, Attributes>();
  private readonly signings = new Map<CredentialSource, Attributes[]>();

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
}

function fingerprint(accessKeyId: string): string {
  return accessKeyId.slice(-4);
}

/** One `send`: what the latest signing attempt used, so a rejection can be told against it. */
class OperationObservation {
  private accessKeyId = '';
  private identity: AwsIdentity | undefined;
  private source: CredentialSource = 'unknown';
  private state: ExpiryState = 'no_expiry';
  private timeToExpirySeconds: number | undefined;
  private temporary = false;
  /** The latest attempt's arguments: its method and input matter only if it is rejected. */
  private args: MiddlewareArgs = {};

  constructor(
    private readonly observer: ClientObserver,
    private readonly attributes: SigningAttributes,
    private readonly handlerContext: HandlerContext,
  ) {}

  /** Records one signing attempt; false when the request went out unsigned (nothing to report). */
  signed(args: MiddlewareArgs): boolean {
    const accessKeyId = signingAccessKeyId(args.request);
    if (accessKeyId === undefined) return false;
    const identity = this.observer.identityFor(accessKeyId, this.handlerContext);
    const source = this.observer.sourceOf(identity);
    const expiration = identity === undefined ? undefined : identityExpirationMs(identity);
    const now = Date.now();
    const state = expiryState(expiration, now);
    const temporary =
      identity === undefined ? accessKeyId.startsWith('ASIA') : Boolean(identity.sessionToken);
    this.accessKeyId = accessKeyId;
    this.identity = identity;
    this.source = source;
    this.state = state;
    this.temporary = temporary;
    this.timeToExpirySeconds = expiration === undefined ? undefined : (expiration - now) / 1000;
    this.args = args;

    const { metrics } = this.observer.telemetry;
    metrics.signings.add(1, this.attributes.forSigning(source, state, temporary));
    if (this.timeToExpirySeconds !== undefined) {
      // OpenTelemetry histograms drop negative values: an expired signing is recorded as 0, into the first
      // bucket (le="0"); the exact negative value goes on the span.
      metrics.timeToExpiry.record(
        Math.max(0, this.timeToExpirySeconds),
        this.attributes.forTimeToExpiry(source),
      );
    }
    const span = this.operationSpan();
    if (span !== undefined) this.annotate(span);
    return true;
  }

  readonly rethrow = (error: unknown): never => {
    safely(this.observer.telemetry, 'recording a credential rejection', () => this.rejected(error));
    throw error;
  };

  private rejected(error: unknown): void {
    const { telemetry, service } = this.observer;
    const rejection = classifyRejection(error, requestMethod(this.args.request), {
      expiryState: this.state,
      temporary: this.temporary,
      lastRejection: telemetry.registry.lastRejection(this.accessKeyId),
    });
    if (rejection === undefined) return;
    if (!rejection.inferred) telemetry.registry.noteRejection(this.accessKeyId, rejection.errorType);
    telemetry.metrics.rejections.add(1, {
      [ATTR_ERROR_TYPE]: rejection.errorType,
      [ATTR_AWS_CREDENTIALS_SOURCE]: this.source,
      [ATTR_RPC_SERVICE]: service,
      [ATTR_AWS_CREDENTIALS_EXPIRY_STATE]: this.state,
    });

    const operation = (this.handlerContext.commandName ?? '').replace(/Command$/, '');
    const operationSpan = this.operationSpan();
    const span = operationSpan ?? this.startRejectionSpan(operation, error);
    if (operationSpan !== undefined) this.annotate(span);
    span.setAttribute(ATTR_ERROR_TYPE, rejection.errorType);
    const info = this.identity === undefined ? undefined : telemetry.registry.info(this.identity);
    span.addEvent(EVENT_REJECTED, {
      [ATTR_ERROR_TYPE]: rejection.errorType,
      [ATTR_AWS_CREDENTIALS_REJECTION_INFERRED]: rejection.inferred,
      [ATTR_AWS_CREDENTIALS_SOURCE]: this.source,
      [ATTR_AWS_CREDENTIALS_EXPIRY_STATE]: this.state,
      [ATTR_AWS_CREDENTIALS_REFRESH_IN_FLIGHT]: (info?.lineage?.inFlight ?? 0) > 0,
      ...(this.timeToExpirySeconds === undefined
        ? {}
        : { [ATTR_AWS_CREDENTIALS_TIME_TO_EXPIRY]: this.timeToExpirySeconds }),
      ...(info === undefined ? {} : { [ATTR_AWS_CREDENTIALS_AGE]: (Date.now() - info.fetchedAtMs) / 1000 }),
    });

    const { rejectionHook } = telemetry.config;
    if (rejectionHook) {
      const rejectionInfo: RejectionInfo = {
        errorType: rejection.errorType,
        inferred: rejection.inferred,
        service,
        operation,
        source: this.source,
        expiryState: this.state,
        ...(this.timeToExpirySeconds === undefined ? {} : { timeToExpirySeconds: this.timeToExpirySeconds }),
      };
      safeExecuteInTheMiddle(
        () => rejectionHook(span, rejectionInfo),
        (hookError) => hookError && telemetry.diag.error('rejectionHook threw', hookError),
        true,
      );
    }
    if (operationSpan === undefined) span.end();
  }

  /**
   * The SDK operation span, when `@opentelemetry/instrumentation-aws-sdk` made one for this call (it wraps
   * the client's middleware stack `resolve`). Any other active span belongs to someone else.
   */
  private operationSpan(): Span | undefined {
    if (!isWrapped(this.observer.client.middlewareStack?.resolve)) return undefined;
    const span = trace.getSpan(context.active());
    return span?.isRecording() ? span : undefined;
  }

  private annotate(span: Span): void {
    span.setAttribute(ATTR_AWS_CREDENTIALS_SOURCE, this.source);
    span.setAttribute(ATTR_AWS_CREDENTIALS_EXPIRY_STATE, this.state);
    if (this.timeToExpirySeconds !== undefined) {
      span.setAttribute(ATTR_AWS_CREDENTIALS_TIME_TO_EXPIRY, this.timeToExpirySeconds);
    }
    if (this.observer.telemetry.config.accessKeyFingerprint) {
      span.setAttribute(ATTR_AWS_CREDENTIALS_KEY_FINGERPRINT, fingerprint(this.accessKeyId));
    }
  }

  /** No operation span to carry the rejection: credwatch records one so it is always visible in traces. */
  private startRejectionSpan(operation: string, error: unknown): Span {
    const { service, telemetry } = this.observer;
    const bucket = this.args.input?.Bucket;
    const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
    const span = telemetry.tracer.startSpan(SPAN_REJECTION, {
      kind: SpanKind.INTERNAL,
      attributes: {
        [ATTR_RPC_SYSTEM]: 'aws-api',
        [ATTR_RPC_SERVICE]: service,
        [ATTR_RPC_METHOD]: operation,
        ...(service === 'S3' && typeof bucket === 'string' ? { [ATTR_AWS_S3_BUCKET]: bucket } : {}),
        ...(typeof status === 'number' ? { [ATTR_HTTP_RESPONSE_STATUS_CODE]: status } : {}),
      },
    });
    span.setStatus({ code: SpanStatusCode.ERROR });
    this.annotate(span);
    return span;
  }
}

function watches(observer: ClientObserver): boolean {
  const { services } = observer.telemetry.config;
  return services === undefined || services.includes(observer.service);
}

const ATTRIBUTES_BY_SERVICE = new Map<string, SigningAttributes>();

function attributesFor(service: string): SigningAttributes {
  let attributes = ATTRIBUTES_BY_SERVICE.get(service);
  if (attributes === undefined) {
    attributes = new SigningAttributes(service);
    ATTRIBUTES_BY_SERVICE.set(service, attributes);
  }
  return attributes;
}

function signingObserver(observer: ClientObserver): Middleware {
  const attributes = attributesFor(observer.service);
  return (next: Handler, handlerContext: HandlerContext): Handler => {
    if (!observer.telemetry.isEnabled() || !watches(observer)) return next;
    const observation = new OperationObservation(observer, attributes, handlerContext);
    return (args) => {
      let signed = false;
      try {
        signed = observation.signed(args); // inline, not through safely(): no closure per attempt
      } catch (error) {
        reportFailure(observer.telemetry, 'recording a signing attempt', error);
      }
      return signed ? next(args).then(undefined, observation.rethrow) : next(args);
    };
  };
}

/** Adds the observer right after the signing middleware: inside the retry loop, once per attempt. */
export function addSigningObserver(observer: ClientObserver): void {
  const stack = observer.client.middlewareStack;
  if (stack === undefined) return;
  const present = stack.identify?.() ?? [];
  const signing = SIGNING_MIDDLEWARE_NAMES.find((name) =>
    present.some((entry) => entry === name || entry.startsWith(`${name} `)),
  );
  if (signing === undefined) {
    observer.telemetry.diag.debug(
      `${observer.service} client has no signing middleware; signings not observed`,
    );
    return;
  }
  stack.addRelativeTo(signingObserver(observer), {
    relation: 'after',
    toMiddleware: signing,
    name: SIGNING_OBSERVER_NAME,
    override: true,
  });
}
