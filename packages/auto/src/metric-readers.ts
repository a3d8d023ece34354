import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  ConsoleMetricExporter,
  type IMetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { selectedExporters } from './env-config.js';
import { loadPackage, otlpExporterPackage } from './exporter-packages.js';

type OtlpMetricExporter = new (config: { timeoutMillis: number }) => PushMetricExporter;

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
  const names = selectedExporters(env, 'METRICS');
  const readers: IMetricReader[] = [];
  for (const name of names) {
    if (name === 'otlp') readers.push(periodic(otlpExporter(env, exportIntervalMillis(env)), env));
    if (name === 'console') readers.push(periodic(new ConsoleMetricExporter(), env));
    if (name === 'prometheus') readers.push(prometheusExporter(env));
  }
  return readers;
}

/**
 * The scrape endpoint. A port that cannot be bound (taken by another process, or a host this machine does not
 * have) is said on stderr at any log level, naming the variables to change: the SDK only logs it at `error`
 * through a diag logger most applications never install, and the metrics would be silently gone.
 */
function prometheusExporter(env: Env): PrometheusExporter {
  const { PrometheusExporter: Exporter } = loadPackage<{ PrometheusExporter: typeof PrometheusExporter }>(
    '@opentelemetry/exporter-prometheus',
  );
  const host = env.OTEL_EXPORTER_PROMETHEUS_HOST || Exporter.DEFAULT_OPTIONS.host;
  const port = Number(env.OTEL_EXPORTER_PROMETHEUS_PORT || Exporter.DEFAULT_OPTIONS.port);
  const exporter = new Exporter({ host, port, preventServerStart: true });
  exporter.startServer().catch((error: NodeJS.ErrnoException) => {
    const problem =
      error.code === 'EADDRINUSE'
        ? `port ${port} is already in use`
        : `cannot listen on ${host}:${port} (${error.code ?? error.message})`;
    process.stderr.write(
      `credwatch: ${problem}, so this process serves no metrics; set OTEL_EXPORTER_PROMETHEUS_PORT ` +
        '(and OTEL_EXPORTER_PROMETHEUS_HOST) to a free port on an address of this machine\n',
    );
  });
  return exporter;
}

/**
 * An export, retries included, never outlives its interval: otherwise, with the backend down, the next export
 * (and the exporter's retry timers) would start before the last one ended and the app could never exit.
 */
function otlpExporter(env: Env, intervalMillis: number): PushMetricExporter {
  const configured = Number(
    env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT || env.OTEL_EXPORTER_OTLP_TIMEOUT || DEFAULT_OTLP_TIMEOUT_MS,
  );
  const config = { timeoutMillis: Math.min(configured, intervalMillis) };
  const { OTLPMetricExporter } = loadPackage<{ OTLPMetricExporter: OtlpMetricExporter }>(
    otlpExporterPackage(env, 'METRICS'),
  );
  return new OTLPMetricExporter(config);
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
