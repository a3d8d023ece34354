import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type ObservableResult,
  ValueType,
} from '@opentelemetry/api';
import {
  METRIC_REFRESH_DURATION,
  METRIC_REJECTIONS,
  METRIC_SIGNINGS,
  METRIC_TIME_TO_EXPIRY,
  REFRESH_DURATION_BUCKETS,
  TIME_TO_EXPIRY_BUCKETS,
} from './semconv.js';

/**
 * Signing attempts, counted per attribute set and reported when a reader collects. A synchronous counter
 * would hash the attribute set at every request; the sets here are interned, so a Map lookup does.
 */
class SigningTally {
  private readonly counts = new Map<Attributes, number>();

  add(value: number, attributes: Attributes): void {
    this.counts.set(attributes, (this.counts.get(attributes) ?? 0) + value);
  }

  report(result: ObservableResult): void {
    for (const [attributes, count] of this.counts) result.observe(count, attributes);
  }
}

/** The contract's instruments, created from one meter; recreated whenever the meter provider changes. */
export class CredentialMetrics {
  readonly timeToExpiry: Histogram;
  /** `aws.credentials.signings`: an asynchronous counter fed by this tally (the same monotonic sum). */
  readonly signings = new SigningTally();
  readonly refreshDuration: Histogram;
  readonly rejections: Counter;

  constructor(meter: Meter) {
    this.timeToExpiry = meter.createHistogram(METRIC_TIME_TO_EXPIRY, {
      description:
        'Time left before the signing credentials expire, at every signing attempt (0 when already expired)',
      unit: 's',
      advice: { explicitBucketBoundaries: TIME_TO_EXPIRY_BUCKETS },
    });
    meter
      .createObservableCounter(METRIC_SIGNINGS, {
        description: 'Signing attempts (retries included), by credential source and expiry state',
        unit: '{signing}',
        valueType: ValueType.INT,
      })
      .addCallback((result) => this.signings.report(result));
    this.refreshDuration = meter.createHistogram(METRIC_REFRESH_DURATION, {
      description: 'Duration of every real credential fetch by a provider, blocking or background',
      unit: 's',
      advice: { explicitBucketBoundaries: REFRESH_DURATION_BUCKETS },
    });
    this.rejections = meter.createCounter(METRIC_REJECTIONS, {
      description: 'Service responses that rejected the signing credentials',
      unit: '{rejection}',
      valueType: ValueType.INT,
    });
  }
}
