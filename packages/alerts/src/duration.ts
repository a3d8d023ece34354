/** A Prometheus duration: `5m`, `1h30m`, `500ms`. */
export const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};

/** The seconds a Prometheus duration stands for. */
export function durationSeconds(duration: string): number {
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    total += Number(amount) * (UNIT_SECONDS[unit as string] ?? 0);
  }
  return total;
}
