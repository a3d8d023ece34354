import { SERIES, type Series } from './metrics.js';

/** `{__name__=~"<every path's name>", …matchers}` */
export function select(series: Series, matchers = ''): string {
  return `{__name__=~"${SERIES[series]}"${matchers ? `, ${matchers}` : ''}}`;
}

/**
 * How much a counter grew in the window: its value now against the last value seen before the window, however
 * long ago that was (within `history`). Unlike `increase()`, this survives scrape gaps and Prometheus
 * restarts: a series back after a gap with the same count grew 0, not "its whole value". Three cases, one
 * per branch, mutually exclusive:
 * - it is at or above that last value: the difference (0 included, so sums of two buckets still subtract);
 * - it is below it, a process restarted (counters from zero): its whole value is new;
 * - it had no value in `history`, a new process or a first event (the SDK creates a counter at its first
 *   increment): its whole value is new.
 */
export function recentIncrease(selector: string, window: string, history: string): string {
  const before = `last_over_time(${selector}[${history}] offset ${window})`;
  return `(((${selector} - ${before}) >= 0) or (${selector} < ${before}) or (${selector} unless ${before}))`;
}

/** A bucket bound as every path writes it (`60` from OTLP, `60.0` after Prometheus 3 normalisation). */
export function le(bound: number): string {
  return `le=~"${bound}(\\\\.0)?"`;
}
