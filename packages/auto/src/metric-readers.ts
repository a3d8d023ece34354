import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  ConsoleMetricExporter,
  type IMetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { splitList } from './env-config.js';

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_OTLP_TIMEOUT_MS = 10_000;

/**
 * The metric readers `OTEL_METRICS_EXPORTER` asks for, as the Node SDK would build them. credwatch builds
 * them itself only so it can add its report reader next to them: the SDK takes readers from the environment
 * or from code, not both. Values were validated by `readConfig`; exporters read their own
 * `OTEL_EXPORTER_OTLP_*` / `OTEL_EXPORTER_PROMETHEUS_*` settings.
 */
export function metricReadersFromEnv(env: Env): IMetricReader[] {
  const requested = splitList(env.OTEL_METRICS_EXPORTER ?? '');
  const names = new Set(requested.length > 0 ? requested : ['otlp']);
  if (names.has('none')) return [];
  const readers: IMetricReader[] = [];
  for (const name of names) {
    if (name === 'otlp') readers.push(periodic(otlpExporter(env, exportIntervalMillis(env)), env));
    if (name === 'console') readers.push(periodic(new ConsoleMetricExporter(), env));
    if (name === 'prometheus') {
      readers.push(
        new PrometheusExporter({
          ...(env.OTEL_EXPORTER_PROMETHEUS_HOST ? { host: env.OTEL_EXPORTER_PROMETHEUS_HOST } : {}),
          ...(env.OTEL_EXPORTER_PROMETHEUS_PORT ? { port: Number(env.OTEL_EXPORTER_PROMETHEUS_PORT) } : {}),
        }),
      );
    }
  }
  return readers;
}

/**
 * An export, retries included, never outlives its interval: otherwise, with the backend down, the next export
 * (and the exporter's retry timers) would start before the last one ended and the app could never exit.
 */
function otlpExporter(env: Env, intervalMillis: number): PushMetricExporter {
  const protocol = (
    env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL ||
    'http/protobuf'
  ).trim();
  const configured = Number(
    env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT || env.OTEL_EXPORTER_OTLP_TIMEOUT || DEFAULT_OTLP_TIMEOUT_MS,
  );
  const config = { timeoutMillis: Math.min(configured, intervalMillis) };
  if (protocol === 'grpc') return new GrpcMetricExporter(config);
  if (protocol === 'http/json') return new JsonMetricExporter(config);
  return new ProtobufMetricExporter(config);
}

function exportIntervalMillis(env: Env): number {
  return Number(env.OTEL_METRIC_EXPORT_INTERVAL || DEFAULT_INTERVAL_MS);
}

function periodic(exporter: PushMetricExporter, env: Env): IMetricReader {
  const intervalMillis = exportIntervalMillis(env);
  // The SDK clamps the timeout to the interval rather than refusing to start.
  const exportTimeoutMillis = Math.min(
    intervalMillis,
    Number(env.OTEL_METRIC_EXPORT_TIMEOUT || DEFAULT_TIMEOUT_MS),
  );
  return new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: intervalMillis,
    exportTimeoutMillis,
  });
}
