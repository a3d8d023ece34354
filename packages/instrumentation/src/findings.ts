import {
  type Attributes,
  type Counter,
  type DiagLogger,
  type Span,
  SpanKind,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_AWS_CREDENTIALS_FINDING_FIX,
  ATTR_AWS_CREDENTIALS_FINDING_KIND,
  ATTR_AWS_CREDENTIALS_SOURCE,
  ATTR_RPC_SERVICE,
  EVENT_FINDING,
  type FINDING_VALUES,
  SPAN_FINDING,
} from './semconv.js';
import type { FindingHook, FindingInfo } from './types.js';
import { callUserHook } from './user-hook.js';

/** `aws.credentials.finding.kind`: a credential set-up that will fail, or is failing, found while the app runs. */
export type FindingKind = (typeof FINDING_VALUES)[number];

export interface Finding extends FindingInfo {
  kind: FindingKind;
  /** More context for the span event and the log record (expiry state, time to expiry, …). */
  attributes?: Attributes;
}

/** The OpenTelemetry Logs API's logger, as `InstrumentationBase` exposes it (api ≥ 1.10 or api-logs). */
export interface FindingLogger {
  emit(record: {
    eventName?: string;
    severityNumber?: number;
    severityText?: string;
    body?: string;
    attributes?: Attributes;
  }): void;
}

/** Where a finding goes: the parts of the instrumentation's `Telemetry` view this needs. */
export interface FindingSinks {
  readonly tracer: Tracer;
  readonly metrics: { readonly findings: Counter };
  readonly logger: FindingLogger | undefined;
  readonly diag: DiagLogger;
  readonly config: { readonly findingHook?: FindingHook | undefined };
}

/** `SeverityNumber.WARN` of the Logs data model. */
const SEVERITY_WARN = 13;

/**
 * Reports each finding once per process per subject (a credentials object, a configuration): a counter
 * `aws.credentials.findings` for alerts, an `aws.credentials.finding` event on the operation span (or on a
 * short span of its own when there is none), a log record through the Logs API, and a `diag` warning.
 */
export class Findings {
  private readonly seen = new Map<FindingKind, { objects: WeakSet<object>; keys: Set<string> }>();

  /** False when this subject's finding of this kind was reported already. */
  private firstTime(kind: FindingKind, subject: object | string): boolean {
    let seen = this.seen.get(kind);
    if (seen === undefined) {
      seen = { objects: new WeakSet(), keys: new Set() };
      this.seen.set(kind, seen);
    }
    if (typeof subject === 'string') {
      if (seen.keys.has(subject)) return false;
      seen.keys.add(subject);
    } else {
      if (seen.objects.has(subject)) return false;
      seen.objects.add(subject);
    }
    return true;
  }

  /**
   * Reports a finding of `kind` about `subject` unless it was reported already. `describe` runs only then:
   * a detector that looks at every signing of expiring credentials pays for the set lookup, not the text.
   */
  report(
    telemetry: FindingSinks,
    kind: FindingKind,
    subject: object | string,
    describe: () => Omit<Finding, 'kind'>,
    operationSpan: Span | undefined,
  ): void {
    if (!this.firstTime(kind, subject)) return;
    const finding = describe();
    const { source, service, message, fix } = finding;
    const serviceAttribute = service === undefined ? {} : { [ATTR_RPC_SERVICE]: service };
    telemetry.metrics.findings.add(1, {
      [ATTR_AWS_CREDENTIALS_FINDING_KIND]: kind,
      [ATTR_AWS_CREDENTIALS_SOURCE]: source,
      ...serviceAttribute,
    });
    const attributes: Attributes = {
      [ATTR_AWS_CREDENTIALS_FINDING_KIND]: kind,
      [ATTR_AWS_CREDENTIALS_SOURCE]: source,
      ...serviceAttribute,
      ...finding.attributes,
      [ATTR_AWS_CREDENTIALS_FINDING_FIX]: fix,
    };
    const span =
      operationSpan ?? telemetry.tracer.startSpan(SPAN_FINDING, { kind: SpanKind.INTERNAL, attributes });
    span.addEvent(EVENT_FINDING, attributes);
    callUserHook(telemetry, 'findingHook', telemetry.config.findingHook, span, {
      kind,
      source,
      ...(service === undefined ? {} : { service }),
      message,
      fix,
    });
    if (operationSpan === undefined) span.end();
    telemetry.logger?.emit({
      eventName: EVENT_FINDING,
      severityNumber: SEVERITY_WARN,
      severityText: 'WARN',
      body: `${message} Fix: ${fix}`,
      attributes,
    });
    telemetry.diag.warn(`${kind}: ${message} Fix: ${fix}`);
  }
}
