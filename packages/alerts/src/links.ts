import type { PackConfig } from './config.js';

/** The dashboard every rule links to. */
export const DASHBOARD_UID = 'credwatch-aws-credentials';
export const DASHBOARD_TITLE = 'AWS credential health (credwatch)';

export function runbookUrl(config: PackConfig, alertName: string): string {
  return `${config.runbookUrl}/${alertName}.md`;
}

export function dashboardUrl(config: PackConfig): string {
  return `${config.grafanaUrl}/d/${DASHBOARD_UID}`;
}
