import { createServer } from 'node:net';
import { emulatorSecrets, findSecrets, freePort, parseExposition, sample } from '@credwatch/test-support';
import { expect, it } from 'vitest';
import {
  emulator,
  fixtureEnv,
  LOADER,
  REJECTED_RUN,
  rejectNextGet,
  runFixture,
  startFixture,
  useFixtureEmulator,
} from './helpers.js';

useFixtureEmulator();

/** Metrics only, served for Prometheus on loopback at `port`. */
const scrapedOn = (port: number) => ({
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'prometheus',
  OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
  OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
});

it('serves the contract series on the Prometheus naming path, and SIGTERM still ends the app', async () => {
  const port = await freePort();
  rejectNextGet(emulator);
  const app = startFixture(
    LOADER.cjs,
    fixtureEnv(emulator, {
      OTEL_SERVICE_NAME: 'fixture-app',
      ...scrapedOn(port),
      FIXTURE_HOLD: '1',
    }),
  );
  await app.printed('holding');
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  app.child.kill('SIGTERM');
  const run = await app.exited;
  expect(run).toMatchObject({ code: null, signal: 'SIGTERM', stdout: `${REJECTED_RUN}\nholding\n` });

  const samples = parseExposition(text);
  const ours = samples.filter((candidate) => candidate.name.startsWith('aws_credentials_'));
  expect([...new Set(ours.map((candidate) => candidate.name))].sort()).toEqual([
    'aws_credentials_clients',
    'aws_credentials_expiration',
    'aws_credentials_refresh_duration_bucket',
    'aws_credentials_refresh_duration_count',
    'aws_credentials_refresh_duration_sum',
    'aws_credentials_rejections_total',
    'aws_credentials_signings_total',
    'aws_credentials_time_to_expiry_bucket',
    'aws_credentials_time_to_expiry_count',
    'aws_credentials_time_to_expiry_sum',
  ]);
  const session = { aws_credentials_source: 'assume_role', rpc_service: 'S3' };
  expect(
    sample(samples, 'aws_credentials_signings_total', {
      ...session,
      aws_credentials_expiry_state: 'valid',
      aws_credentials_temporary: 'true',
    }),
  ).toBe(3);
  expect(
    sample(samples, 'aws_credentials_signings_total', {
      aws_credentials_source: 'env',
      rpc_service: 'STS',
      aws_credentials_expiry_state: 'no_expiry',
      aws_credentials_temporary: 'false',
    }),
  ).toBe(1);
  expect(sample(samples, 'aws_credentials_time_to_expiry_bucket', { ...session, le: '1800' })).toBe(0);
  expect(sample(samples, 'aws_credentials_time_to_expiry_bucket', { ...session, le: '3600' })).toBe(3);
  expect(sample(samples, 'aws_credentials_time_to_expiry_count', session)).toBe(3);
  expect(
    sample(samples, 'aws_credentials_refresh_duration_count', {
      aws_credentials_source: 'assume_role',
      aws_credentials_refresh_trigger: 'initial',
    }),
  ).toBe(1);
  expect(
    sample(samples, 'aws_credentials_rejections_total', {
      ...session,
      error_type: 'TokenRefreshRequired',
      aws_credentials_expiry_state: 'valid',
    }),
  ).toBe(1);
  const issued = emulator
    .issuedCredentials()
    .findLast((credentials) => credentials.issuer === 'sts:AssumeRole');
  expect(
    sample(samples, 'aws_credentials_expiration', { ...session, aws_credentials_refreshable: 'true' }),
  ).toBe((issued?.expiration?.getTime() ?? 0) / 1000);
  expect(sample(samples, 'target_info', {})).toBe(1);
  expect(text).toContain('service_name="fixture-app"');
  expect(findSecrets([text], emulatorSecrets([emulator]))).toEqual([]);
});

it('says on stderr, at the default log level, that the scrape port is taken, and the app runs as before', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as { port: number };
  try {
    rejectNextGet(emulator);
    const run = await runFixture(
      LOADER.cjs,
      fixtureEnv(emulator, {
        ...scrapedOn(port),
      }),
    );
    expect(run).toMatchObject({ code: 0, stdout: `${REJECTED_RUN}\n` });
    expect(run.stderr).toBe(
      `credwatch: port ${port} is already in use, so this process serves no metrics; set ` +
        'OTEL_EXPORTER_PROMETHEUS_PORT (and OTEL_EXPORTER_PROMETHEUS_HOST) to a free port on an address of this machine\n',
    );
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

it('a worker thread the app starts gets the preload but starts nothing: one SDK, one scrape port', async () => {
  const port = await freePort();
  rejectNextGet(emulator);
  const run = await runFixture(
    LOADER.cjs,
    fixtureEnv(emulator, {
      ...scrapedOn(port),
      FIXTURE_WORKER: '1',
    }),
  );
  expect(run).toEqual({ code: 0, signal: null, stdout: `${REJECTED_RUN}\n`, stderr: '' });
});

it('an idle process that never creates a client still serves aws_credentials_clients 0, and nothing else of ours', async () => {
  const port = await freePort();
  const app = startFixture(
    ['--require', '@credwatch/auto/register', '-e', "console.log('holding'); setInterval(() => {}, 1000);"],
    fixtureEnv(emulator, { OTEL_SERVICE_NAME: 'idle-app', ...scrapedOn(port) }),
  );
  await app.printed('holding');
  // The app printed before the exporter's server listens: ask until it answers.
  let text: string | undefined;
  for (let attempt = 0; text === undefined && attempt < 100; attempt++) {
    text = await fetch(`http://127.0.0.1:${port}/metrics`)
      .then((response) => response.text())
      .catch(() => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50)));
  }
  app.child.kill('SIGTERM');
  await app.exited;
  const ours = parseExposition(text ?? '').filter((candidate) =>
    candidate.name.startsWith('aws_credentials_'),
  );
  expect(ours.map(({ name, labels, value }) => [name, labels, value])).toEqual([
    [
      'aws_credentials_clients',
      { otel_scope_name: '@credwatch/instrumentation', otel_scope_version: expect.any(String) },
      0,
    ],
  ]);
});
