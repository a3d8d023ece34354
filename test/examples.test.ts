import { join } from 'node:path';
import { runNode, sealedEnvironment } from '@credwatch/test-support';
import { describe, expect, it } from 'vitest';

// The examples as a user runs them: their own runner, real child processes, no OTEL_* settings.
const examples = join(import.meta.dirname, '..', 'examples');

function lineStartingWith(output: string, prefix: string): string | undefined {
  return output
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith(prefix));
}

describe('long-running-uploader (pnpm demo:doctor)', () => {
  it('credwatch doctor names the cached key triple, with its fix, and exits 1', {
    timeout: 60_000,
  }, async () => {
    const run = await runNode(['doctor.mjs'], {
      cwd: join(examples, 'long-running-uploader'),
      env: sealedEnvironment({}),
    });
    expect(run.code).toBe(0);
    const diagnosis = run.stdout.slice(run.stdout.indexOf('credwatch doctor\n'));
    expect(diagnosis).toMatch(
      /^credwatch doctor\ncommand: {5}node uploader\.cjs \(exit code 1\)\nsource: {6}env \(STS: 1 signed, no_expiry 1\)\nsource: {6}static \(S3: \d+ signed, no_expiry \d+\)\nrejections: {2}TokenRefreshRequired 3\n\n1 finding\n- temporary_without_expiry: S3 requests are signed with temporary credentials .+\n {2}fix: Give the client a credential provider .+\n$/,
    );
    expect(run.stderr).toContain('giving up:');
  });
});

describe('lambda-handler (pnpm demo:lambda)', () => {
  it('the cached global dies of TokenRefreshRequired after a finding that counts its invocations; the provider lives', {
    timeout: 300_000,
  }, async () => {
    const run = await runNode(['--import', 'tsx', 'run.mjs'], {
      cwd: join(examples, 'lambda-handler'),
      env: sealedEnvironment({}),
    });
    expect(run.code).toBe(0);
    const [cached, refreshing] = run.stdout.split('\nrefreshing: ') as [string, string];
    expect(lineStartingWith(cached, 'invocations:')).toMatch(
      /^invocations: (\d+) of 300 succeeded; failed: TokenRefreshRequired (\d+)$/,
    );
    expect(lineStartingWith(cached, 'findings:')).toBe('findings:    unrefreshable_expiring');
    expect(cached).toMatch(
      /expire in \d+ s; nothing can refresh them, so the job outlives its session \(this warm Lambda runtime has signed with them in 1\d\d invocations\)\./,
    );
    expect(lineStartingWith(refreshing, 'invocations:')).toBe('invocations: 300 of 300 succeeded');
    expect(lineStartingWith(refreshing, 'refreshes:')).toBe(
      'refreshes:   2 (assume_role/initial 1, assume_role/expiring 1)',
    );
    expect(lineStartingWith(refreshing, 'findings:')).toBe('findings:    none');
  });
});

describe('long-running-uploader (pnpm demo:recover)', () => {
  it('without recovery the refreshing job fails; with CREDWATCH_RECOVER=true it finishes', {
    timeout: 60_000,
  }, async () => {
    const run = await runNode(['demo.mjs', 'recover'], {
      cwd: join(examples, 'long-running-uploader'),
      env: sealedEnvironment({}),
    });
    expect(run.code).toBe(0);
    const [off, on] = run.stdout.split('\nrecovering: ') as [string, string];
    expect(lineStartingWith(off, 'the job:')).toMatch(
      /^the job: +giving up: \d of 10 uploaded \(exit code 1\)$/,
    );
    expect(lineStartingWith(off, 'rejections:')).toMatch(/^rejections: +TokenRefreshRequired 3$/);
    expect(lineStartingWith(off, 'recoveries:')).toBeUndefined();
    expect(lineStartingWith(on, 'the job:')).toMatch(/^the job: +done: 10 of 10 uploaded \(exit code 0\)$/);
    const recovered = /^recoveries: +recovered (\d+)$/.exec(lineStartingWith(on, 'recoveries:') ?? '')?.[1];
    expect(lineStartingWith(on, 'rejections:')).toBe(
      `rejections:                TokenRefreshRequired ${recovered}`,
    );
    expect(lineStartingWith(on, 'refresh attempts:')).toBe(
      `refresh attempts:          ${Number(recovered) + 1} (assume_role/initial ok 1, assume_role/forced ok ${recovered})`,
    );
  });
});

describe('long-running-uploader (pnpm demo)', () => {
  it('shows the stale job dying of TokenRefreshRequired and the refreshing one finishing', {
    timeout: 90_000,
  }, async () => {
    const run = await runNode(['demo.mjs'], {
      cwd: join(examples, 'long-running-uploader'),
      env: sealedEnvironment({}),
    });
    expect(run.code).toBe(0);
    const [stale, refreshing] = run.stdout.split('\nrefreshing: ') as [string, string];

    expect(lineStartingWith(stale, 'the job:')).toMatch(
      /^the job: +giving up: 2\d of 34 uploaded \(exit code 1\)$/,
    );
    expect(lineStartingWith(stale, 'credential source:')).toMatch(
      /^credential source: +static \((2\d) signed S3 requests: no_expiry \1\)$/,
    );
    expect(lineStartingWith(stale, 'time to expiry at signing:')).toMatch(
      /unknown: 2\d requests signed with a session key that has no expiration/,
    );
    expect(lineStartingWith(stale, 'refresh attempts:')).toMatch(
      /^refresh attempts: +1 \(env\/initial ok 1\)$/,
    );
    expect(lineStartingWith(stale, 'rejections:')).toMatch(/^rejections: +TokenRefreshRequired 3$/);
    expect(lineStartingWith(stale, 'findings:')).toMatch(/^findings: +temporary_without_expiry$/);
    expect(lineStartingWith(stale, 'fix:')).toMatch(
      /^fix: Give the client a credential provider \(fromTemporaryCredentials/,
    );

    expect(lineStartingWith(refreshing, 'the job:')).toMatch(
      /^the job: +done: 34 of 34 uploaded \(exit code 0\)$/,
    );
    expect(lineStartingWith(refreshing, 'credential source:')).toMatch(
      /^credential source: +assume_role \(34 signed S3 requests: valid 34\)$/,
    );
    const ttl = /min (\d+\.\d) s, p50 (\d+\.\d) s$/.exec(
      lineStartingWith(refreshing, 'time to expiry') ?? '',
    );
    // Refreshed 5 minutes before expiry, so every signing had between 300 and 320 seconds left.
    expect(Number(ttl?.[1])).toBeGreaterThanOrEqual(299);
    expect(Number(ttl?.[2])).toBeLessThanOrEqual(320);
    expect(lineStartingWith(refreshing, 'refresh attempts:')).toMatch(
      /^refresh attempts: +2 \(assume_role\/initial ok 1, assume_role\/expiring ok 1\)$/,
    );
    expect(lineStartingWith(refreshing, 'rejections:')).toMatch(/^rejections: +none$/);
    expect(lineStartingWith(refreshing, 'findings:')).toMatch(/^findings: +none$/);
    expect(run.stdout).toContain('full telemetry:            not exported');
    expect(run.stdout).toContain('OTEL_METRICS_EXPORTER=prometheus pnpm demo');
  });
});

describe('container-service', () => {
  it('serves S3 objects with container credentials and shows the rejection in a Prometheus scrape', async () => {
    const run = await runNode(['run.mjs'], {
      cwd: join(examples, 'container-service'),
      env: sealedEnvironment({}),
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').map((line) => line.trim());
    expect(lines.filter((line) => line.startsWith('GET '))).toEqual([
      'GET /reports/daily.csv -> 200 day,uploads',
      'GET /reports/daily.csv -> 200 day,uploads',
      'GET /reports/daily.csv -> 200 day,uploads',
      'GET /reports/daily.csv -> 502 S3 said TokenRefreshRequired',
    ]);
    expect(lines).toContain(
      'aws_credentials_signings_total{aws_credentials_source="container",rpc_service="S3",aws_credentials_expiry_state="valid",aws_credentials_temporary="true"} 4',
    );
    expect(lines).toContain(
      'aws_credentials_refresh_duration_count{aws_credentials_source="container",aws_credentials_refresh_trigger="initial"} 1',
    );
    expect(lines).toContain(
      'aws_credentials_rejections_total{error_type="TokenRefreshRequired",aws_credentials_source="container",rpc_service="S3",aws_credentials_expiry_state="valid"} 1',
    );
  });
});
