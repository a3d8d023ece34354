export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * A 95 % interval for the median of `values` (a percentile bootstrap with a fixed seed, so a report is
 * reproducible from its samples): what a ratio's median could have been in another run like this one.
 */
export function medianInterval(values: readonly number[], resamples = 2000): [number, number] {
  let seed = 0x2f6b1d;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const medians: number[] = [];
  for (let draw = 0; draw < resamples; draw++) {
    medians.push(median(values.map(() => values[Math.floor(random() * values.length)] as number)));
  }
  medians.sort((a, b) => a - b);
  return [medians[Math.floor(resamples * 0.025)] as number, medians[Math.floor(resamples * 0.975)] as number];
}

/** A suite's result: printed by the suite as one JSON line, read by run.ts. */
export function report(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
