export { inhibitRules } from './alertmanager.js';
export {
  ALERT_NAMES,
  type AlertDefinition,
  type AlertName,
  alertDefinitions,
  expression,
  type Severity,
} from './alerts.js';
export { DEFAULT_CONFIG, type PackConfig, PackConfigError, resolveConfig } from './config.js';
export { dashboard, PANELS } from './dashboard.js';
export { type Artifact, renderPack } from './generate.js';
export {
  escapeDollars,
  grafanaRules,
  type ProvisionedRule,
  type ProvisioningFile,
  ruleUid,
} from './grafana.js';
export { DASHBOARD_UID, dashboardUrl, runbookUrl } from './links.js';
export { EXPIRED_CODES, NAMING_PATHS, type NamingPath, SERIES, TIME_TO_EXPIRY_BUCKETS } from './metrics.js';
export { type PrometheusRuleFile, prometheusRules } from './prometheus.js';
export { promtoolTests, renderDescription } from './promtool-tests.js';
