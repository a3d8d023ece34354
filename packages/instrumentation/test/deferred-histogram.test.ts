import type { Attributes } from '@opentelemetry/api';
import {
  type AggregationSelector,
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  MetricReader,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFERRED_VALUES_PER_SET, DeferredHistogram } from '../src/deferred-histogram.js';
import { LiveClients } from '../src/live-clients.js';
import { CredentialMetrics } from '../src/metrics.js';
import { METRIC_TIME_TO_EXPIRY, TIME_TO_EXPIRY_BUCKETS } from '../src/semconv.js';

// aws.credentials.time_to_expiry is recorded through a DeferredHistogram: values wait per interned attribute
// set and reach the SDK's histogram when a reader collects. What a reader exports must be exactly what the
// plain synchronous histogram exports for the same workload, under every aggregation and temporality.

class ManualReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

interface ReaderSetup {
  temporality: AggregationTemporality;
  /** What `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION` sets on an OTLP exporter's reader. */
  aggregation?: AggregationSelector;
}

interface Setup {
  name: string;
  readers: ReaderSetup[];
  views?: ViewOptions[];
}

const cumulative = AggregationTemporality.CUMULATIVE;
const delta = AggregationTemporality.DELTA;
const exponentialByDefault: AggregationSelector = (type) =>
  type === 'HISTOGRAM' ? { type: AggregationType.EXPONENTIAL_HISTOGRAM } : { type: AggregationType.DEFAULT };

const SETUPS: Setup[] = [
  { name: 'cumulative, the contract’s buckets', readers: [{ temporality: cumulative }] },
  { name: 'delta, the contract’s buckets', readers: [{ temporality: delta }] },
  {
    name: 'two readers at once: cumulative and delta',
    readers: [{ temporality: cumulative }, { temporality: delta }],
  },
  {
    name: 'a View with other explicit buckets',
    readers: [{ temporality: cumulative }],
    views: [
      {
        instrumentName: METRIC_TIME_TO_EXPIRY,
        aggregation: {
          type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
          options: { boundaries: [1, 10, 100] },
        },
      },
    ],
  },
  {
    name: 'a View with exponential buckets, delta',
    readers: [{ temporality: delta }],
    views: [
      {
        instrumentName: METRIC_TIME_TO_EXPIRY,
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 20 } },
      },
    ],
  },
  {
    name: 'exponential as the reader’s default histogram aggregation, with a cumulative reader beside it',
    readers: [{ temporality: cumulative, aggregation: exponentialByDefault }, { temporality: cumulative }],
  },
];

/** One meter provider per path, built the same way: what differs between them is only how values are recorded. */
function providerFor(setup: Setup) {
  const readers = setup.readers.map(
    ({ temporality, aggregation }) =>
      new ManualReader({
        aggregationTemporalitySelector: () => temporality,
        ...(aggregation === undefined ? {} : { aggregationSelector: aggregation }),
      }),
  );
  const provider = new MeterProvider({ readers, views: setup.views ?? [] });
  return { provider, readers, meter: provider.getMeter('@credwatch/instrumentation') };
}

/** The synchronous histogram, declared exactly as `CredentialMetrics` declares its own. */
function plainHistogram(meter: ReturnType<typeof providerFor>['meter']) {
  return meter.createHistogram(METRIC_TIME_TO_EXPIRY, {
    description:
      'Time left before the signing credentials expire, at every signing attempt (0 when already expired)',
    unit: 's',
    advice: { explicitBucketBoundaries: TIME_TO_EXPIRY_BUCKETS },
  });
}

/**
 * The time-to-expiry metric as a reader exported it, timestamps included (the clock is fake and shared). Its
 * points are put in one order: a point is identified by its attribute set, and the SDK lists them in the order
 * the sets were first recorded in the interval, which waiting values may change.
 */
async function exported(reader: MetricReader) {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === METRIC_TIME_TO_EXPIRY)
    .map((metric) => ({
      ...metric,
      dataPoints: metric.dataPoints.toSorted((a, b) =>
        JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)),
      ),
    }));
}

const ATTRIBUTE_SETS: Attributes[] = [
  { 'aws.credentials.source': 'assume_role', 'rpc.service': 'S3' },
  { 'aws.credentials.source': 'container', 'rpc.service': 'S3' },
  { 'aws.credentials.source': 'assume_role', 'rpc.service': 'DynamoDB' },
];

type Step =
  | { kind: 'record'; set: number; value: number }
  | { kind: 'burst'; set: number; count: number; from: number }
  | { kind: 'collect'; reader: number }
  | { kind: 'tick'; ms: number };

const value = fc.oneof(
  fc.constantFrom(0, ...TIME_TO_EXPIRY_BUCKETS),
  fc.double({ min: 0, max: 50_000, noNaN: true }),
);
const step = (readers: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('record' as const), set: fc.nat(2), value }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('burst' as const),
        set: fc.nat(2),
        count: fc.integer({ min: 1, max: DEFERRED_VALUES_PER_SET * 2 + 3 }),
        from: fc.double({ min: 0, max: 3600, noNaN: true }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('collect' as const), reader: fc.nat(readers - 1) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 90_000 }) }),
    },
  );

describe('aws.credentials.time_to_expiry through the deferred histogram', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 10, 30, 12) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const setup of SETUPS) {
    it(`exports what the synchronous histogram exports, point for point: ${setup.name}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step(setup.readers.length), { maxLength: 60 }), async (steps) => {
          const deferredPath = providerFor(setup);
          const plainPath = providerFor(setup);
          const metrics = new CredentialMetrics(deferredPath.meter, new LiveClients());
          const plain = plainHistogram(plainPath.meter);
          const record = (set: number, v: number) => {
            metrics.timeToExpiry.record(v, ATTRIBUTE_SETS[set] as Attributes);
            plain.record(v, ATTRIBUTE_SETS[set] as Attributes);
          };
          for (const s of [
            ...steps,
            ...setup.readers.map((_, reader) => ({ kind: 'collect', reader }) as const),
          ]) {
            if (s.kind === 'record') record(s.set, s.value);
            else if (s.kind === 'burst') for (let i = 0; i < s.count; i++) record(s.set, s.from + i / 7);
            else if (s.kind === 'tick') vi.setSystemTime(Date.now() + s.ms);
            else {
              const fromDeferred = await exported(deferredPath.readers[s.reader] as MetricReader);
              const fromPlain = await exported(plainPath.readers[s.reader] as MetricReader);
              expect(fromDeferred).toEqual(fromPlain);
            }
          }
          await Promise.all([deferredPath.provider.shutdown(), plainPath.provider.shutdown()]);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('a recorded value has reached a reader by the collection after it, whatever the path', async () => {
    const { provider, readers, meter } = providerFor({ name: 'one', readers: [{ temporality: cumulative }] });
    const metrics = new CredentialMetrics(meter, new LiveClients());
    const set = ATTRIBUTE_SETS[0] as Attributes;
    for (const v of [3599.5, 1800, 120]) metrics.timeToExpiry.record(v, set);
    const [metric] = await exported(readers[0] as MetricReader);
    expect(metric?.dataPoints.map((point) => point.value)).toEqual([
      expect.objectContaining({ count: 3, sum: 5519.5, min: 120, max: 3599.5 }),
    ]);
    await provider.shutdown();
  });
});

describe('DeferredHistogram on the request path', () => {
  const set = ATTRIBUTE_SETS[0] as Attributes;

  function counted() {
    const { provider, readers, meter } = providerFor({ name: 'one', readers: [{ temporality: cumulative }] });
    const histogram = plainHistogram(meter);
    const record = vi.spyOn(histogram, 'record');
    return {
      provider,
      reader: readers[0] as MetricReader,
      histogram: new DeferredHistogram(histogram),
      record,
    };
  }

  it('records the first value of a set in each collection interval at once, then none until a reader collects', async () => {
    const { provider, histogram, record } = counted();
    for (let i = 0; i < 100; i++) histogram.record(i, set);
    expect(record).toHaveBeenCalledTimes(1);
    expect(record).toHaveBeenLastCalledWith(0, set);
    histogram.collecting();
    expect(record).toHaveBeenCalledTimes(100);
    expect(record.mock.calls.map(([v]) => v)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // A new interval: its first value is recorded at once again (it starts the interval's point), then none.
    for (const v of [100, 101, 102]) histogram.record(v, set);
    expect(record.mock.calls.slice(100).map(([v]) => v)).toEqual([100]);
    await provider.shutdown();
  });

  it(`keeps at most ${DEFERRED_VALUES_PER_SET} values per set when nothing collects, and loses none`, async () => {
    const { provider, reader, histogram, record } = counted();
    const total = DEFERRED_VALUES_PER_SET * 20 + 5;
    for (let i = 0; i < total; i++) {
      histogram.record(1, set);
      // Recorded so far, plus what waits, is everything; what waits never exceeds one buffer.
      expect(i + 1 - record.mock.calls.length).toBeLessThanOrEqual(DEFERRED_VALUES_PER_SET - 1);
    }
    expect(record).toHaveBeenCalledTimes(1 + DEFERRED_VALUES_PER_SET * 20);
    histogram.collecting();
    const [metric] = await exported(reader);
    expect(metric?.dataPoints.map((point) => (point.value as { count: number }).count)).toEqual([total]);
    await provider.shutdown();
  });
});
