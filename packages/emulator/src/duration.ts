/** A duration as a number of seconds or a string such as `"30s"`, `"5m"`, `"1h30m"`, `"250ms"`. */
export type DurationInput = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/;

/** Parses a duration into milliseconds; `name` is the setting the value came from, for the error message. */
export function toMilliseconds(value: DurationInput, name: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`${name}: expected a non-negative number of seconds, got ${value}`);
    return value * 1_000;
  }
  let rest = value.trim();
  if (/^\d+(\.\d+)?$/.test(rest)) return Number(rest) * 1_000;
  let total = 0;
  if (rest === '') throw new RangeError(`${name}: expected a duration such as "30s", "5m" or "1h", got ""`);
  while (rest !== '') {
    const match = DURATION.exec(rest);
    if (!match)
      throw new RangeError(
        `${name}: expected a duration such as "30s", "5m" or "1h", got ${JSON.stringify(value)}`,
      );
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  return total;
}
