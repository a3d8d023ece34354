import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, VALIDATED_VARIABLES } from '../src/env-config.js';
import { ConfigError, readConfig } from '../src/index.js';
import {
  emulator,
  fixtureEnv,
  LOADER,
  REJECTED_RUN,
  rejectNextGet,
  runFixture,
  useFixtureEmulator,
} from './helpers.js';

// Configuration fuzzing: every value of every variable credwatch reads is either refused up front, naming the
// variable, or works as documented; an accepted configuration never hangs the app or outlives the shutdown
// bound.

useFixtureEmulator();

const TIMERS = VALIDATED_VARIABLES.filter((name) => /(TIMEOUT|INTERVAL|DELAY)$/.test(name));

/** Values users write, typos and hostile ones included. */
const value = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '',
    ' ',
    'true',
    'FALSE',
    '0',
    '-1',
    '1',
    '2147483647',
    '2147483648',
    '99999999999',
    '1e3',
    '0x10',
  ),
  fc.constantFrom(
    'otlp',
    'prometheus,otlp',
    'none',
    'console',
    'zipkin',
    'statsd',
    'grpc',
    'http/json',
    'gzip',
  ),
  fc.constantFrom(
    'http://127.0.0.1:1',
    'localhost:4318',
    'https://otlp.example',
    '::',
    '0.0.0.0',
    'not a host',
  ),
  fc.constantFrom('a=b', 'Authorization=Bearer ü', 'x=%E2%82', 'k=v;m', 'S3,STS', ' , ', 'stderr'),
);

const environments = fc.dictionary(fc.constantFrom(...VALIDATED_VARIABLES), value, { maxKeys: 6 });

describe('every variable, every value', () => {
  it('is refused with one problem per bad variable, each naming it, or accepted within documented bounds', () => {
    fc.assert(
      fc.property(environments, (env) => {
        let problems: readonly string[] = [];
        try {
          const config = readConfig(env);
          expect(config.shutdownTimeoutMs).toBeGreaterThan(0);
          expect(config.shutdownTimeoutMs).toBeLessThanOrEqual(MAX_TIMER_MS);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          problems = (error as ConfigError).problems;
        }
        const named = problems.map((problem) => problem.slice(0, problem.indexOf('=')));
        expect(new Set(named).size).toBe(named.length);
        for (const name of named) expect(Object.keys(env)).toContain(name);
        // Every variable not named was acceptable on its own.
        for (const [name, text] of Object.entries(env)) {
          if (named.includes(name)) continue;
          expect(() => readConfig({ [name]: text })).not.toThrow();
          if (TIMERS.includes(name) && text.trim() !== '')
            expect(Number(text)).toBeLessThanOrEqual(MAX_TIMER_MS);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a process started with a fuzzed configuration', () => {
  /** Variables whose effect a run can observe, with values from all three kinds: valid, boundary, invalid. */
  const processEnvironments = fc.record(
    {
      OTEL_METRICS_EXPORTER: fc.constantFrom('otlp', 'none', 'console', 'prom'),
      OTEL_TRACES_EXPORTER: fc.constantFrom('otlp', 'none', 'jaeger'),
      OTEL_EXPORTER_OTLP_ENDPOINT: fc.constantFrom('http://127.0.0.1:1', 'localhost:4318'),
      OTEL_EXPORTER_OTLP_TIMEOUT: fc.constantFrom('1', '300', '2147483647', '2147483648'),
      OTEL_METRIC_EXPORT_INTERVAL: fc.constantFrom('1', '1000', '2147483647', '99999999999'),
      OTEL_EXPORTER_OTLP_HEADERS: fc.constantFrom('tenant=a', 'x=ü'),
      CREDWATCH_SHUTDOWN_TIMEOUT: fc.constantFrom('1', '500', '0', '99999999999'),
    },
    { requiredKeys: [] },
  );

  it('either stops before the app with the one message naming each bad variable, or runs the app and ends within its shutdown bound', async () => {
    await fc.assert(
      fc.asyncProperty(processEnvironments, async (env) => {
        const vars = env as Record<string, string>;
        let refused: readonly string[] = [];
        try {
          readConfig(vars);
        } catch (error) {
          refused = (error as ConfigError).problems;
        }
        rejectNextGet(emulator);
        const started = performance.now();
        const run = await runFixture(LOADER.cjs, fixtureEnv(emulator, vars));
        const elapsedMs = performance.now() - started;
        if (refused.length > 0) {
          expect(run).toEqual({
            code: 1,
            signal: null,
            stdout: '',
            stderr: `credwatch: invalid configuration\n  ${refused.join('\n  ')}\n`,
          });
          emulator.faults.clear();
          return;
        }
        expect(run).toMatchObject({ code: 0, signal: null, stdout: `${REJECTED_RUN}\n` });
        const bound = Number(vars.CREDWATCH_SHUTDOWN_TIMEOUT || 5000);
        expect(elapsedMs).toBeLessThan(bound + 4000);
      }),
      { numRuns: 12, seed: Number(process.env.CREDWATCH_FUZZ_SEED ?? 20261130) },
    );
  }, 120_000);
});
