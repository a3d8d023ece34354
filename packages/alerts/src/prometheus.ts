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

export function prometheusRule(alert: AlertDefinition): PrometheusRule {
  return {
    alert: alert.name,
    expr: expression(alert),
    ...(alert.for ? { for: alert.for } : {}),
    labels: { severity: alert.severity },
    annotations: {
      summary: alert.summary,
      description: alert.description,
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
