import { QueryBuilder, RuleBuilder } from '@grafana/grafana-foundation-sdk/alerting';
import { TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { type AlertDefinition, alertDefinitions } from './alerts.js';
import type { PackConfig } from './config.js';
import { PANELS } from './dashboard.js';
import { durationSeconds } from './duration.js';
import { DASHBOARD_UID } from './links.js';
import { GROUP_NAME } from './prometheus.js';

/** A Grafana file-provisioning rule (`apiVersion: 1`), which is not the HTTP API shape the SDK models. */
export interface ProvisionedRule {
  uid: string;
  title: string;
  condition: string;
  data: {
    refId: string;
    relativeTimeRange: { from: number; to: number };
    datasourceUid: string;
    model: object;
  }[];
  noDataState: string;
  execErrState: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  dashboardUid: string;
  panelId: number;
  isPaused: boolean;
}

export interface ProvisioningFile {
  apiVersion: 1;
  groups: { orgId: number; name: string; folder: string; interval: string; rules: ProvisionedRule[] }[];
}

/**
 * Provisioning runs `os.ExpandEnv` over the rule's plain string fields (uid, title, condition, label values,
 * `datasourceUid`) and the group's folder, where `$$` is a literal `$`. A query's `model` is stored raw and
 * annotations keep `$labels`/`$value`, so escaping those would put a literal `$$` into the query or template.
 */
export function escapeDollars(text: string): string {
  return text.replaceAll('$', '$$$$');
}

/** `credwatch-<kebab name without the prefix>`: stable, and within Grafana's 40 characters. */
export function ruleUid(name: string): string {
  return `credwatch-${name
    .replace(/^AwsCredentials/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()}`;
}

function apiRule(alert: AlertDefinition, config: PackConfig) {
  // The query looks back over the window, and the source-mix alert a lookback further.
  const from = Math.max(600, durationSeconds(config.window) + durationSeconds(config.sourceChangeLookback));
  const query = new QueryBuilder('A')
    .datasourceUid(config.datasourceUid)
    .relativeTimeRange({ from, to: 0 })
    .model(new DataqueryBuilder().expr(alert.query).instant().refId('A'));
  const threshold = new QueryBuilder('B')
    .datasourceUid('__expr__')
    .relativeTimeRange({ from: 0, to: 0 })
    .model(
      new TypeThresholdBuilder()
        .expression('A')
        .conditions([{ evaluator: { type: alert.op === '>' ? 'gt' : 'lt', params: [alert.threshold] } }])
        .datasource({ type: '__expr__', uid: '__expr__' })
        .refId('B'),
    );
  return new RuleBuilder(alert.name)
    .uid(ruleUid(alert.name))
    .ruleGroup(GROUP_NAME)
    .orgID(1)
    .queries([query, threshold])
    .condition('B')
    .forDuration(alert.for ?? '0s')
    .noDataState('OK')
    .execErrState('Error')
    .labels({ severity: alert.severity })
    .annotations({
      summary: alert.summary,
      // Grafana has one value per query; A holds the number the Prometheus description calls $value.
      description: alert.description.replaceAll('$value', '$values.A.Value'),
      runbook_url: alert.links.runbook,
    })
    .build();
}

/** Grafana file provisioning for every alert, built with the foundation SDK and mapped to the file format. */
export function grafanaRules(
  config: PackConfig,
  alerts: AlertDefinition[] = alertDefinitions(config),
): ProvisioningFile {
  const rules = alerts.map((alert): ProvisionedRule => {
    const rule = apiRule(alert, config);
    return {
      uid: escapeDollars(rule.uid as string),
      title: escapeDollars(rule.title),
      condition: escapeDollars(rule.condition),
      data: rule.data.map((query) => ({
        refId: query.refId as string,
        relativeTimeRange: { from: query.relativeTimeRange?.from ?? 0, to: query.relativeTimeRange?.to ?? 0 },
        // Left as given: it is meant to be expanded (`${PROM_DS_UID}` by default).
        datasourceUid: query.datasourceUid as string,
        // Builders leave methods on the model; the file holds its data only.
        model: JSON.parse(JSON.stringify(query.model)) as object,
      })),
      noDataState: rule.noDataState,
      execErrState: rule.execErrState,
      for: rule.for,
      labels: Object.fromEntries(
        Object.entries(rule.labels ?? {}).map(([key, value]) => [key, escapeDollars(value)]),
      ),
      annotations: rule.annotations ?? {},
      dashboardUid: DASHBOARD_UID,
      panelId: PANELS[alert.panel],
      isPaused: false,
    };
  });
  return {
    apiVersion: 1,
    groups: [
      { orgId: 1, name: GROUP_NAME, folder: escapeDollars(config.folder), interval: config.interval, rules },
    ],
  };
}
