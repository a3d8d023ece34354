/** Exporters off: what is measured is loading and starting, not exporting. */
export const EXPORTERS_OFF = {
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
};

export interface StartupVariant {
  flags: string[];
  env: Record<string, string>;
}

/**
 * The startup suites' commands around `fixtures/startup-app.cjs`: the bare app, credwatch's register hook (also
 * with its default OTLP exporters, to a loopback port nothing listens on: the app answers and exits before the
 * first export), and auto-instrumentations-node's.
 */
export const STARTUP_VARIANTS: Record<string, StartupVariant> = {
  'node app.js': { flags: [], env: EXPORTERS_OFF },
  '--require @credwatch/auto/register': {
    flags: ['--require', '@credwatch/auto/register'],
    env: EXPORTERS_OFF,
  },
  '--require @credwatch/auto/register, OTLP exporters on': {
    flags: ['--require', '@credwatch/auto/register'],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
  },
  '--require @opentelemetry/auto-instrumentations-node/register': {
    flags: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
    env: EXPORTERS_OFF,
  },
};
