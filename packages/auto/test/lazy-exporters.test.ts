import { expect, it } from 'vitest';
import { emulator, fixtureEnv, runFixture, useFixtureEmulator } from './helpers.js';

// `@credwatch/auto` loads only the exporters the environment selects: the rest never reach the module cache.
useFixtureEmulator();

const LIST_EXPORTERS =
  'console.log(JSON.stringify([...new Set(Object.keys(require.cache).map((path) => /@opentelemetry[\\\\/](exporter-[^\\\\/]+)/.exec(path)?.[1]).filter(Boolean))].sort()))';

it.each([
  [{ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }, []],
  // The protobuf metrics exporter builds on the JSON one.
  [{}, ['exporter-metrics-otlp-http', 'exporter-metrics-otlp-proto', 'exporter-trace-otlp-proto']],
  [
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_EXPORTER: 'console' },
    ['exporter-metrics-otlp-http'],
  ],
  [
    { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
    ['exporter-prometheus'],
  ],
])('with %j it loads %j', async (vars, loaded) => {
  const run = await runFixture(
    ['--require', '@credwatch/auto/register', '-e', LIST_EXPORTERS],
    fixtureEnv(emulator, { OTEL_METRIC_EXPORT_INTERVAL: '60000', ...vars } as Record<string, string>),
  );
  expect(run).toMatchObject({ code: 0, stdout: `${JSON.stringify(loaded)}\n` });
});
