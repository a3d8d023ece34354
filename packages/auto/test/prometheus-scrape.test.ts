import { emulatorSecrets, findSecrets, freePort } from '@credwatch/test-support';
import { expect, it } from 'vitest';
import {
  emulator,
  fixtureEnv,
  LOADER,
  REJECTED_RUN,
  rejectNextGet,
  startFixture,
  useFixtureEmulator,
} from './helpers.js';

useFixtureEmulator();

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus text exposition: one sample per non-comment line. */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]),
      );
      return { name: match[1] as string, labels: labels as Record<string, string>, value: Number(match[3]) };
    });
}

/** The value of the one sample named `name` whose labels include `labels`. */
function sample(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const matches = samples.filter(
    (candidate) =>
      candidate.name === name &&
      Object.entries(labels).every(([key, value]) => candidate.labels[key] === value),
  );
  if (matches.length > 1)
    throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}

it('serves the contract series on the Prometheus naming path, and SIGTERM still ends the app', async () => {
  const port = await freePort();
  rejectNextGet(emulator);
  const app = startFixture(
    LOADER.cjs,
    fixtureEnv(emulator, {
      OTEL_SERVICE_NAME: 'fixture-app',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
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
  expect(sample(samples, 'target_info', {})).toBe(1);
  expect(text).toContain('service_name="fixture-app"');
  expect(findSecrets([text], emulatorSecrets([emulator]))).toEqual([]);
});
