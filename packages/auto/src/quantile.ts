import type { ExponentialHistogram } from '@opentelemetry/sdk-metrics';

/**
 * Estimates a quantile of an exponential histogram point: the midpoint of the bucket that holds the rank,
 * clamped to the recorded min and max. OpenTelemetry histograms hold no negative values, so only the zero
 * and positive buckets count.
 */
export function quantile(point: ExponentialHistogram, q: number): number | undefined {
  if (point.count === 0) return undefined;
  const base = 2 ** (2 ** -point.scale);
  const rank = Math.max(1, Math.ceil(q * point.count));
  let seen = point.zeroCount;
  if (seen >= rank) return clamp(0, point);
  const { offset, bucketCounts } = point.positive;
  for (let k = 0; k < bucketCounts.length; k++) {
    seen += bucketCounts[k] ?? 0;
    // Bucket `offset + k` holds values in (base^(offset+k), base^(offset+k+1)].
    if (seen >= rank) return clamp((base ** (offset + k) + base ** (offset + k + 1)) / 2, point);
  }
  return point.max;
}

function clamp(value: number, { min, max }: ExponentialHistogram): number {
  return Math.min(max ?? value, Math.max(min ?? value, value));
}
