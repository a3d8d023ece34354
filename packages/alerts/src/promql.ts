import { SERIES, type Series } from './metrics.js';

/** `{__name__=~"<every path's name>", …matchers}` */
export function select(series: Series, matchers = ''): string {
  return `{__name__=~"${SERIES[series]}"${matchers ? `, ${matchers}` : ''}}`;
}

/**
 * How much a counter grew in the window, counting the series born inside it from zero. The SDK creates a
 * counter at its first event (a first rejection is a new series at 1), and `increase()` never sees that
 * first step: a series absent a window ago contributes its whole value instead.
 */
export function recentIncrease(selector: string, window: string): string {
  const born = `(${selector} unless ${selector} offset ${window})`;
  return `((increase(${selector}[${window}]) unless ${born}) or ${born})`;
}

/** A bucket bound as every path writes it (`60` from OTLP, `60.0` after Prometheus 3 normalisation). */
export function le(bound: number): string {
  return `le=~"${bound}(\\\\.0)?"`;
}
