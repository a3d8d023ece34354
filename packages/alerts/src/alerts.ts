import type { PackConfig } from './config.js';
import type { PANELS } from './dashboard.js';
import { durationSeconds } from './duration.js';
import { dashboardUrl, runbookUrl } from './links.js';
import { EXPIRED_CODES, SDK_REFRESH_WINDOW_SECONDS } from './metrics.js';
import { le, recentIncrease, select } from './promql.js';

export type Severity = 'critical' | 'warning' | 'info';

/** Every alert of the pack. Renaming or removing one is a breaking change (see the alert-name ratchet test). */
export const ALERT_NAMES = [
  'AwsCredentialsTokenRefreshRequired',
  'AwsCredentialsExpiredTokenRejected',
  'AwsCredentialsSignedWhileExpired',
  'AwsCredentialsSignedNearExpiry',
  'AwsCredentialsRefreshFailing',
  'AwsCredentialsRefreshStorm',
  'AwsCredentialsSessionWithoutExpiry',
  'AwsCredentialsSourceChanged',
  'AwsCredentialsUnrefreshableExpiringSoon',
  'AwsCredentialsUnrefreshableExpiring',
  'AwsCredentialsExpiringRefreshFailing',
  'AwsCredentialsTelemetryMissing',
  'AwsCredentialsCompetingSources',
] as const;

export type AlertName = (typeof ALERT_NAMES)[number];

/**
 * One alert, defined once. The query and its threshold stay apart so Prometheus gets `query op threshold`
 * and Grafana gets a query node plus a threshold node from the same parts.
 */
export interface AlertDefinition {
  name: AlertName;
  severity: Severity;
  /** The dashboard panel that shows what the alert is about. */
  panel: keyof typeof PANELS;
  /** Instant PromQL whose samples are compared with the threshold. */
  query: string;
  op: '>' | '<';
  threshold: number;
  /** Omitted for event alerts: one rejected request is already the trouble. */
  for?: string;
  /** Static, one sentence. */
  summary: string;
  /** Templated per alert instance (`{{ $labels.job }}`, `{{ $value }}`). */
  description: string;
  /** Where the alert's runbook and the dashboard are published, from the pack's configuration. */
  links: { runbook: string; dashboard: string };
}

const BY_SOURCE = 'job, instance, aws_credentials_source';
const BY_CLIENTS = `${BY_SOURCE}, rpc_service`;
const WHERE = '{{ $labels.job }}/{{ $labels.instance }}';

/** The pack's alerts for this configuration, each with its links. */
export function alertDefinitions(config: PackConfig): AlertDefinition[] {
  const { window, history } = config;
  const signings = (matchers = '') => recentIncrease(select('signings', matchers), window, history);
  const rejections = (matchers: string) => recentIncrease(select('rejections', matchers), window, history);
  const bucket = (bound: number) => recentIncrease(select('timeToExpiryBucket', le(bound)), window, history);
  const lookback = config.sourceChangeLookback;
  // Seconds until the earliest expiry among the credentials live clients hold; 0 marks a set no live client
  // has any more (docs/telemetry.md), so it is left out.
  const timeLeft = (refreshable: boolean, by: string) =>
    `min by (${by}) (${select('expiration', `aws_credentials_refreshable="${refreshable}"`)} > 0) - time()`;
  const unrefreshable = (before: string) =>
    `${WHERE} holds {{ $labels.aws_credentials_source }} credentials for {{ $labels.rpc_service }} with {{ $value | humanizeDuration }} left (negative: already expired; alert at ${before}), and nothing will refresh them: an object or key triple handed to the client, or a session copied into the environment or the shared credentials file. Requests will be rejected once they expire.`;
  const sourcesUsed = (offset: string) =>
    `count by (job, aws_credentials_source) (sum by (${BY_SOURCE}) (${offset ? `increase(${select('signings')}[${window}] offset ${offset})` : signings()}) > 0)`;

  const definitions: Omit<AlertDefinition, 'links'>[] = [
    {
      name: 'AwsCredentialsTokenRefreshRequired',
      severity: 'critical',
      panel: 'rejections',
      query: `sum by (${BY_SOURCE}) (${rejections('error_type="TokenRefreshRequired"')})`,
      op: '>',
      threshold: 0,
      summary: 'S3 rejects requests because the signing session must be refreshed.',
      description: `S3 answered TokenRefreshRequired {{ $value | humanize }} times in the last ${window} to ${WHERE}, signing with {{ $labels.aws_credentials_source }} credentials. The process keeps using a session it should have replaced.`,
    },
    {
      name: 'AwsCredentialsExpiredTokenRejected',
      severity: 'critical',
      panel: 'rejections',
      query: `sum by (${BY_SOURCE}, error_type) (${rejections(`error_type=~"${EXPIRED_CODES.join('|')}"`)})`,
      op: '>',
      threshold: 0,
      summary: 'AWS rejects requests signed with expired credentials.',
      description: `AWS answered {{ $labels.error_type }} {{ $value | humanize }} times in the last ${window} to ${WHERE}, signing with {{ $labels.aws_credentials_source }} credentials.`,
    },
    {
      name: 'AwsCredentialsSignedWhileExpired',
      severity: 'critical',
      panel: 'signingsByState',
      query: `sum by (${BY_SOURCE}) (${signings('aws_credentials_expiry_state="expired"')})`,
      op: '>',
      threshold: 0,
      summary: 'Requests are signed with credentials that have already expired.',
      description: `${WHERE} signed {{ $value | humanize }} requests in the last ${window} with {{ $labels.aws_credentials_source }} credentials past their expiration; AWS will reject them.`,
    },
    {
      name: 'AwsCredentialsSignedNearExpiry',
      severity: 'warning',
      panel: 'timeToExpiry',
      query: `sum by (${BY_SOURCE}) (${bucket(config.margin)}) - sum by (${BY_SOURCE}) (${bucket(0)})`,
      op: '>',
      threshold: 0,
      summary: 'Requests are signed with credentials about to expire: the refresh is late.',
      description: `${WHERE} signed {{ $value | humanize }} requests in the last ${window} with {{ $labels.aws_credentials_source }} credentials that had at most ${config.margin}s left. The SDK refreshes 5 minutes before expiry, so its refresh did not happen in time.`,
    },
    {
      name: 'AwsCredentialsRefreshFailing',
      severity: 'warning',
      panel: 'refreshFailures',
      query: `sum by (${BY_SOURCE}, error_type) (${recentIncrease(select('refreshCount', 'error_type!=""'), window, history)})`,
      op: '>',
      threshold: 0,
      summary: 'A credential provider fails to refresh credentials.',
      description: `{{ $labels.aws_credentials_source }} credential refreshes failed {{ $value | humanize }} times in the last ${window} on ${WHERE} ({{ $labels.error_type }}). The SDK keeps signing with the old credentials until they expire.`,
    },
    {
      name: 'AwsCredentialsRefreshStorm',
      severity: 'warning',
      panel: 'refreshAttempts',
      query: `sum by (job, instance) (rate(${select('refreshCount')}[${window}])) * 60`,
      op: '>',
      threshold: config.refreshStormPerMinute,
      for: config.refreshStormFor,
      summary: 'Credentials are fetched far more often than they expire.',
      description: `${WHERE} makes {{ $value | humanize }} credential refresh attempts a minute. Credentials are not being reused: a provider or client is created per request, or memoization is lost.`,
    },
    {
      name: 'AwsCredentialsSessionWithoutExpiry',
      severity: 'warning',
      panel: 'signingsByState',
      query: `sum by (${BY_SOURCE}) (${signings('aws_credentials_expiry_state="no_expiry", aws_credentials_temporary="true"')})`,
      op: '>',
      threshold: 0,
      summary: 'Temporary credentials are used without their expiration.',
      description: `${WHERE} signed {{ $value | humanize }} requests in the last ${window} with a session key that has no expiration ({{ $labels.aws_credentials_source }}): a key triple cached from STS output, which the SDK can never refresh. It will fail when the session ends.`,
    },
    {
      name: 'AwsCredentialsSourceChanged',
      severity: 'info',
      panel: 'signingsBySource',
      // Sources in use now, minus those in use a lookback ago, for jobs that were signing then (not new jobs).
      query: `(${sourcesUsed('')} unless ${sourcesUsed(lookback)} and on (job) count by (job) (sum by (job, instance) (increase(${select('signings')}[${window}] offset ${lookback})) > 0))`,
      op: '>',
      threshold: 0,
      summary: 'A job signs with a credential source it did not use before.',
      description: `{{ $labels.job }} now signs requests with {{ $labels.aws_credentials_source }} credentials, which it did not use ${lookback} ago. Check that environment variables or a profile do not shadow the intended role.`,
    },
    {
      name: 'AwsCredentialsUnrefreshableExpiringSoon',
      severity: 'warning',
      panel: 'expiration',
      query: timeLeft(false, BY_CLIENTS),
      op: '<',
      threshold: durationSeconds(config.unrefreshableWarnBefore),
      summary: 'Credentials that nothing will refresh expire soon.',
      description: unrefreshable(config.unrefreshableWarnBefore),
    },
    {
      name: 'AwsCredentialsUnrefreshableExpiring',
      severity: 'critical',
      panel: 'expiration',
      query: timeLeft(false, BY_CLIENTS),
      op: '<',
      threshold: durationSeconds(config.unrefreshablePageBefore),
      summary: 'Credentials that nothing will refresh are about to expire.',
      description: unrefreshable(config.unrefreshablePageBefore),
    },
    {
      name: 'AwsCredentialsExpiringRefreshFailing',
      severity: 'critical',
      panel: 'expiration',
      // Refreshable credentials inside the SDK's refresh window are normal (the SDK refreshes there, an idle
      // process at its next request); they are trouble when refreshes are failing. A refresh that succeeds
      // replaces the held credentials, so the time left jumps and the alert resolves.
      query: `(${timeLeft(true, BY_SOURCE)} and on (${BY_SOURCE}) (sum by (${BY_SOURCE}) (${recentIncrease(select('refreshCount', 'error_type!=""'), window, history)}) > 0))`,
      op: '<',
      threshold: SDK_REFRESH_WINDOW_SECONDS,
      summary: 'Credentials are about to expire and their refresh keeps failing.',
      description: `${WHERE} holds {{ $labels.aws_credentials_source }} credentials with {{ $value | humanizeDuration }} left (negative: already expired), and refreshes of that source failed in the last ${window}. Requests will be rejected once they expire.`,
    },
    {
      name: 'AwsCredentialsTelemetryMissing',
      severity: 'warning',
      panel: 'clients',
      // aws_credentials_clients is exported from start to end, 0 while idle: a target that is up and had it
      // (a window ago, within the history) but has it no more lost credwatch's telemetry.
      query: `(max by (job, instance) (up) == 1 and on (job, instance) count by (job, instance) (last_over_time(${select('clients')}[${history}] offset ${window})) unless on (job, instance) count by (job, instance) (${select('clients')}))`,
      op: '>',
      threshold: 0,
      for: config.telemetryMissingFor,
      summary: 'An instance stopped exporting credwatch telemetry while it is still up.',
      description: `${WHERE} is up but no longer exports aws_credentials_clients, which credwatch exports for as long as it runs, idle or busy: the instrumentation was lost (a deploy without it, a broken exporter or reader). Credential alerts cannot fire for it until it is back.`,
    },
    {
      name: 'AwsCredentialsCompetingSources',
      severity: 'info',
      panel: 'signingsBySource',
      // credwatch counts the finding once per process (docs/telemetry.md#findings): the series is there, at 1,
      // for as long as the process that found it is scraped.
      query: `max by (${BY_SOURCE}) (${select('findings', 'aws_credentials_finding_kind="competing_sources"')})`,
      op: '>',
      threshold: 0,
      summary: 'A process has more than one credential source configured, and one shadows the others.',
      description: `${WHERE} signs with {{ $labels.aws_credentials_source }} credentials while other credential sources are configured in its environment, which the default chain never reaches. The finding's log record or span event (aws.credentials.finding) names them and the fix.`,
    },
  ];
  // The links are the same for every renderer, so they are added here, once.
  const dashboard = dashboardUrl(config);
  return definitions.map((alert) => ({
    ...alert,
    links: { runbook: runbookUrl(config, alert.name), dashboard },
  }));
}

/** `query op threshold`, as Prometheus evaluates it. */
export function expression(alert: AlertDefinition): string {
  return `${alert.query} ${alert.op} ${alert.threshold}`;
}
