import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BARE,
  emulator,
  fixtureEnv,
  LOADER,
  type ModuleSystem,
  otlpTo,
  REJECTED_RUN,
  rejectNextGet,
  runFixture,
  startFixture,
  useFixtureEmulator,
} from './helpers.js';
import { OtlpReceiver, type ReceiverMode } from './otlp-receiver.js';

useFixtureEmulator();
let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await OtlpReceiver.start();
});
afterAll(() => receiver.stop());

/** Metric names the receiver got from credwatch since the last reset. */
function metricNames(from: OtlpReceiver): string[] {
  return [...new Set(from.metrics.map((metric) => metric.name))]
    .filter((name) => name.startsWith('aws.'))
    .sort();
}

function reset(): void {
  receiver.metrics.length = 0;
  receiver.spans.length = 0;
  receiver.requests = 0;
}

describe('the SDK credwatch assembles honours the standard variables', () => {
  it.each([
    ['always_off', 0],
    ['parentbased_always_on', 5],
  ] as const)('OTEL_TRACES_SAMPLER=%s exports %i spans; metrics either way', async (sampler, spans) => {
    reset();
    rejectNextGet(emulator);
    const run = await runFixture(
      LOADER.cjs,
      fixtureEnv(emulator, { ...otlpTo(receiver.endpoint), OTEL_TRACES_SAMPLER: sampler }),
    );
    expect(run).toMatchObject({ code: 0, stdout: `${REJECTED_RUN}\n` });
    expect(receiver.spans).toHaveLength(spans);
    expect(metricNames(receiver)).toHaveLength(6);
  });
});

describe('ending the process', () => {
  it.each(['cjs', 'esm'] as const)('%s: keeps the exit code the app set, after flushing', async (system) => {
    reset();
    rejectNextGet(emulator);
    const run = await runFixture(
      LOADER[system],
      fixtureEnv(emulator, { ...otlpTo(receiver.endpoint), FIXTURE_EXIT_CODE: '3' }),
    );
    expect(run).toMatchObject({ code: 3, signal: null, stdout: `${REJECTED_RUN}\n` });
    expect(metricNames(receiver)).toHaveLength(6);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s without an app handler: flushes, then dies of the signal as it would bare',
    async (signal) => {
      reset();
      const app = startFixture(
        LOADER.cjs,
        fixtureEnv(emulator, { ...otlpTo(receiver.endpoint), FIXTURE_HOLD: '1' }),
      );
      await app.printed('holding');
      expect(receiver.requests).toBe(0);
      app.child.kill(signal);
      expect(await app.exited).toMatchObject({ code: null, signal });
      // The export interval is a minute: only the flush on the signal can have delivered these.
      expect(metricNames(receiver)).toEqual([
        'aws.credentials.clients',
        'aws.credentials.expiration',
        'aws.credentials.refresh.duration',
        'aws.credentials.signings',
        'aws.credentials.time_to_expiry',
      ]);
      expect(receiver.spans.map((span) => span.name)).toContain('S3.GetObject');
    },
  );

  it('SIGTERM with an app handler: flushes and lets the app decide how to exit', async () => {
    reset();
    const app = startFixture(
      ['--require', '@credwatch/auto/register', 'test/fixtures/own-sigterm-handler.cjs'],
      fixtureEnv(emulator, { ...otlpTo(receiver.endpoint), FIXTURE_HOLD: '1' }),
    );
    await app.printed('holding');
    app.child.kill('SIGTERM');
    const run = await app.exited;
    expect(run).toMatchObject({ code: 7, signal: null });
    expect(run.stdout).toContain('app saw SIGTERM');
    expect(metricNames(receiver)).toHaveLength(5);
  });
});

describe('a broken telemetry backend changes nothing for the app', () => {
  const backends: [string, ReceiverMode | 'refused'][] = [
    ['connection refused', 'refused'],
    ['500 on every export', 'fail'],
    ['never answering', 'hang'],
  ];

  /** What the emulator served, by action and error code (session key ids differ from run to run). */
  function served() {
    const { calls, errors } = emulator.stats.snapshot();
    return { calls, errors };
  }

  it.each(backends)('%s', async (_name, mode) => {
    const broken = await OtlpReceiver.start(mode === 'refused' ? 'accept' : mode);
    const endpoint = broken.endpoint;
    if (mode === 'refused') await broken.stop();
    try {
      for (const system of ['cjs', 'esm'] as const satisfies ModuleSystem[]) {
        emulator.stats.reset();
        rejectNextGet(emulator);
        const bare = await runFixture(BARE[system], fixtureEnv(emulator, {}));
        const bareServed = served();

        emulator.stats.reset();
        rejectNextGet(emulator);
        // Exports every 100 ms fail while the app runs; the exit flush may hold the exit for at most 1 s.
        const instrumented = await runFixture(
          LOADER[system],
          fixtureEnv(emulator, {
            ...otlpTo(endpoint),
            OTEL_METRIC_EXPORT_INTERVAL: '100',
            CREDWATCH_SHUTDOWN_TIMEOUT: '1000',
          }),
        );
        expect(instrumented).toEqual(bare);
        expect(served()).toEqual(bareServed);
      }
      if (mode !== 'refused') expect(broken.requests).toBeGreaterThan(0);
    } finally {
      if (mode !== 'refused') await broken.stop();
    }
  });
});

describe('configuration', () => {
  it.each(['cjs', 'esm'] as const)(
    '%s: OTEL_SDK_DISABLED=true runs the app with no telemetry',
    async (system) => {
      reset();
      rejectNextGet(emulator);
      const run = await runFixture(
        LOADER[system],
        fixtureEnv(emulator, { ...otlpTo(receiver.endpoint), OTEL_SDK_DISABLED: 'true' }),
      );
      expect(run).toMatchObject({ code: 0, stdout: `${REJECTED_RUN}\n`, stderr: '' });
      expect(receiver.requests).toBe(0);
    },
  );

  it.each([
    [
      'OTEL_METRICS_EXPORTER',
      'prom',
      'OTEL_METRICS_EXPORTER="prom": unknown prom; expected otlp, prometheus, console, none',
    ],
    [
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'http',
      'OTEL_EXPORTER_OTLP_PROTOCOL="http": expected one of http/protobuf, http/json, grpc',
    ],
    [
      'OTEL_METRIC_EXPORT_INTERVAL',
      '10s',
      'OTEL_METRIC_EXPORT_INTERVAL="10s": expected a whole number of milliseconds from 1 to 2147483647 (the longest timer Node.js runs)',
    ],
    [
      'OTEL_METRIC_EXPORT_INTERVAL',
      '2147483648',
      'OTEL_METRIC_EXPORT_INTERVAL="2147483648": expected a whole number of milliseconds from 1 to 2147483647 (the longest timer Node.js runs)',
    ],
    [
      'CREDWATCH_ACCESS_KEY_FINGERPRINT',
      'yes',
      'CREDWATCH_ACCESS_KEY_FINGERPRINT="yes": expected one of true, false',
    ],
  ])('%s=%s stops both loaders before the app starts, naming the variable', async (name, value, message) => {
    for (const system of ['cjs', 'esm'] as const) {
      emulator.stats.reset();
      const run = await runFixture(LOADER[system], fixtureEnv(emulator, { [name]: value }));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      // The message alone: no uncaught exception, no stack trace.
      expect(run.stderr).toBe(`credwatch: invalid configuration\n  ${message}\n`);
      expect(emulator.stats.calls()).toBe(0);
    }
  });
});
