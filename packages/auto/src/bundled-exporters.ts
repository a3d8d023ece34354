// The exporters the `register` bundles carry (see tsdown.config.ts), so that selecting one reads nothing more
// from node_modules. Inside a bundle, running all seven costs about a millisecond: what made loading them slow
// was resolving and reading their hundreds of files.
import * as logsOtlpHttp from '@opentelemetry/exporter-logs-otlp-http';
import * as logsOtlpProto from '@opentelemetry/exporter-logs-otlp-proto';
import * as metricsOtlpHttp from '@opentelemetry/exporter-metrics-otlp-http';
import * as metricsOtlpProto from '@opentelemetry/exporter-metrics-otlp-proto';
import * as prometheus from '@opentelemetry/exporter-prometheus';
import * as traceOtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import * as traceOtlpProto from '@opentelemetry/exporter-trace-otlp-proto';
export const BUNDLED_EXPORTERS = {
  '@opentelemetry/exporter-logs-otlp-http': logsOtlpHttp,
  '@opentelemetry/exporter-logs-otlp-proto': logsOtlpProto,
  '@opentelemetry/exporter-metrics-otlp-http': metricsOtlpHttp,
  '@opentelemetry/exporter-metrics-otlp-proto': metricsOtlpProto,
  '@opentelemetry/exporter-prometheus': prometheus,
  '@opentelemetry/exporter-trace-otlp-http': traceOtlpHttp,
  '@opentelemetry/exporter-trace-otlp-proto': traceOtlpProto,
} as const;
