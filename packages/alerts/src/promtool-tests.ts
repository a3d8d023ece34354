import { type AlertDefinition, type AlertName, alertDefinitions } from './alerts.js';
import type { PackConfig } from './config.js';
import { durationSeconds } from './duration.js';
import { NAMING_PATHS, type NamingPath, type Series } from './metrics.js';

/**
 * `promtool test rules` files, one per naming path: every alert fires on a bad series and stays silent on
 * a healthy one. Generated from the same definitions as the rules, so the two cannot drift apart.
 */

type Labels = Record<string, string>;
interface InputSeries {
  /** A contract series, or Prometheus' own `up` for the target. */
  series: Series | 'up';
  labels: Labels;
  values: string;
}
interface Case {
  input: InputSeries[];
  /** Several minutes: the expectation holds at each of them. */
  evalMinutes: number | number[];
  /** The alert's labels (besides severity) and its value, or nothing for a silent case. */
  expect?: { labels: Labels; value: number };
}
interface Scenario {
  fires: Case;
  silent: Case;
  /**
   * More named cases: for event alerts, those that prove they page once per event, never for old news; for
   * horizon alerts, a session's whole life, busy and idle.
   */
  events?: [name: string, Case][];
}

/**
 * What an event alert must do with the counter it watches, built from that counter (as values over time, on
 * an instance) and the labels the alert carries: fire once when the counter grows, for a new process too,
 * and stay silent when the target or Prometheus comes back after a gap with the count it had. The silent
 * cases are evaluated two minutes after the series is back: inside the window, when "a series absent a
 * window ago" would have paged on old news.
 */
/** `aws.credentials.findings` of one kind on the test instance: 1 from when it was found. */
function finding(kind: string, source: string, values: string): InputSeries {
  return {
    series: 'findings',
    labels: {
      ...WHERE,
      aws_credentials_finding_kind: kind,
      aws_credentials_source: source,
      rpc_service: 'S3',
    },
    values,
  };
}

function eventCases(
  counter: (values: string, instance?: string) => InputSeries,
  labels: Labels,
): [string, Case][] {
  const silent = (input: InputSeries[], evalMinutes: number): Case => ({ input, evalMinutes });
  const fires = (
    input: InputSeries[],
    evalMinutes: number,
    value: number,
    instance = WHERE.instance,
  ): Case => ({
    input,
    evalMinutes,
    expect: { labels: { ...labels, instance }, value },
  });
  return [
    [
      'after a 10-minute scrape gap, with the count unchanged, stays silent',
      silent([counter('0x5 1x25 _x10 1x10')], 43),
    ],
    [
      'after a 2-hour scrape gap, with the count unchanged, stays silent',
      silent([counter('0x5 1x25 _x120 1x10')], 153),
    ],
    ['after Prometheus was down for 30 minutes stays silent', silent([counter('0x5 1x25 _x30 1x10')], 63)],
    [
      'after staleness markers (the target went away and came back) stays silent',
      silent([counter('0x5 1x25 stale _x9 1x10')], 43),
    ],
    [
      'a restarted process, healthy (no counter until an event), stays silent',
      silent([counter('0x5 3x25')], 60),
    ],
    [
      'a restarted process whose counter starts over with a new event fires',
      fires([counter('0x5 3x25 _x10 1x10')], 42, 1),
    ],
    [
      'a new instance born with its first event fires',
      fires([counter('0x5 3x40'), counter('_x40 1x5', '10.0.0.8:9464')], 41, 1, '10.0.0.8:9464'),
    ],
    ['a slow trickle, one event an hour, fires for the first', fires([counter('0x5 1x60 2x60 3x10')], 8, 1)],
    ['a slow trickle, one event an hour, fires for the next', fires([counter('0x5 1x60 2x60 3x10')], 68, 1)],
    ['a slow trickle, one event an hour, is silent in between', silent([counter('0x5 1x60 2x60 3x10')], 100)],
  ];
}

const WHERE = { job: 'uploader', instance: '10.0.0.7:9464' };

/** `n` missing samples, then the given values. */
const bornAt = (n: number, values: string) => `${'_ '.repeat(n)}${values}`.trim();

const signing = (labels: Labels): Labels => ({ ...WHERE, rpc_service: 'S3', ...labels });

/** A firing and a silent case for every alert: one missing is a compile error. */
function scenarios(config: PackConfig): Record<AlertName, Scenario> {
  const rejection = (errorType: string) =>
    signing({
      error_type: errorType,
      aws_credentials_source: 'assume_role',
      aws_credentials_expiry_state: 'valid',
    });
  const buckets = (source: string, counts: (bound: string) => string): InputSeries[] =>
    ['0', '60', '120', '300', '600', '+Inf'].map((bound) => ({
      series: 'timeToExpiryBucket',
      labels: signing({ aws_credentials_source: source, le: bound }),
      values: counts(bound),
    }));
  const refreshes = (source: string, trigger: string, values: string, errorType?: string): InputSeries => ({
    series: 'refreshCount',
    labels: {
      ...WHERE,
      aws_credentials_source: source,
      aws_credentials_refresh_trigger: trigger,
      ...(errorType ? { error_type: errorType } : {}),
    },
    values,
  });
  const margin = config.margin;
  const lookbackMinutes = minutes(config.sourceChangeLookback);
  // A job signing with its role for the whole history, and env credentials showing up 20 minutes in.
  const roleAllAlong: InputSeries = {
    series: 'signings',
    labels: signing({
      aws_credentials_source: 'assume_role',
      aws_credentials_expiry_state: 'valid',
      aws_credentials_temporary: 'true',
    }),
    values: `0+10x${lookbackMinutes + 30}`,
  };
  const envFrom = (job: string): InputSeries => ({
    series: 'signings',
    labels: {
      ...signing({
        aws_credentials_source: 'env',
        aws_credentials_expiry_state: 'no_expiry',
        aws_credentials_temporary: 'false',
      }),
      job,
    },
    values: bornAt(lookbackMinutes + 20, '0+10x10'),
  });

  // Sessions of an hour: the first expires at minute 60 (promtool's clock starts at the Unix epoch, so an
  // expiry time in seconds is also minutes × 60 into the test).
  const held = (refreshable: boolean, values: string, source = refreshable ? 'assume_role' : 'static') => ({
    series: 'expiration' as const,
    labels: signing({ aws_credentials_source: source, aws_credentials_refreshable: String(refreshable) }),
    values,
  });
  const everyMinute = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const warnBefore = minutes(config.unrefreshableWarnBefore);
  const pageBefore = minutes(config.unrefreshablePageBefore);
  /**
   * A horizon alert on credentials nothing refreshes, `before` minutes ahead: it fires `inside` minutes past
   * its horizon, not a minute before it, and through a session's life as `events`.
   */
  const unrefreshable = (before: number, inside: number): Scenario => ({
    fires: {
      input: [held(false, '3600x80')],
      evalMinutes: 60 - before + inside,
      expect: { labels: signing({ aws_credentials_source: 'static' }), value: (before - inside) * 60 },
    },
    silent: { input: [held(false, '3600x80')], evalMinutes: 60 - before - 1 },
    events: unrefreshableCases(before),
  });
  const unrefreshableCases = (before: number): [string, Case][] => [
    [
      'a triple that expires later stays silent until its horizon',
      { input: [held(false, '3600x80')], evalMinutes: everyMinute(0, 60 - before) },
    ],
    [
      'a triple past its expiry fires',
      {
        input: [held(false, '3600x80')],
        evalMinutes: 62,
        expect: { labels: { ...signing({ aws_credentials_source: 'static' }) }, value: -120 },
      },
    ],
    [
      'a dropped client (0: no live client holds the set) stays silent',
      { input: [held(false, '3600x30 0x50')], evalMinutes: everyMinute(31, 80) },
    ],
    [
      'refreshable credentials at the same horizon stay silent',
      { input: [held(true, '3600x80')], evalMinutes: everyMinute(0, 80) },
    ],
  ];
  // The SDK refreshes inside the last 5 minutes: here at minute 56, to a session that expires at minute 120.
  const busyRefreshing = held(true, '3600x55 7200x65');
  const refreshedAt56 = refreshes('assume_role', 'expiring', '0x55 1x65');
  // A target scraped all along (`up` 1, or 0 while it is down), exporting aws_credentials_clients as given.
  const target = (up: string): InputSeries => ({ series: 'up', labels: WHERE, values: up });
  const clientsSeries = (values: string): InputSeries => ({ series: 'clients', labels: WHERE, values });
  const missingFor = minutes(config.telemetryMissingFor);
  const failingFrom56 = refreshes(
    'assume_role',
    'expiring',
    bornAt(56, '1+1x20'),
    'CredentialsProviderError',
  );

  return {
    AwsCredentialsTokenRefreshRequired: {
      // A first rejection creates its series at 1: plain increase() would never fire on it.
      fires: {
        input: [
          { series: 'rejections', labels: rejection('TokenRefreshRequired'), values: bornAt(10, '1 1 1 1') },
        ],
        evalMinutes: 12,
        expect: { labels: { ...WHERE, aws_credentials_source: 'assume_role' }, value: 1 },
      },
      silent: {
        input: [
          { series: 'rejections', labels: rejection('TokenRefreshRequired'), values: '2x20' },
          { series: 'rejections', labels: rejection('InvalidClientTokenId'), values: '0+1x20' },
        ],
        evalMinutes: 20,
      },
      events: eventCases(
        (values, instance = WHERE.instance) => ({
          series: 'rejections',
          labels: { ...rejection('TokenRefreshRequired'), instance },
          values,
        }),
        { ...WHERE, aws_credentials_source: 'assume_role' },
      ),
    },
    AwsCredentialsExpiredTokenRejected: {
      fires: {
        // A long-lived series: five more rejections in the window [11m, 16m].
        input: [{ series: 'rejections', labels: rejection('ExpiredTokenException'), values: '0x10 0+1x5' }],
        evalMinutes: 16,
        expect: {
          labels: { ...WHERE, aws_credentials_source: 'assume_role', error_type: 'ExpiredTokenException' },
          value: 5,
        },
      },
      silent: {
        input: [{ series: 'rejections', labels: rejection('TokenRefreshRequired'), values: '0+1x20' }],
        evalMinutes: 20,
      },
      events: eventCases(
        (values, instance = WHERE.instance) => ({
          series: 'rejections',
          labels: { ...rejection('ExpiredToken'), instance },
          values,
        }),
        { ...WHERE, aws_credentials_source: 'assume_role', error_type: 'ExpiredToken' },
      ),
    },
    AwsCredentialsSignedWhileExpired: {
      fires: {
        input: [
          {
            series: 'signings',
            labels: signing({
              aws_credentials_source: 'imds',
              aws_credentials_expiry_state: 'expired',
              aws_credentials_temporary: 'true',
            }),
            values: bornAt(10, '2 2 2'),
          },
        ],
        evalMinutes: 11,
        expect: { labels: { ...WHERE, aws_credentials_source: 'imds' }, value: 2 },
      },
      silent: {
        input: [
          {
            series: 'signings',
            labels: signing({
              aws_credentials_source: 'imds',
              aws_credentials_expiry_state: 'valid',
              aws_credentials_temporary: 'true',
            }),
            values: '0+10x20',
          },
        ],
        evalMinutes: 20,
      },
      events: eventCases(
        (values, instance = WHERE.instance) => ({
          series: 'signings',
          labels: {
            ...signing({
              aws_credentials_source: 'imds',
              aws_credentials_expiry_state: 'expired',
              aws_credentials_temporary: 'true',
            }),
            instance,
          },
          values,
        }),
        { ...WHERE, aws_credentials_source: 'imds' },
      ),
    },
    AwsCredentialsSignedNearExpiry: {
      // Three signings with 30 s left at minute 11: in every bucket from the margin up, none in le="0".
      fires: {
        input: buckets('container', (bound) => (bound === '0' ? '0x15' : `0x10 3x5`)),
        evalMinutes: 12,
        expect: { labels: { ...WHERE, aws_credentials_source: 'container' }, value: 3 },
      },
      silent: {
        input: buckets('container', (bound) => (Number(bound) <= Math.max(margin, 120) ? '0x20' : '0+4x20')),
        evalMinutes: 20,
      },
    },
    AwsCredentialsRefreshFailing: {
      fires: {
        input: [refreshes('container', 'background', bornAt(10, '2 2 2'), 'CredentialsProviderError')],
        evalMinutes: 11,
        expect: {
          labels: { ...WHERE, aws_credentials_source: 'container', error_type: 'CredentialsProviderError' },
          value: 2,
        },
      },
      silent: {
        input: [refreshes('container', 'background', '0+1x20')],
        evalMinutes: 20,
      },
      events: eventCases(
        (values, instance = WHERE.instance) => ({
          ...refreshes('container', 'background', values, 'CredentialsProviderError'),
          labels: {
            ...refreshes('container', 'background', values, 'CredentialsProviderError').labels,
            instance,
          },
        }),
        { ...WHERE, aws_credentials_source: 'container', error_type: 'CredentialsProviderError' },
      ),
    },
    AwsCredentialsRefreshStorm: {
      fires: {
        input: [refreshes('assume_role', 'expiring', `0+${config.refreshStormPerMinute * 2}x40`)],
        evalMinutes: minutes(config.refreshStormFor) + 10,
        expect: { labels: WHERE, value: config.refreshStormPerMinute * 2 },
      },
      silent: {
        input: [refreshes('assume_role', 'expiring', `0+${config.refreshStormPerMinute / 2}x40`)],
        evalMinutes: minutes(config.refreshStormFor) + 10,
      },
    },
    AwsCredentialsSessionWithoutExpiry: {
      fires: {
        input: [
          {
            series: 'signings',
            labels: signing({
              aws_credentials_source: 'static',
              aws_credentials_expiry_state: 'no_expiry',
              aws_credentials_temporary: 'true',
            }),
            values: bornAt(10, '5 5 5'),
          },
        ],
        evalMinutes: 11,
        expect: { labels: { ...WHERE, aws_credentials_source: 'static' }, value: 5 },
      },
      silent: {
        // Long-term keys carry no expiration either, and that is fine.
        input: [
          {
            series: 'signings',
            labels: signing({
              aws_credentials_source: 'env',
              aws_credentials_expiry_state: 'no_expiry',
              aws_credentials_temporary: 'false',
            }),
            values: '0+10x20',
          },
        ],
        evalMinutes: 20,
      },
      events: eventCases(
        (values, instance = WHERE.instance) => ({
          series: 'signings',
          labels: {
            ...signing({
              aws_credentials_source: 'static',
              aws_credentials_expiry_state: 'no_expiry',
              aws_credentials_temporary: 'true',
            }),
            instance,
          },
          values,
        }),
        { ...WHERE, aws_credentials_source: 'static' },
      ),
    },
    AwsCredentialsSourceChanged: {
      fires: {
        input: [roleAllAlong, envFrom(WHERE.job)],
        evalMinutes: lookbackMinutes + 25,
        expect: { labels: { job: WHERE.job, aws_credentials_source: 'env' }, value: 1 },
      },
      silent: {
        // The same history without the new source, and a job that is new itself (nothing to compare with).
        input: [roleAllAlong, envFrom('new-job')],
        evalMinutes: lookbackMinutes + 25,
      },
    },
    AwsCredentialsUnrefreshableExpiringSoon: unrefreshable(warnBefore, 5),
    AwsCredentialsUnrefreshableExpiring: unrefreshable(pageBefore, 2),
    AwsCredentialsExpiringRefreshFailing: {
      fires: {
        input: [held(true, '3600x80'), failingFrom56],
        evalMinutes: 57,
        expect: { labels: { ...WHERE, aws_credentials_source: 'assume_role' }, value: 180 },
      },
      silent: { input: [busyRefreshing, refreshedAt56], evalMinutes: everyMinute(0, 120) },
      events: [
        [
          'an idle process keeps its session past expiry, refreshing nothing: silent at every minute',
          {
            input: [held(true, '3600x120'), refreshes('assume_role', 'expiring', '0x120')],
            evalMinutes: everyMinute(0, 120),
          },
        ],
        [
          'an idle process that refreshes at its next request, long after expiry: silent',
          {
            input: [held(true, '3600x90 9000x30'), refreshes('assume_role', 'expired', '0x90 1x30')],
            evalMinutes: everyMinute(0, 120),
          },
        ],
        [
          'failing refreshes past expiry fire, with the time since as a negative',
          {
            input: [held(true, '3600x80'), failingFrom56],
            evalMinutes: 62,
            expect: { labels: { ...WHERE, aws_credentials_source: 'assume_role' }, value: -120 },
          },
        ],
        [
          'a failure followed by a successful refresh is silent once the new session is held',
          {
            input: [
              held(true, '3600x56 7200x20'),
              refreshes('assume_role', 'expiring', bornAt(56, '1x21'), 'CredentialsProviderError'),
              refreshes('assume_role', 'expiring', '0x56 1x21'),
            ],
            evalMinutes: everyMinute(57, 76),
          },
        ],
        [
          'a failure far from expiry (a background refresh) is not this alert',
          {
            input: [
              held(true, '3600x40'),
              refreshes('assume_role', 'background', bornAt(20, '1x20'), 'CredentialsProviderError'),
            ],
            evalMinutes: everyMinute(0, 40),
          },
        ],
        [
          'a dropped client (0) with failing refreshes elsewhere is silent',
          { input: [held(true, '3600x30 0x50'), failingFrom56], evalMinutes: everyMinute(31, 80) },
        ],
      ],
    },
    AwsCredentialsCompetingSources: {
      fires: {
        input: [finding('competing_sources', 'env', '_x10 1x20')],
        evalMinutes: 12,
        expect: { labels: { ...WHERE, aws_credentials_source: 'env' }, value: 1 },
      },
      silent: {
        // Another finding is not this alert.
        input: [finding('temporary_without_expiry', 'static', '1x20')],
        evalMinutes: [5, 15],
      },
      events: [
        [
          'a process that found it and went away: silent once its series is stale',
          { input: [finding('competing_sources', 'env', '1x10 stale')], evalMinutes: 12 },
        ],
      ],
    },
    AwsCredentialsTelemetryMissing: {
      // credwatch's series goes stale at minute 21 while the target stays up.
      fires: {
        input: [target('1x60'), clientsSeries('1x20 stale')],
        evalMinutes: 21 + missingFor + 1,
        expect: { labels: WHERE, value: 1 },
      },
      silent: {
        // An idle process: its series reads 0, and is there.
        input: [target('1x60'), clientsSeries('0x60')],
        evalMinutes: [10, 30, 60],
      },
      events: [
        [
          'stays silent while the gap is shorter than its `for`',
          {
            input: [target('1x60'), clientsSeries('1x20 stale')],
            evalMinutes: everyMinute(0, 20 + missingFor),
          },
        ],
        [
          'a process restart (the series gone for a minute) stays silent',
          { input: [target('1x60'), clientsSeries('1x20 stale 0x39')], evalMinutes: everyMinute(0, 60) },
        ],
        [
          'a target that is down is not this alert',
          { input: [target('1x20 0x40'), clientsSeries('1x20 stale')], evalMinutes: everyMinute(0, 60) },
        ],
        [
          'a target that never exported credwatch telemetry is not this alert',
          { input: [target('1x60')], evalMinutes: everyMinute(0, 60) },
        ],
      ],
    },
  };
}

function minutes(duration: string): number {
  const value = durationSeconds(duration) / 60;
  if (!Number.isInteger(value)) throw new Error(`promtool tests need whole minutes, got ${duration}`);
  return value;
}

/** The description as Prometheus renders it for these labels and this value. */
export function renderDescription(template: string, labels: Labels, value: number): string {
  return template
    .replaceAll(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '<no value>')
    .replaceAll('{{ $value | humanize }}', humanize(value))
    .replaceAll('{{ $value | humanizeDuration }}', humanizeDuration(value));
}

/** Prometheus' `humanizeDuration` for whole seconds, as these tests produce. */
function humanizeDuration(value: number): string {
  if (!Number.isInteger(value)) throw new Error(`no test expectation renders ${value}`);
  if (value === 0) return '0s';
  const sign = value < 0 ? '-' : '';
  const total = Math.abs(value);
  const [days, hours, minutes, seconds] = [
    Math.floor(total / 86_400),
    Math.floor(total / 3600) % 24,
    Math.floor(total / 60) % 60,
    total % 60,
  ];
  if (days) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
  if (hours) return `${sign}${hours}h ${minutes}m ${seconds}s`;
  if (minutes) return `${sign}${minutes}m ${seconds}s`;
  return `${sign}${seconds}s`;
}

/** Prometheus' `humanize` for the values these tests produce. */
function humanize(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1000) return String(value);
  throw new Error(`no test expectation renders ${value}`);
}

function seriesText(path: NamingPath, input: InputSeries): string {
  if (input.series === 'up') {
    const body = Object.entries(input.labels).map(([key, value]) => `${key}="${value}"`);
    return `up{${body.join(', ')}}`;
  }
  // The pull path is what Prometheus 3 scrapes: it writes bucket bounds as floats (le="60.0").
  const labels: Labels = {
    ...input.labels,
    ...(path === 'pull' ? { otel_scope_name: '@credwatch/instrumentation' } : {}),
  };
  if (path === 'pull' && labels.le && labels.le !== '+Inf') labels.le = `${labels.le}.0`;
  const body = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(', ');
  return `${NAMING_PATHS[path][input.series]}{${body}}`;
}

function testCase(path: NamingPath, alert: AlertDefinition, what: string, c: Case) {
  return {
    name: `${alert.name} ${what} (${path} names)`,
    interval: '1m',
    input_series: c.input.map((input) => ({ series: seriesText(path, input), values: input.values })),
    alert_rule_test: [c.evalMinutes].flat().map((minute) => ({
      eval_time: `${minute}m`,
      alertname: alert.name,
      exp_alerts: c.expect
        ? [
            {
              exp_labels: { severity: alert.severity, ...c.expect.labels },
              exp_annotations: {
                summary: alert.summary,
                description: renderDescription(alert.description, c.expect.labels, c.expect.value),
                runbook_url: alert.links.runbook,
                dashboard_url: alert.links.dashboard,
              },
            },
          ]
        : [],
    })),
  };
}

/** A promtool test file for one naming path, loading the rules from `ruleFile` (relative to it). */
export function promtoolTests(
  config: PackConfig,
  path: NamingPath,
  ruleFile = '../prometheus/alerts.yaml',
  alerts: AlertDefinition[] = alertDefinitions(config),
) {
  const all = scenarios(config);
  return {
    rule_files: [ruleFile],
    evaluation_interval: config.interval,
    tests: alerts.flatMap((alert) => {
      const scenario = all[alert.name];
      return [
        testCase(path, alert, 'fires', scenario.fires),
        testCase(path, alert, 'stays silent', scenario.silent),
        ...(scenario.events ?? []).map(([what, c]) => testCase(path, alert, what, c)),
      ];
    }),
  };
}
