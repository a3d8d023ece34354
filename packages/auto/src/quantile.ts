import type { ExponentialHistogram } from '@opentelemetry/sdk-metrics';

/**
 * Estimates a quantile of an exponential histogram point: the midpoint of the bucket that holds the rank,
 * clamped to the recorded min and max. At the SDK's default 160 buckets the error is far below a second for
 * the lifetimes credentials have.
 */
export function quantile(point: ExponentialHistogram, q: number): number | undefined {
  if (point.count === 0) return undefined;
  const base = 2 ** (2 ** -point.scale);
  const rank = Math.max(1, Math.ceil(q * point.count));
  let seen = 0;

  const { negative, positive } = point;
  for (let k = negative.bucketCounts.length - 1; k >= 0; k--) {
    seen += negative.bucketCounts[k] ?? 0;
    if (seen >= rank) return clamp(-midpoint(base, negative.offset + k), point);
  }
  seen += point.zeroCount;
  if (seen >= rank) return clamp(0, point);
  for (let k = 0; k < positive.bucketCounts.length; k++) {
    seen += positive.bucketCounts[k] ?? 0;
    if (seen >= rank) return clamp(midpoint(base, positive.offset + k), point);
  }
  return point.max;
}

/** Bucket `index` holds magnitudes in (base^index, base^(index+1)]. */
function midpoint(base: number, index: number): number {
  return (base ** index + base ** (index + 1)) / 2;
}

function clamp(value: number, { min, max }: ExponentialHistogram): number {
  return Math.min(max ?? value, Math.max(min ?? value, value));
}
