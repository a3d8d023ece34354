import {
  ATTR_AWS_CREDENTIALS_EXPIRY_STATE,
  ATTR_AWS_CREDENTIALS_RECOVERY_OUTCOME,
  ATTR_AWS_CREDENTIALS_RECOVERY_SKIP_REASON,
  ATTR_AWS_CREDENTIALS_REFRESH_TRIGGER,
  ATTR_AWS_CREDENTIALS_SOURCE,
  ATTR_AWS_CREDENTIALS_TEMPORARY,
  ATTR_ERROR_TYPE,
  ATTR_RPC_SERVICE,
  type FindingHook,
  type FindingInfo,
  METRIC_RECOVERIES,
  METRIC_REFRESH_DURATION,
  METRIC_REJECTIONS,
  METRIC_SIGNINGS,
  METRIC_TIME_TO_EXPIRY,
} from '@credwatch/instrumentation';
import type { Attributes } from '@opentelemetry/api';
import {
  AggregationType,
  type ExponentialHistogram,
  InstrumentType,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { quantile } from './quantile.js';

/** What credwatch saw in one process, summed over its lifetime. Never holds a key, a token or a key id. */
export interface CredwatchReport {
  signings: { source: string; service: string; expiryState: string; temporary: boolean; count: number }[];
  /**
   * Seconds from signing to expiration, per source and service; 0 for a signing with expired credentials
   * (OpenTelemetry histograms take no negative values).
   */
  timeToExpiry: { source: string; service: string; count: number; min: number; p50: number; max: number }[];
  refreshes: {
    source: string;
    trigger: string;
    outcome: 'success' | 'failure';
    errorType?: string;
    count: number;
  }[];
  rejections: { errorType: string; source: string; service: string; expiryState: string; count: number }[];
  /** `recover: true` (`CREDWATCH_RECOVER`): rejections credwatch refreshed and sent again, or could not. */
  recoveries: { outcome: string; errorType: string; source: string; skipReason?: string; count: number }[];
  /** What the detectors found, each once, with what to change (docs/telemetry.md#findings). */
  findings: FindingInfo[];
}

/**
 * A pull reader that keeps credwatch's instruments for the exit report. Histograms aggregate exponentially
 * here (other readers keep the contract's explicit buckets) so the report can give a median in seconds.
 */
export class ReportReader extends MetricReader {
  private readonly findings: FindingInfo[] = [];

  /** The `findingHook` that keeps findings for the report. */
  readonly findingHook: FindingHook = (_span, finding) => {
    this.findings.push(finding);
  };

  constructor() {
    super({
      aggregationSelector: (type) =>
        type === InstrumentType.HISTOGRAM
          ? { type: AggregationType.EXPONENTIAL_HISTOGRAM }
          : { type: AggregationType.DEFAULT },
    });
  }

  async report(): Promise<CredwatchReport> {
    const { resourceMetrics } = await this.collect();
    return { ...summarize(resourceMetrics), findings: [...this.findings] };
  }

  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export function summarize(resourceMetrics: ResourceMetrics): CredwatchReport {
  const report: CredwatchReport = {
    signings: [],
    timeToExpiry: [],
    refreshes: [],
    rejections: [],
    recoveries: [],
    findings: [],
  };
  for (const { metrics } of resourceMetrics.scopeMetrics) {
    for (const metric of metrics) {
      for (const point of metric.dataPoints) {
        const attributes = point.attributes;
        switch (metric.descriptor.name) {
          case METRIC_SIGNINGS:
            report.signings.push({
              source: text(attributes, ATTR_AWS_CREDENTIALS_SOURCE),
              service: text(attributes, ATTR_RPC_SERVICE),
              expiryState: text(attributes, ATTR_AWS_CREDENTIALS_EXPIRY_STATE),
              temporary: attributes[ATTR_AWS_CREDENTIALS_TEMPORARY] === true,
              count: point.value as number,
            });
            break;
          case METRIC_TIME_TO_EXPIRY: {
            const histogram = point.value as ExponentialHistogram;
            if (histogram.count === 0) break;
            report.timeToExpiry.push({
              source: text(attributes, ATTR_AWS_CREDENTIALS_SOURCE),
              service: text(attributes, ATTR_RPC_SERVICE),
              count: histogram.count,
              min: histogram.min ?? 0,
              p50: quantile(histogram, 0.5) ?? 0,
              max: histogram.max ?? 0,
            });
            break;
          }
          case METRIC_REFRESH_DURATION: {
            const errorType = attributes[ATTR_ERROR_TYPE];
            report.refreshes.push({
              source: text(attributes, ATTR_AWS_CREDENTIALS_SOURCE),
              trigger: text(attributes, ATTR_AWS_CREDENTIALS_REFRESH_TRIGGER),
              outcome: errorType === undefined ? 'success' : 'failure',
              ...(errorType === undefined ? {} : { errorType: String(errorType) }),
              count: (point.value as ExponentialHistogram).count,
            });
            break;
          }
          case METRIC_RECOVERIES: {
            const skipReason = attributes[ATTR_AWS_CREDENTIALS_RECOVERY_SKIP_REASON];
            report.recoveries.push({
              outcome: text(attributes, ATTR_AWS_CREDENTIALS_RECOVERY_OUTCOME),
              errorType: text(attributes, ATTR_ERROR_TYPE),
              source: text(attributes, ATTR_AWS_CREDENTIALS_SOURCE),
              ...(skipReason === undefined ? {} : { skipReason: String(skipReason) }),
              count: point.value as number,
            });
            break;
          }
          case METRIC_REJECTIONS:
            report.rejections.push({
              errorType: text(attributes, ATTR_ERROR_TYPE),
              source: text(attributes, ATTR_AWS_CREDENTIALS_SOURCE),
              service: text(attributes, ATTR_RPC_SERVICE),
              expiryState: text(attributes, ATTR_AWS_CREDENTIALS_EXPIRY_STATE),
              count: point.value as number,
            });
            break;
        }
      }
    }
  }
  return report;
}

/** The report as a person reads it at the end of a job. */
export function formatReport(report: CredwatchReport): string {
  const lines: string[] = [];
  const sources = [...new Set(report.signings.map((row) => row.source))];
  if (sources.length === 0) lines.push('no signed AWS requests');
  for (const source of sources) {
    const rows = report.signings.filter((row) => row.source === source);
    const states = tally(rows, (row) => row.expiryState);
    lines.push(`source ${source}: ${sum(rows)} signed requests (${states})`);
    for (const ttl of report.timeToExpiry.filter((row) => row.source === source)) {
      lines.push(
        `  ${ttl.service} time to expiry at signing: min ${seconds(ttl.min)}, p50 ${seconds(ttl.p50)}, max ${seconds(ttl.max)}`,
      );
    }
  }
  const ok = report.refreshes.filter((row) => row.outcome === 'success');
  const failed = report.refreshes.filter((row) => row.outcome === 'failure');
  lines.push(
    `refresh attempts: ${sum(report.refreshes)} (${sum(ok)} succeeded, ${sum(failed)} failed)` +
      (report.refreshes.length > 0
        ? `: ${tally(report.refreshes, (row) => `${row.source}/${row.trigger}${row.errorType ? ` ${row.errorType}` : ''}`)}`
        : ''),
  );
  lines.push(
    `rejections: ${sum(report.rejections)}` +
      (report.rejections.length > 0 ? ` (${tally(report.rejections, (row) => row.errorType)})` : ''),
  );
  if (report.recoveries.length > 0) {
    lines.push(
      `recoveries: ${sum(report.recoveries)} (${tally(report.recoveries, (row) => `${row.outcome}${row.skipReason ? ` ${row.skipReason}` : ''}`)})`,
    );
  }
  lines.push(`findings: ${report.findings.length}`);
  for (const finding of report.findings) {
    lines.push(
      `  ${finding.kind} (${finding.source}${finding.service ? `, ${finding.service}` : ''}): ${finding.message}`,
      `    fix: ${finding.fix}`,
    );
  }
  return lines.join('\n');
}

function text(attributes: Attributes, name: string): string {
  const value = attributes[name];
  return value === undefined ? '' : String(value);
}

function sum(rows: readonly { count: number }[]): number {
  return rows.reduce((total, row) => total + row.count, 0);
}

/** `a 3, b 1`, largest first. */
function tally<T extends { count: number }>(rows: readonly T[], key: (row: T) => string): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + row.count);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}

function seconds(value: number): string {
  return `${value.toFixed(1)} s`;
}
