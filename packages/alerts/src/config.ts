import { DURATION, durationSeconds } from './duration.js';
import { TIME_TO_EXPIRY_BUCKETS } from './metrics.js';

/** The pack's parameters: every threshold and window an operator may tune. */
export interface PackConfig {
  /** Warn when requests are signed with at most this many seconds left (a `time_to_expiry` bucket bound). */
  margin: number;
  /** Window for `increase()` and `rate()`: an event alert fires for this long after the event. */
  window: string;
  /**
   * How far back an event alert looks for a counter's last value: a target back after a shorter gap (or a
   * Prometheus restart) does not page again for events it already reported.
   */
  history: string;
  /** Refresh attempts per minute per instance that count as a storm (lost memoization). */
  refreshStormPerMinute: number;
  /** How long a refresh storm must last before it alerts. */
  refreshStormFor: string;
  /** How far back the source-mix alert compares with. */
  sourceChangeLookback: string;
  /** Warn this long before credentials that nothing will refresh expire (`refreshable=false`). */
  unrefreshableWarnBefore: string;
  /** Page this long before credentials that nothing will refresh expire; shorter than the warning. */
  unrefreshablePageBefore: string;
  /** How long an up target must lack credwatch's telemetry before it alerts (a restart shows a short gap). */
  telemetryMissingFor: string;
  /** Rule group evaluation interval. */
  interval: string;
  /** Where the runbooks are published; `<runbookUrl>/<AlertName>.md`. */
  runbookUrl: string;
  /** Grafana's base URL, for `dashboard_url`. */
  grafanaUrl: string;
  /** Grafana: the Prometheus data source uid (`${PROM_DS_UID}` lets file provisioning fill it in). */
  datasourceUid: string;
  /** Grafana: the folder the rules go to (title or `/`-separated path). */
  folder: string;
}

/** In the order the CLI lists its flags (the CLI has one flag per key). */
export const DEFAULT_CONFIG: PackConfig = {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: expanded by Grafana's file provisioning.
  datasourceUid: '${PROM_DS_UID}',
  folder: 'AWS credentials',
  margin: 60,
  window: '5m',
  history: '1d',
  refreshStormPerMinute: 10,
  refreshStormFor: '10m',
  sourceChangeLookback: '1h',
  unrefreshableWarnBefore: '15m',
  unrefreshablePageBefore: '5m',
  telemetryMissingFor: '5m',
  interval: '1m',
  runbookUrl: 'https://github.com/credwatch/credwatch/blob/main/packages/alerts/runbooks',
  grafanaUrl: 'http://localhost:3000',
};

/** A parameter the pack cannot use; `option` is its name in `PackConfig` (the CLI maps it to its flag). */
export class PackConfigError extends Error {
  override readonly name = 'PackConfigError';
  constructor(
    readonly option: keyof PackConfig,
    problem: string,
  ) {
    super(`${option}: ${problem}`);
  }
}

/** Fills in defaults and validates: every problem names its option. */
export function resolveConfig(overrides: Partial<PackConfig> = {}): PackConfig {
  const config = { ...DEFAULT_CONFIG, ...overrides };
  const bounds = TIME_TO_EXPIRY_BUCKETS.filter((bound) => bound > 0);
  if (!(bounds as readonly number[]).includes(config.margin)) {
    throw new PackConfigError(
      'margin',
      `must be a time_to_expiry bucket bound in seconds: ${bounds.join(', ')}`,
    );
  }
  for (const option of [
    'window',
    'history',
    'refreshStormFor',
    'sourceChangeLookback',
    'unrefreshableWarnBefore',
    'unrefreshablePageBefore',
    'telemetryMissingFor',
    'interval',
  ] as const) {
    if (!DURATION.test(config[option])) {
      throw new PackConfigError(option, `"${config[option]}" is not a Prometheus duration such as 5m or 1h`);
    }
  }
  if (durationSeconds(config.unrefreshablePageBefore) >= durationSeconds(config.unrefreshableWarnBefore)) {
    throw new PackConfigError(
      'unrefreshablePageBefore',
      `must be shorter than the warning's ${config.unrefreshableWarnBefore}: the warning comes first`,
    );
  }
  if (!(config.refreshStormPerMinute > 0)) {
    throw new PackConfigError('refreshStormPerMinute', 'must be a number greater than 0');
  }
  for (const option of ['runbookUrl', 'grafanaUrl'] as const) {
    if (!/^https?:\/\/\S+$/.test(config[option])) {
      throw new PackConfigError(option, `"${config[option]}" is not an http(s) URL`);
    }
  }
  for (const option of ['datasourceUid', 'folder'] as const) {
    if (!config[option].trim()) throw new PackConfigError(option, 'must not be empty');
  }
  return {
    ...config,
    runbookUrl: config.runbookUrl.replace(/\/$/, ''),
    grafanaUrl: config.grafanaUrl.replace(/\/$/, ''),
  };
}
