import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Diagnosis } from '../src/doctor/diagnosis.js';
import { printableMessage } from '../src/doctor/walk-chain.js';
import { emulator, fixtureEnv, runFixture, useFixtureEmulator } from './helpers.js';

// `credwatch doctor`, the built CLI, against the emulator: the chain walk with the SDK installed in this
// package, and a command run under credwatch.
useFixtureEmulator();

const doctor = (args: string[], vars: Record<string, string>) =>
  runFixture(
    ['dist/cli.js', 'doctor', ...args],
    fixtureEnv(emulator, { AWS_EC2_METADATA_DISABLED: 'true', ...vars }),
  );

const arnOf = (accessKeyId: string) =>
  emulator.issuedCredentials().find((credentials) => credentials.accessKeyId === accessKeyId)?.arn;

async function session() {
  const { Credentials } = await new STSClient({
    region: 'us-east-1',
    endpoint: emulator.urls.sts,
    credentials: emulator.longTermKey,
  }).send(new AssumeRoleCommand({ RoleArn: emulator.roleArn, RoleSessionName: 'doctor' }));
  return Credentials as {
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken: string;
    Expiration: Date;
  };
}

describe('credwatch doctor (the chain walk)', () => {
  it('long-term keys in the environment: the source, the principal, no findings, exit 0', async () => {
    const run = await doctor([], {});
    const arn = arnOf(emulator.longTermKey.accessKeyId);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      [
        'credwatch doctor',
        'source:      env (STS: 1 signed, no_expiry 1)',
        'credentials: env, long-term, no expiration, nothing refreshes them',
        `principal:   ${arn} (account ${/::(\d{12}):/.exec(arn ?? '')?.[1]})`,
        '',
        'no findings',
        '',
      ].join('\n'),
    );
  });

  it('environment keys next to a container endpoint: competing_sources, exit 1, as JSON', async () => {
    const run = await doctor(['--json'], { AWS_CONTAINER_CREDENTIALS_FULL_URI: emulator.urls.container });
    expect(run.code).toBe(1);
    const diagnosis = JSON.parse(run.stdout) as Diagnosis;
    expect(diagnosis.sources).toEqual([
      { source: 'env', service: 'STS', signings: 1, expiryStates: 'no_expiry 1' },
    ]);
    expect(diagnosis.findings.map((finding) => finding.kind)).toEqual(['competing_sources']);
    expect(diagnosis.findings[0]?.fix).toBe(
      'Configure one source: remove AWS_CONTAINER_CREDENTIALS_FULL_URI from the environment, or the settings of ' +
        'the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY if one of the others is meant.',
    );
  });

  it.each(['container', 'imds', 'web_identity', 'sso'] as const)(
    'the %s route: the source that won, temporary and refreshed by it, the principal, no finding',
    async (route) => {
      const run = await doctor(['--json'], {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_EC2_METADATA_DISABLED: '',
        ...emulator.env(route),
      });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const diagnosis = JSON.parse(run.stdout) as Diagnosis;
      expect(diagnosis.sources).toEqual([
        { source: route, service: 'STS', signings: 1, expiryStates: 'valid 1' },
      ]);
      expect(diagnosis.credentials).toMatchObject({ source: route, temporary: true, refreshable: true });
      expect(diagnosis.principal?.arn).toMatch(/^arn:aws:(sts|iam)::\d{12}:/);
      expect(diagnosis.findings).toEqual([]);
    },
  );

  it('the container endpoint and a three-hour job: refreshed by its source, so no finding', async () => {
    const env = emulator.env('container');
    const run = await doctor(['--job-duration', '3h', '--json'], {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      ...env,
    });
    expect(run.code).toBe(0);
    const diagnosis = JSON.parse(run.stdout) as Diagnosis;
    expect(diagnosis.sources.map((row) => row.source)).toEqual(['container']);
    expect(diagnosis.credentials).toMatchObject({ source: 'container', temporary: true, refreshable: true });
    expect(diagnosis.credentials?.timeToExpirySeconds).toBeGreaterThan(3500);
    expect(diagnosis.findings).toEqual([]);
  });

  it('a one-hour session exported to the environment and a two-hour job: session_shorter_than_job', async () => {
    const credentials = await session();
    const run = await doctor(['--job-duration', '2h'], {
      AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: credentials.SessionToken,
      AWS_CREDENTIAL_EXPIRATION: credentials.Expiration.toISOString(),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`principal:   ${arnOf(credentials.AccessKeyId)} (account `);
    expect(run.stdout).toMatch(
      /\n1 finding\n- session_shorter_than_job: The credentials \(env\) expire in 3\d{3} s and nothing refreshes them, but the job needs 7200 s\.\n {2}fix: Use a source that refreshes/,
    );
    expect(run.stdout).not.toContain(credentials.SecretAccessKey);
    expect(run.stdout).not.toContain(credentials.SessionToken);
    expect(run.stdout).not.toContain(credentials.AccessKeyId);
  });

  it('no source at all: no_credentials with what to configure', async () => {
    const run = await doctor([], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /\n- no_credentials: The default credential chain found no credentials: .+\n {2}fix: Configure one source/,
    );
  });
});

describe('credwatch doctor: an SSO profile', () => {
  it('an expired SSO session: sso_session_expired, with the login that fixes it', async () => {
    const cacheFile = emulator.ssoTokenCacheFile;
    const cached = readFileSync(cacheFile, 'utf8');
    onTestFinished(() => writeFileSync(cacheFile, cached));
    writeFileSync(
      cacheFile,
      JSON.stringify({ ...JSON.parse(cached), expiresAt: new Date(Date.now() - 60_000).toISOString() }),
    );
    const ssoSessions = () => emulator.issuedCredentials().filter(({ issuer }) => issuer === 'sso').length;
    const before = ssoSessions();
    const run = await doctor([], {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      ...emulator.env('sso'),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      [
        '1 finding',
        '- sso_session_expired: The SSO session of profile credwatch-sso has expired or is invalid: The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.',
        '  fix: Log in again: aws sso login --profile credwatch-sso. The SDK reads the token that login caches in ~/.aws/sso/cache and cannot renew an expired session itself.',
      ].join('\n'),
    );
    expect(run.stdout).not.toContain(emulator.tokens.ssoAccess);
    // No role session was asked for with the expired token.
    expect(ssoSessions()).toBe(before);
  });
});

describe('credwatch doctor: what it never prints', () => {
  it('a failing credential_process: its command line, which can carry a secret, is not shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'credwatch-doctor-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'config');
    writeFileSync(
      config,
      '[profile tooling]\ncredential_process = /bin/sh -c "exit 3" --token doctor-canary-7Qx9\n',
    );
    const run = await doctor([], {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_PROFILE: 'tooling',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\n- no_credentials: .+\n {2}fix: /);
    expect(`${run.stdout}${run.stderr}`).not.toContain('doctor-canary-7Qx9');
  });

  it("an SDK error that quotes a credential_process command: the doctor's text leaves the command out", () => {
    // The SDK's process provider wraps exec's message, which starts with the whole command line; the default
    // chain above swallows it, a profile's own provider does not.
    const error = new Error(
      'Command failed: /usr/local/bin/creds --token doctor-canary-7Qx9\nstderr: denied',
    );
    expect(printableMessage(error)).toBe(
      'a credential_process command failed (its command line is not shown: it can carry secrets)',
    );
    expect(printableMessage(new Error('Could not load credentials from any providers\nmore'))).toBe(
      'Could not load credentials from any providers',
    );
  });
});

describe('credwatch doctor -- <command>', () => {
  it('the cached key triple of the demo: named, with its fix; the app runs as it would', async () => {
    const run = await doctor(['--', 'node', 'test/fixtures/s3-app.cjs'], { FIXTURE_CACHED_TRIPLE: '1' });
    expect(run.code).toBe(1);
    const [appOutput, ...diagnosis] = run.stdout.split('credwatch doctor\n');
    expect(appOutput).toBe('["CreateBucket ok","PutObject ok","GetObject a,b\\n1,2\\n"]\n');
    expect(diagnosis.join('')).toBe(
      [
        'command:     node test/fixtures/s3-app.cjs (exit code 0)',
        'source:      env (STS: 1 signed, no_expiry 1)',
        'source:      static (S3: 3 signed, no_expiry 3)',
        '',
        '1 finding',
        '- temporary_without_expiry: S3 requests are signed with temporary credentials (they carry a session ' +
          'token) that have no expiration: a key triple kept from an earlier AssumeRole, a file or a cache, which ' +
          'the SDK never refreshes.',
        '  fix: Give the client a credential provider (fromTemporaryCredentials, fromNodeProviderChain, or no ' +
          'credentials option at all for the default chain) instead of the keys it returned; or keep their ' +
          'Expiration with the keys, so that the SDK knows when to refresh.',
        '',
      ].join('\n'),
    );
  });

  it('a healthy app: no findings, exit 0', async () => {
    const run = await doctor(['--', 'node', 'test/fixtures/s3-app.cjs'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('source:      assume_role (S3: 3 signed, valid 3)\n\nno findings\n');
  });
});

describe('credwatch doctor, usage', () => {
  it.each([
    [
      ['--job-duration', '25%'],
      'credwatch: --job-duration must be a duration such as 3h, 90m or 600 (seconds), got "25%"\n',
    ],
    [['--'], 'credwatch: nothing to run after --\n'],
  ])('%j: exit 2 with the reason', async (args, message) => {
    const run = await doctor(args, {});
    expect(run.code).toBe(2);
    expect(run.stderr.startsWith(message)).toBe(true);
    expect(run.stdout).toBe('');
  });
});
