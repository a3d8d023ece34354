import { type AlertDefinition, alertDefinitions, expression } from './alerts.js';
import type { PackConfig } from './config.js';

export const GROUP_NAME = 'aws-credentials';

export interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string; runbook_url: string; dashboard_url: string };
}

export interface PrometheusRuleFile {
  groups: { name: string; interval: string; rules: PrometheusRule[] }[];
}

/** The refId Grafana gives the PromQL query when it converts a Prometheus rule (`pkg/services/ngalert/prom`). */
export const GRAFANA_IMPORT_QUERY_REF_ID = 'query';

/**
 * `{{ $value | f }}`, written so that the file renders in Prometheus and in a Grafana import alike. In Grafana
 * `$value` is the evaluation as text (`[ var='query' … value=3 ]`), so `humanize` on it fails at notification
 * time; the number is in `$.Values`, under the refId of the converted query. Prometheus's `$value` is a
 * float64, so the type decides the branch, and only the branch taken is executed (Prometheus has no `.Values`,
 * Grafana no float `$value`).
 */
export function portableValue(template: string): string {
  return template.replaceAll(
    /\{\{ \$value \| (\w+) \}\}/g,
    (_, format: string) =>
      `{{ if eq (printf "%T" $value) "float64" }}{{ $value | ${format} }}{{ else }}{{ (index $.Values "${GRAFANA_IMPORT_QUERY_REF_ID}").Value | ${format} }}{{ end }}`,
  );
}

export function prometheusRule(alert: AlertDefinition): PrometheusRule {
  return {
    alert: alert.name,
    expr: expression(alert),
    ...(alert.for ? { for: alert.for } : {}),
    labels: { severity: alert.severity },
    annotations: {
      summary: alert.summary,
      description: portableValue(alert.description),
      runbook_url: alert.links.runbook,
      dashboard_url: alert.links.dashboard,
    },
  };
}

/** The rule file Prometheus, Mimir and Thanos load as is, and Grafana 12+ imports as Grafana-managed rules. */
export function prometheusRules(
  config: PackConfig,
  alerts: AlertDefinition[] = alertDefinitions(config),
): PrometheusRuleFile {
  return {
    groups: [
      {
        name: GROUP_NAME,
        interval: config.interval,
        rules: alerts.map(prometheusRule),
      },
    ],
  };
}
