import {
  type Context,
  context,
  createContextKey,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { REFRESH_WINDOW_MS } from './expiry.js';
import { identityExpirationMs, isIdentity, type Lineage } from './identities.js';
import { providerErrorType } from './rejections.js';
import {
  ATTR_AWS_CREDENTIALS_ACCOUNT_ID,
  ATTR_AWS_CREDENTIALS_EXPIRATION,
  ATTR_AWS_CREDENTIALS_LIFETIME,
  ATTR_AWS_CREDENTIALS_PRINCIPAL,
  ATTR_AWS_CREDENTIALS_REFRESH_TRIGGER,
  ATTR_AWS_CREDENTIALS_SOURCE,
  ATTR_ERROR_TYPE,
  SPAN_REFRESH,
} from './semconv.js';
import { isLocalSource } from './sources.js';
import { detectAtFetch } from './static-stability.js';
import { safely, type Telemetry } from './telemetry.js';
import type { CredentialSource, RefreshInfo, RefreshTrigger } from './types.js';
import { callUserHook } from './user-hook.js';

const ATTEMPT_KEY = createContextKey('credwatch refresh attempt');
const FORCED_KEY = createContextKey('credwatch forced refresh');

/** The refresh attempt the current async context runs inside, if any. */
/** `arn:aws:sts::123456789012:assumed-role/…` → `123456789012`. */
function accountOf(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

export function activeAttempt(ctx: Context = context.active()): RefreshAttempt | undefined {
  return ctx.getValue(ATTEMPT_KEY) as RefreshAttempt | undefined;
}

/** Marks a context whose credential lookups the application forced (`credentials({ forceRefresh: true })`). */
export function forcedContext(ctx: Context): Context {
  return ctx.setValue(FORCED_KEY, true);
}

export function isForced(ctx: Context): boolean {
  return ctx.getValue(FORCED_KEY) === true;
}

/** Why a fetch happened, judged against the credentials it replaces. */
export function refreshTrigger(
  replaced: { expirationMs: number | undefined; backgroundRefresh: boolean; forced: boolean },
  nowMs: number,
): RefreshTrigger {
  if (replaced.forced) return 'forced';
  if (replaced.expirationMs === undefined) return 'initial';
  const left = replaced.expirationMs - nowMs;
  if (left <= 0) return 'expired';
  // Credentials this fresh were not being replaced: another consumer of the provider is starting up.
  if (left >= REFRESH_WINDOW_MS) return 'initial';
  return replaced.backgroundRefresh ? 'background' : 'expiring';
}

export interface AttemptOptions {
  source: CredentialSource;
  trigger: RefreshTrigger;
  lineage?: Lineage;
  /** Whether a failure counts even when the provider did no visible work (see ProviderFactory.remote). */
  alwaysCounts: boolean;
  /** For attempts inferred after the fact: when the fetch started (performance.now()). */
  startedAt?: number;
}

/**
 * One real fetch by a credential provider: the `aws.credentials.refresh` span and one
 * `aws.credentials.refresh.duration` measurement. The span starts only once the fetch proves real (a
 * nested SDK call, a remote provider, or a result), so a default-chain link that is not configured leaves
 * no trace.
 */
export class RefreshAttempt {
  private span: Span | undefined;
  /** The assumed-role ARN an STS call inside this fetch returned, when one did. */
  private principal: string | undefined;
  private worked: boolean;
  private readonly startedAt: number;
  private source: CredentialSource;

  constructor(
    private readonly telemetry: Telemetry,
    private readonly parent: Context,
    private readonly options: AttemptOptions,
  ) {
    this.startedAt = options.startedAt ?? performance.now();
    this.source = options.source;
    this.worked = options.alwaysCounts;
    if (options.lineage) options.lineage.inFlight++;
  }

  /** The context the provider runs in: nested providers see the attempt, nested SDK calls its span. */
  context(): Context {
    const withAttempt = this.parent.setValue(ATTEMPT_KEY, this);
    return this.worked ? trace.setSpan(withAttempt, this.ensureSpan()) : withAttempt;
  }

  /** The provider's route was configured and broke (a failing `credential_process`): its failure counts. */
  proveReal(): void {
    this.worked = true;
  }

  /** A nested SDK call proves the fetch is real; its span becomes a child of the refresh span. */
  ensureSpan(): Span {
    this.worked = true;
    if (this.span === undefined) {
      this.span = this.telemetry.tracer.startSpan(
        SPAN_REFRESH,
        {
          kind: SpanKind.INTERNAL,
          startTime: performance.timeOrigin + this.startedAt,
          attributes: {
            [ATTR_AWS_CREDENTIALS_SOURCE]: this.source,
            [ATTR_AWS_CREDENTIALS_REFRESH_TRIGGER]: this.options.trigger,
          },
        },
        this.parent,
      );
    }
    return this.span;
  }

  /** Notes the principal an issuing call made inside this fetch returned (its `AssumedRoleUser.Arn`). */
  notePrincipal(arn: string): void {
    this.principal = arn;
  }

  succeeded(identity: unknown, source: CredentialSource): void {
    this.settle();
    safely(this.telemetry, 'recording a credential refresh', () => {
      this.source = source;
      const expiration = isIdentity(identity) ? identityExpirationMs(identity) : undefined;
      if (this.options.lineage) this.options.lineage.last = { expirationMs: expiration };
      const info: RefreshInfo = {
        source,
        trigger: this.options.trigger,
        outcome: 'success',
        ...(expiration === undefined ? {} : { expiration: new Date(expiration) }),
      };
      // A read that never left the process (no remote provider, no nested SDK call) is counted, not traced:
      // a span for reading environment variables is noise in every trace that first uses a client.
      if (this.span === undefined && isLocalSource(source) && !this.telemetry.config.localRefreshSpans) {
        this.record(info, performance.now());
        return;
      }
      const span = this.ensureSpan();
      span.setAttribute(ATTR_AWS_CREDENTIALS_SOURCE, source);
      if (expiration !== undefined) {
        span.setAttribute(ATTR_AWS_CREDENTIALS_EXPIRATION, new Date(expiration).toISOString());
        span.setAttribute(ATTR_AWS_CREDENTIALS_LIFETIME, Math.round((expiration - Date.now()) / 1000));
      }
      // Who the new credentials belong to, so a refresh that lands in the wrong role or account is visible:
      // the STS answer's ARN, or the account the provider tagged them with (IMDS, container, env, SSO).
      const accountId = (identity as { accountId?: unknown } | undefined)?.accountId;
      const account = typeof accountId === 'string' ? accountId : accountOf(this.principal);
      if (this.principal !== undefined) span.setAttribute(ATTR_AWS_CREDENTIALS_PRINCIPAL, this.principal);
      if (account !== undefined) {
        span.setAttribute(ATTR_AWS_CREDENTIALS_ACCOUNT_ID, account);
        if (isIdentity(identity)) this.telemetry.registry.noteAccount(identity.accessKeyId, account);
      }
      detectAtFetch(this.telemetry, identity, source, span);
      this.finish(span, info);
    });
  }

  failed(error: unknown): void {
    this.settle();
    if (!this.worked) return; // a route that is not configured: the chain moves on, nothing was fetched
    safely(this.telemetry, 'recording a failed credential refresh', () => {
      const errorType = providerErrorType(error);
      this.telemetry.registry.noteFailure(error);
      const span = this.ensureSpan();
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      // No error message: a provider's can quote anything (a failed credential_process prints its command
      // line and stderr), and error.type already says what failed.
      span.setStatus({ code: SpanStatusCode.ERROR });
      this.finish(span, {
        source: this.source,
        trigger: this.options.trigger,
        outcome: 'failure',
        errorType,
      });
    });
  }

  private settle(): void {
    if (this.options.lineage) this.options.lineage.inFlight--;
  }

  private finish(span: Span, info: RefreshInfo): void {
    callUserHook(this.telemetry, 'refreshHook', this.telemetry.config.refreshHook, span, info);
    // Both ends on the same clock: the SDK would end a span with an explicit start on Date.now(), whole
    // milliseconds, and a sub-millisecond fetch would then end before it started.
    const endedAt = performance.now();
    span.end(performance.timeOrigin + endedAt);
    this.record(info, endedAt);
  }

  private record(info: RefreshInfo, endedAt: number): void {
    this.telemetry.metrics.refreshDuration.record((endedAt - this.startedAt) / 1000, {
      [ATTR_AWS_CREDENTIALS_SOURCE]: info.source,
      [ATTR_AWS_CREDENTIALS_REFRESH_TRIGGER]: info.trigger,
      ...(info.errorType === undefined ? {} : { [ATTR_ERROR_TYPE]: info.errorType }),
    });
  }
}
