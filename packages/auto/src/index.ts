export { ConfigError } from './config-error.js';
export { type AutoConfig, readConfig } from './env-config.js';
export { credwatchInstrumentations } from './instrumentations.js';
export { type CredwatchReport, formatReport, ReportReader, summarize } from './report.js';
export { type CredwatchRuntime, startCredwatch } from './start.js';
