import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { DASHBOARD_TITLE, DASHBOARD_UID } from './links.js';
import { select } from './promql.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax.
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const SCOPE = 'job=~"$job", instance=~"$instance"';

/** Panel ids the alert rules link to. */
export const PANELS = {
  rejectionsTotal: 1,
  expiredSigningsTotal: 2,
  noExpiryTotal: 3,
  refreshFailuresTotal: 4,
  signingsBySource: 5,
  signingsByState: 6,
  timeToExpiry: 7,
  refreshAttempts: 8,
  refreshFailures: 9,
  rejections: 10,
  expiration: 11,
  clients: 12,
} as const;

function query(expr: string, legend: string) {
  return new DataqueryBuilder().expr(expr).legendFormat(legend).datasource(DATASOURCE);
}

function stat(id: number, title: string, expr: string, description: string, x: number) {
  return new StatPanel()
    .id(id)
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .withTarget(query(expr, title))
    .gridPos({ x, y: 0, w: 6, h: 4 });
}

function timeseries(
  id: number,
  title: string,
  targets: [string, string][],
  unit: string,
  x: number,
  y: number,
) {
  let panel = new TimeseriesPanel()
    .id(id)
    .title(title)
    .datasource(DATASOURCE)
    .unit(unit)
    .gridPos({ x, y, w: 12, h: 8 });
  for (const [expr, legend] of targets) panel = panel.withTarget(query(expr, legend));
  return panel;
}

/** Credential health at a glance, per job and instance. */
export function dashboard() {
  const increaseOver = (selector: string) => `sum(increase(${selector}[$__range]))`;
  const rate = (selector: string, by: string) => `sum by (${by}) (rate(${selector}[$__rate_interval]))`;
  const ttlQuantile = (q: number) =>
    `histogram_quantile(${q}, sum by (le, aws_credentials_source) (rate(${select('timeToExpiryBucket', SCOPE)}[$__rate_interval])))`;

  return new DashboardBuilder(DASHBOARD_TITLE)
    .uid(DASHBOARD_UID)
    .tags(['credwatch', 'aws', 'credentials'])
    .description(
      'AWS SDK credential health from credwatch: sources, time to expiry at signing, refreshes, rejections.',
    )
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('job')
        .label('Job')
        .datasource(DATASOURCE)
        .query(`label_values(${select('signings')}, job)`)
        // New jobs and instances appear when the time range moves, not only when the dashboard loads.
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    )
    .withVariable(
      new QueryVariableBuilder('instance')
        .label('Instance')
        .datasource(DATASOURCE)
        .query(`label_values(${select('signings', 'job=~"$job"')}, instance)`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    )
    .withPanel(
      stat(
        PANELS.rejectionsTotal,
        'Rejected requests',
        increaseOver(select('rejections', SCOPE)),
        'TokenRefreshRequired, ExpiredToken, … in the time range.',
        0,
      ),
    )
    .withPanel(
      stat(
        PANELS.expiredSigningsTotal,
        'Signed with expired credentials',
        increaseOver(select('signings', `${SCOPE}, aws_credentials_expiry_state="expired"`)),
        'Requests signed after the credentials had expired.',
        6,
      ),
    )
    .withPanel(
      stat(
        PANELS.noExpiryTotal,
        'Sessions without expiration',
        increaseOver(
          select(
            'signings',
            `${SCOPE}, aws_credentials_expiry_state="no_expiry", aws_credentials_temporary="true"`,
          ),
        ),
        'Requests signed with a session key cached without its expiration.',
        12,
      ),
    )
    .withPanel(
      stat(
        PANELS.refreshFailuresTotal,
        'Failed refreshes',
        increaseOver(select('refreshCount', `${SCOPE}, error_type!=""`)),
        'Credential provider fetches that failed.',
        18,
      ),
    )
    .withPanel(
      timeseries(
        PANELS.signingsBySource,
        'Signed requests by credential source',
        [[rate(select('signings', SCOPE), 'aws_credentials_source'), '{{aws_credentials_source}}']],
        'reqps',
        0,
        4,
      ),
    )
    .withPanel(
      timeseries(
        PANELS.signingsByState,
        'Signed requests by expiry state',
        [
          [
            rate(select('signings', SCOPE), 'aws_credentials_expiry_state'),
            '{{aws_credentials_expiry_state}}',
          ],
        ],
        'reqps',
        12,
        4,
      ),
    )
    .withPanel(
      timeseries(
        PANELS.timeToExpiry,
        'Time to expiry at signing',
        [
          [ttlQuantile(0.01), 'p01 {{aws_credentials_source}}'],
          [ttlQuantile(0.5), 'p50 {{aws_credentials_source}}'],
        ],
        's',
        0,
        12,
      ),
    )
    .withPanel(
      timeseries(
        PANELS.refreshAttempts,
        'Refresh attempts by trigger',
        [
          [
            rate(select('refreshCount', SCOPE), 'aws_credentials_source, aws_credentials_refresh_trigger'),
            '{{aws_credentials_source}} {{aws_credentials_refresh_trigger}}',
          ],
        ],
        'ops',
        12,
        12,
      ),
    )
    .withPanel(
      timeseries(
        PANELS.refreshFailures,
        'Failed refreshes by error',
        [
          [
            rate(select('refreshCount', `${SCOPE}, error_type!=""`), 'aws_credentials_source, error_type'),
            '{{aws_credentials_source}} {{error_type}}',
          ],
        ],
        'ops',
        0,
        20,
      ),
    )
    .withPanel(
      timeseries(
        PANELS.rejections,
        'Rejections by error code',
        [
          [
            rate(select('rejections', SCOPE), 'error_type, aws_credentials_source'),
            '{{error_type}} ({{aws_credentials_source}})',
          ],
        ],
        'reqps',
        12,
        20,
      ),
    )
    .withPanel(
      timeseries(
        PANELS.expiration,
        'Time left on the credentials clients hold',
        [
          [
            // 0 marks a set no live client has any more (docs/telemetry.md).
            `min by (aws_credentials_source, rpc_service, aws_credentials_refreshable) (${select('expiration', SCOPE)} > 0) - time()`,
            '{{aws_credentials_source}} {{rpc_service}} refreshable={{aws_credentials_refreshable}}',
          ],
        ],
        's',
        0,
        28,
      ),
    )
    .withPanel(
      timeseries(
        PANELS.clients,
        'Instrumented clients alive',
        [[`sum by (job, instance) (${select('clients', SCOPE)})`, '{{job}} {{instance}}']],
        'short',
        12,
        28,
      ),
    )
    .build();
}
