import { createRequire } from 'node:module';

/**
 * Exporters `@credwatch/auto` can use but does not install: gRPC and Zipkin cost most of an install and a cold
 * start, and few users want them. They are optional peer dependencies at the version credwatch ships.
 */
export const OPTIONAL_PACKAGES = {
  traceGrpc: '@opentelemetry/exporter-trace-otlp-grpc',
  metricsGrpc: '@opentelemetry/exporter-metrics-otlp-grpc',
  logsGrpc: '@opentelemetry/exporter-logs-otlp-grpc',
  zipkin: '@opentelemetry/exporter-zipkin',
} as const;

const VERSIONS: Record<string, string> = {
  '@opentelemetry/exporter-trace-otlp-grpc': '0.301.0',
  '@opentelemetry/exporter-metrics-otlp-grpc': '0.301.0',
  '@opentelemetry/exporter-logs-otlp-grpc': '0.301.0',
  '@opentelemetry/exporter-zipkin': '3.1.0',
};

const requireHere = createRequire(import.meta.url);
const bundled = new Map<string, unknown>();

/** Called by the bundled `register` entries with the exporter modules they carry. */
export function provideBundledPackages(modules: Readonly<Record<string, unknown>>): void {
  for (const [name, exports] of Object.entries(modules)) bundled.set(name, exports);
}

/**
 * An exporter package, when the environment selects it: from the bundle when this is the `register` entry,
 * from node_modules otherwise, and then only the ones chosen are read from disk (loading every one is most of
 * the Node SDK's cold start). The optional gRPC and Zipkin exporters always come from node_modules.
 */
export function loadPackage<Exports>(name: string): Exports {
  return (bundled.get(name) ?? requireHere(name)) as Exports;
}

/** The install command for an optional package the configuration needs but this process cannot load, if any. */
export function missingPackage(name: string): string | undefined {
  try {
    requireHere.resolve(name);
    return undefined;
  } catch {
    return `npm install ${name}@${VERSIONS[name]}`;
  }
}

const OTLP_PACKAGES = {
  TRACES: {
    grpc: OPTIONAL_PACKAGES.traceGrpc,
    json: '@opentelemetry/exporter-trace-otlp-http',
    protobuf: '@opentelemetry/exporter-trace-otlp-proto',
  },
  METRICS: {
    grpc: OPTIONAL_PACKAGES.metricsGrpc,
    json: '@opentelemetry/exporter-metrics-otlp-http',
    protobuf: '@opentelemetry/exporter-metrics-otlp-proto',
  },
  LOGS: {
    grpc: OPTIONAL_PACKAGES.logsGrpc,
    json: '@opentelemetry/exporter-logs-otlp-http',
    protobuf: '@opentelemetry/exporter-logs-otlp-proto',
  },
} as const;

/**
 * The OTLP exporter package for a signal, by its protocol: `OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL`, else
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, else http/protobuf (values were validated by `readConfig`).
 */
export function otlpExporterPackage(
  env: Readonly<Record<string, string | undefined>>,
  signal: keyof typeof OTLP_PACKAGES,
): string {
  const protocol = (
    env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL ||
    'http/protobuf'
  )
    .trim()
    .toLowerCase();
  const packages = OTLP_PACKAGES[signal];
  return protocol === 'grpc' ? packages.grpc : protocol === 'http/json' ? packages.json : packages.protobuf;
}
