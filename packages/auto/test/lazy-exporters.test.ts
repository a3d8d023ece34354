import { expect, it } from 'vitest';
import { emulator, fixtureEnv, runFixture, useFixtureEmulator } from './helpers.js';

useFixtureEmulator();

const CONFIGS: Record<string, string>[] = [
  { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
  {},
  { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_EXPORTER: 'console' },
  {
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'prometheus',
    OTEL_EXPORTER_PROMETHEUS_PORT: '0',
    OTEL_LOGS_EXPORTER: 'none',
  },
];

// The packages a process has read from node_modules, by name, sorted.
const LIST_PACKAGES =
  'console.log(JSON.stringify([...new Set(Object.keys(require.cache).map((path) => /.*node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(path)?.[1]?.replace("\\\\", "/")).filter(Boolean))].sort()))';

const run = (args: string[], vars: Record<string, string>) =>
  runFixture(args, fixtureEnv(emulator, { OTEL_METRIC_EXPORT_INTERVAL: '60000', ...vars }));

// The register entry is one bundle: whatever the exporters, the only packages it reads from node_modules are
// the API the application shares and import-in-the-middle (one copy for the loader hook and the patches).
it.each(CONFIGS)(
  '--require @credwatch/auto/register with %j reads only the API and the import hook',
  async (vars) => {
    expect(await run(['--require', '@credwatch/auto/register', '-e', LIST_PACKAGES], vars)).toMatchObject({
      code: 0,
      stdout: `${JSON.stringify(['@opentelemetry/api', 'import-in-the-middle', 'module-details-from-path'])}\n`,
    });
  },
);

// The programmatic entry is a plain library: it loads only the exporters the environment selects.
const EXPORTERS = `require("@credwatch/auto").startCredwatch();console.log(JSON.stringify([...new Set(Object.keys(require.cache).map((path) => /@opentelemetry[\\\\/](exporter-[^\\\\/]+)/.exec(path)?.[1]).filter(Boolean))].sort()))`;

it.each([
  [CONFIGS[0], []],
  // The protobuf metrics exporter builds on the JSON one.
  [
    CONFIGS[1],
    [
      'exporter-logs-otlp-proto',
      'exporter-metrics-otlp-http',
      'exporter-metrics-otlp-proto',
      'exporter-trace-otlp-proto',
    ],
  ],
  [CONFIGS[2], ['exporter-logs-otlp-http', 'exporter-metrics-otlp-http']],
  [CONFIGS[3], ['exporter-prometheus']],
])('startCredwatch() with %j loads %j', async (vars, loaded) => {
  expect(await run(['-e', EXPORTERS], vars as Record<string, string>)).toMatchObject({
    code: 0,
    stdout: `${JSON.stringify(loaded)}\n`,
  });
});
