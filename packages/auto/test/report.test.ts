import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRIC_TIME_TO_EXPIRY } from '@credwatch/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CredwatchReport, ReportReader } from '../src/index.js';
import {
  emulator,
  fixtureEnv,
  LOADER,
  REJECTED_RUN,
  rejectNextGet,
  runFixture,
  useFixtureEmulator,
} from './helpers.js';

useFixtureEmulator();

const QUIET = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' };

describe('CREDWATCH_REPORT', () => {
  it('writes what credwatch saw as JSON at exit, even with every exporter off', async () => {
    const file = join(tmpdir(), `credwatch-report-${process.pid}.json`);
    rejectNextGet(emulator);
    const run = await runFixture(LOADER.cjs, fixtureEnv(emulator, { ...QUIET, CREDWATCH_REPORT: file }));
    expect(run).toMatchObject({ code: 0, stdout: `${REJECTED_RUN}\n`, stderr: '' });
    const report = JSON.parse(readFileSync(file, 'utf8')) as CredwatchReport;
    expect(report.signings).toHaveLength(2);
    expect(report.signings).toEqual(
      expect.arrayContaining([
        { source: 'assume_role', service: 'S3', expiryState: 'valid', temporary: true, count: 3 },
        { source: 'env', service: 'STS', expiryState: 'no_expiry', temporary: false, count: 1 },
      ]),
    );
    expect(report.timeToExpiry).toHaveLength(1);
    const [ttl] = report.timeToExpiry;
    expect(ttl).toMatchObject({ source: 'assume_role', service: 'S3', count: 3 });
    for (const value of [ttl?.min, ttl?.p50, ttl?.max]) {
      expect(value).toBeGreaterThan(3590);
      expect(value).toBeLessThanOrEqual(3600);
    }
    expect(report.refreshes).toEqual([
      { source: 'assume_role', trigger: 'initial', outcome: 'success', count: 1 },
    ]);
    expect(report.rejections).toEqual([
      {
        errorType: 'TokenRefreshRequired',
        source: 'assume_role',
        service: 'S3',
        expiryState: 'valid',
        count: 1,
      },
    ]);
    expect(report.recoveries).toEqual([]);
    expect(report.findings).toEqual([]);
  });

  it('counts recoveries under CREDWATCH_RECOVER=true: the rejected GetObject is sent again and succeeds', async () => {
    const file = join(tmpdir(), `credwatch-report-recover-${process.pid}.json`);
    rejectNextGet(emulator);
    const run = await runFixture(
      LOADER.cjs,
      fixtureEnv(emulator, { ...QUIET, CREDWATCH_RECOVER: 'true', CREDWATCH_REPORT: file }),
    );
    expect(run).toMatchObject({
      code: 0,
      stdout: '["CreateBucket ok","PutObject ok","GetObject a,b\\n1,2\\n"]\n',
    });
    const report = JSON.parse(readFileSync(file, 'utf8')) as CredwatchReport;
    expect(report.recoveries).toEqual([
      { outcome: 'recovered', errorType: 'TokenRefreshRequired', source: 'assume_role', count: 1 },
    ]);
    const text = await runFixture(
      LOADER.cjs,
      fixtureEnv(emulator, { ...QUIET, CREDWATCH_RECOVER: 'true', CREDWATCH_REPORT: 'stderr' }),
    );
    expect(text.stderr.split('\n')).not.toContain('recoveries: 0');
    rejectNextGet(emulator);
    const recovered = await runFixture(
      LOADER.cjs,
      fixtureEnv(emulator, { ...QUIET, CREDWATCH_RECOVER: 'true', CREDWATCH_REPORT: 'stderr' }),
    );
    expect(recovered.stderr.split('\n')).toContain('recoveries: 1 (recovered 1)');
  });

  it('lists each finding once with its fix, as JSON and for a person', async () => {
    const file = join(tmpdir(), `credwatch-report-findings-${process.pid}.json`);
    const vars = { ...QUIET, FIXTURE_CACHED_TRIPLE: '1' };
    const json = await runFixture(LOADER.cjs, fixtureEnv(emulator, { ...vars, CREDWATCH_REPORT: file }));
    expect(json).toMatchObject({ code: 0, stderr: '' });
    const message =
      'S3 requests are signed with temporary credentials (they carry a session token) that have no ' +
      'expiration: a key triple kept from an earlier AssumeRole, a file or a cache, which the SDK never refreshes.';
    const fix =
      'Give the client a credential provider (fromTemporaryCredentials, fromNodeProviderChain, or no ' +
      'credentials option at all for the default chain) instead of the keys it returned; or keep their ' +
      'Expiration with the keys, so that the SDK knows when to refresh.';
    expect((JSON.parse(readFileSync(file, 'utf8')) as CredwatchReport).findings).toEqual([
      { kind: 'temporary_without_expiry', source: 'static', service: 'S3', message, fix },
    ]);
    const text = await runFixture(LOADER.esm, fixtureEnv(emulator, { ...vars, CREDWATCH_REPORT: 'stderr' }));
    const lines = text.stderr.trim().split('\n');
    expect(lines.slice(lines.indexOf('findings: 1'))).toEqual([
      'findings: 1',
      `  temporary_without_expiry (static, S3): ${message}`,
      `    fix: ${fix}`,
    ]);
  });

  it('prints it for a person on stderr', async () => {
    rejectNextGet(emulator);
    const run = await runFixture(LOADER.esm, fixtureEnv(emulator, { ...QUIET, CREDWATCH_REPORT: 'stderr' }));
    expect(run.code).toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe('credwatch report');
    expect(lines).toContain('source assume_role: 3 signed requests (valid 3)');
    expect(lines).toContain('source env: 1 signed requests (no_expiry 1)');
    expect(lines).toContain('refresh attempts: 1 (1 succeeded, 0 failed): assume_role/initial 1');
    expect(lines).toContain('rejections: 1 (TokenRefreshRequired 1)');
    // One-hour sessions, signed within seconds of issue: a signing in the first 50 ms rounds to 3600.0, and the
    // first one (the minimum) can be that fast on an idle machine, as the JSON report above allows.
    const seconds = String.raw`(359\d\.\d|3600\.0)`;
    expect(lines.find((line) => line.includes('S3 time to expiry'))).toMatch(
      new RegExp(`^ {2}S3 time to expiry at signing: min ${seconds} s, p50 ${seconds} s, max ${seconds} s$`),
    );
  });
});

describe('the report median', () => {
  // Times to expiry as credwatch records them: whole milliseconds, 0 for expired credentials (histograms take
  // no negative values), otherwise at least 1 s. 160 buckets then give at least 8 per octave, and a bucket
  // midpoint is within 4.6 % of anything in its bucket.
  const timeToExpiry = fc
    .oneof(fc.constant(0), fc.integer({ min: 1000, max: 43_200_000 }))
    .map((ms) => ms / 1000);

  it('stays within 5 % of the exact median', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(timeToExpiry, { minLength: 1, maxLength: 300 }), async (values) => {
        const reader = new ReportReader();
        const histogram = new MeterProvider({ readers: [reader] })
          .getMeter('test')
          .createHistogram(METRIC_TIME_TO_EXPIRY);
        for (const value of values)
          histogram.record(value, { 'aws.credentials.source': 'imds', 'rpc.service': 'S3' });
        const [row] = (await reader.report()).timeToExpiry;
        const sorted = [...values].sort((a, b) => a - b);
        const exact = sorted[Math.ceil(values.length / 2) - 1] as number;
        expect(row?.count).toBe(values.length);
        expect(row?.min).toBe(sorted[0]);
        expect(row?.max).toBe(sorted.at(-1));
        expect(Math.abs((row?.p50 ?? Number.NaN) - exact)).toBeLessThanOrEqual(Math.abs(exact) * 0.05);
      }),
      { numRuns: 200 },
    );
  });
});

describe('starting alongside an app', () => {
  it('an app with its own NodeSDK adds the instrumentation (the README programmatic path)', async () => {
    const { OtlpReceiver } = await import('./otlp-receiver.js');
    const { otlpTo } = await import('./helpers.js');
    const receiver = await OtlpReceiver.start();
    try {
      rejectNextGet(emulator);
      const run = await runFixture(
        ['test/fixtures/own-sdk.cjs'],
        fixtureEnv(emulator, otlpTo(receiver.endpoint)),
      );
      expect(run).toMatchObject({ code: 0, stdout: `${REJECTED_RUN}\n` });
      const signings = receiver.metric('aws.credentials.signings');
      expect(signings?.points.map((point) => point.value).sort()).toEqual([1, 3]);
      expect(receiver.metric('aws.credentials.rejections')?.points.map((point) => point.value)).toEqual([1]);
    } finally {
      await receiver.stop();
    }
  });

  it('a second start (register, then code) keeps one SDK: nothing is counted twice', async () => {
    const file = join(tmpdir(), `credwatch-twice-${process.pid}.json`);
    rejectNextGet(emulator);
    const run = await runFixture(
      ['--require', '@credwatch/auto/register', 'test/fixtures/starts-twice.cjs'],
      fixtureEnv(emulator, { ...QUIET, CREDWATCH_REPORT: file }),
    );
    expect(run).toMatchObject({ code: 0, stdout: `${REJECTED_RUN}\n` });
    const report = JSON.parse(readFileSync(file, 'utf8')) as CredwatchReport;
    expect(report.signings.map((row) => row.count).sort()).toEqual([1, 3]);
  });
});
