import type { Attributes, Histogram } from '@opentelemetry/api';

/**
 * How many values of one attribute set wait for a collection at most (8 bytes each). A full buffer is recorded
 * at once, so memory stays bounded when nothing collects (no reader, or a long export interval).
 */
export const DEFERRED_VALUES_PER_SET = 512;

interface Pending {
  readonly values: Float64Array;
  length: number;
  /** Whether a value of this set reached the histogram since the last collection. */
  recordedThisInterval: boolean;
}

/**
 * A histogram whose cost on the request path is an array write.
 *
 * sdk-metrics hashes the attribute set at every `record()`: about 20,000 instructions per signing, a quarter
 * of what credwatch adds to a request (`docs/benchmarks.md`). Here the attribute sets are interned (equal sets
 * are the same object), so values wait in a buffer per set and go to the real histogram when a reader
 * collects: `collecting()` runs in an observable callback, and sdk-metrics runs every callback before it collects
 * the synchronous storages, so the values land in the same collection a direct `record()` would have put them
 * in. Everything after `record()` (Views, explicit or exponential aggregation, temporality, every reader, the
 * cardinality limit) stays the SDK's own.
 *
 * The first value of each set after a collection is recorded at once: the SDK starts a point at the first
 * record of its interval when the set was absent from the previous one (and a cumulative series at its very
 * first record), so start times stay those of a plain histogram. That is one direct record per set per
 * collection interval.
 */
export class DeferredHistogram {
  private readonly pending = new Map<Attributes, Pending>();

  constructor(private readonly histogram: Histogram) {}

  /** `attributes` must be interned: a set that is rebuilt at every call would get a buffer at every call. */
  record(value: number, attributes: Attributes): void {
    let buffer = this.pending.get(attributes);
    if (buffer === undefined) {
      buffer = { values: new Float64Array(DEFERRED_VALUES_PER_SET), length: 0, recordedThisInterval: false };
      this.pending.set(attributes, buffer);
    }
    if (!buffer.recordedThisInterval) {
      buffer.recordedThisInterval = true;
      this.histogram.record(value, attributes);
      return;
    }
    buffer.values[buffer.length++] = value;
    if (buffer.length === DEFERRED_VALUES_PER_SET) this.recordAll(attributes, buffer);
  }

  /** A reader is collecting: every waiting value goes to the histogram, and a new interval begins. */
  collecting(): void {
    this.flush();
    for (const buffer of this.pending.values()) buffer.recordedThisInterval = false;
  }

  /** Records every waiting value into the histogram, in the order they came. */
  flush(): void {
    for (const [attributes, buffer] of this.pending) this.recordAll(attributes, buffer);
  }

  private recordAll(attributes: Attributes, buffer: Pending): void {
    const { values, length } = buffer;
    buffer.length = 0;
    for (let i = 0; i < length; i++) this.histogram.record(values[i] as number, attributes);
  }
}
