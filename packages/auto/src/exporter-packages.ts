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
