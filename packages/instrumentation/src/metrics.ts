import { type Counter, type Histogram, type Meter, ValueType } from '@opentelemetry/api';
import { DeferredHistogram } from './deferred-histogram.js';
import type { LiveClients } from './live-clients.js';
import {
  METRIC_CLIENTS,
  METRIC_EXPIRATION,
  METRIC_FINDINGS,
  METRIC_RECOVERIES,
  METRIC_REFRESH_DURATION,
  METRIC_REJECTIONS,
  METRIC_SIGNINGS,
  METRIC_TIME_TO_EXPIRY,
  REFRESH_DURATION_BUCKETS,
  TIME_TO_EXPIRY_BUCKETS,
} from './semconv.js';
import { SigningTally } from './signing-tally.js';

/** The contract's instruments, created from one meter; recreated whenever the meter provider changes. */
export class CredentialMetrics {
  /** Recorded at every signing: deferred to the next collection, so the request path never hashes attributes. */
  readonly timeToExpiry: DeferredHistogram;
  /** `aws.credentials.signings`: an asynchronous counter fed by this tally (the same monotonic sum). */
  readonly signings = new SigningTally();
  readonly refreshDuration: Histogram;
  readonly rejections: Counter;
  /** `recover: true` only: each rejection credwatch refreshed and sent again, or could not. */
  readonly recoveries: Counter;
  /** Each finding of the detectors, once per process per subject. */
  readonly findings: Counter;

  constructor(meter: Meter, liveClients: LiveClients) {
    this.timeToExpiry = new DeferredHistogram(
      meter.createHistogram(METRIC_TIME_TO_EXPIRY, {
        description:
          'Time left before the signing credentials expire, at every signing attempt (0 when already expired)',
        unit: 's',
        advice: { explicitBucketBoundaries: TIME_TO_EXPIRY_BUCKETS },
      }),
    );
    const signings = meter.createObservableCounter(METRIC_SIGNINGS, {
      description: 'Signing attempts (retries included), by credential source and expiry state',
      unit: '{signing}',
      valueType: ValueType.INT,
    });
    signings.addCallback((result) => this.signings.report(result));
    // sdk-metrics runs every observable callback before it collects synchronous storages: the waiting values
    // land in this collection. A batch callback needs an observable of its meter; it observes nothing.
    meter.addBatchObservableCallback(() => this.timeToExpiry.collecting(), [signings]);
    this.refreshDuration = meter.createHistogram(METRIC_REFRESH_DURATION, {
      description: 'Duration of every real credential fetch by a provider, blocking or background',
      unit: 's',
      advice: { explicitBucketBoundaries: REFRESH_DURATION_BUCKETS },
    });
    meter
      .createObservableGauge(METRIC_EXPIRATION, {
        description:
          'When the credentials live clients would sign with next expire (Unix seconds), the earliest per source',
        unit: 's',
      })
      .addCallback((result) => liveClients.report(result));
    // One series with no attributes, exported from the first collection on, 0 before any client: an
    // instance whose credwatch telemetry disappears while its target is up has lost it (a deploy without the
    // instrumentation, a broken exporter), which an idle process never looks like.
    meter
      .createObservableUpDownCounter(METRIC_CLIENTS, {
        description: 'Instrumented AWS SDK clients alive in the process (until garbage-collected)',
        unit: '{client}',
        valueType: ValueType.INT,
      })
      .addCallback((result) => result.observe(liveClients.count()));
    this.recoveries = meter.createCounter(METRIC_RECOVERIES, {
      description: 'Rejected requests credwatch refreshed the credentials for and sent again (recover: true)',
      unit: '{recovery}',
      valueType: ValueType.INT,
    });
    this.findings = meter.createCounter(METRIC_FINDINGS, {
      description: 'Credential set-ups that fail or will fail, found while the application runs, each once',
      unit: '{finding}',
      valueType: ValueType.INT,
    });
    this.rejections = meter.createCounter(METRIC_REJECTIONS, {
      description: 'Service responses that rejected the signing credentials',
      unit: '{rejection}',
      valueType: ValueType.INT,
    });
  }
}
