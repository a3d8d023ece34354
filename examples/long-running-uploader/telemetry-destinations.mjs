// Where the uploaders' full telemetry goes: wherever the same OTEL_* variables a user would set send it.
// Left unset, the demo exports nothing (there is no collector on a laptop by default) and says how to.

const PROMETHEUS_DEFAULT_PORT = 9464;

/** Extra environment for one mode's process, and a sentence saying where its telemetry went. */
export function telemetryFor(modeIndex, env = process.env) {
  const exporters = `${env.OTEL_TRACES_EXPORTER ?? ''},${env.OTEL_METRICS_EXPORTER ?? ''}`;
  const vars = {
    OTEL_TRACES_EXPORTER: env.OTEL_TRACES_EXPORTER ?? 'none',
    OTEL_METRICS_EXPORTER: env.OTEL_METRICS_EXPORTER ?? 'none',
  };
  const places = [];
  if (exporters.includes('otlp')) {
    const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318';
    places.push(`OTLP ${env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf'} to ${endpoint}`);
  }
  if (exporters.includes('prometheus')) {
    // Two processes cannot share one port: each mode gets its own, from the configured one up.
    const port = Number(env.OTEL_EXPORTER_PROMETHEUS_PORT ?? PROMETHEUS_DEFAULT_PORT) + modeIndex;
    vars.OTEL_EXPORTER_PROMETHEUS_PORT = String(port);
    places.push(`Prometheus on http://localhost:${port}/metrics while it ran`);
  }
  if (exporters.includes('console')) places.push('console (its output is below)');
  return { vars, where: places.length > 0 ? places.join('; ') : 'not exported' };
}

export const HOW_TO_EXPORT = [
  'To send the full telemetry (spans and metrics) somewhere, set the standard variables, e.g.',
  '  OTEL_METRICS_EXPORTER=prometheus pnpm demo        # scrape :9464 (stale) and :9465 (refreshing)',
  '  OTEL_TRACES_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 pnpm demo',
  '  OTEL_TRACES_EXPORTER=console OTEL_METRICS_EXPORTER=console pnpm demo',
];
