import { expect, it } from 'vitest';
import { emulator, fixtureEnv, runFixture, useFixtureEmulator } from './helpers.js';

useFixtureEmulator();

const APP = 'test/fixtures/hostile-provider.cjs';
const env = () => fixtureEnv(emulator, { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' });

it.each([
  ['--require', ['--require', '@credwatch/auto/register', APP]],
  ['--import', ['--import', '@credwatch/auto/register', APP]],
])(
  'a provider error whose getters throw reaches the app exactly as without credwatch (%s, default instrumentation-aws-sdk)',
  async (_loader, args) => {
    const bare = await runFixture([APP], env());
    // The SDK itself reads an error's $metadata; every other hostile getter leaves the error as it is.
    expect(bare).toMatchObject({
      code: 0,
      stdout: `${JSON.stringify([
        'name: own error',
        'message: own error',
        'stack: own error',
        '$metadata: a different error',
        'RequestId: own error',
      ])}\n`,
    });
    const instrumented = await runFixture(args, env());
    expect(instrumented).toEqual(bare);
  },
);
