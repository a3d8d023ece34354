import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PACKAGE_DIR, writeTemp } from './helpers.js';

const CLI = join(PACKAGE_DIR, 'dist/cli.js');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('credwatch-alerts', () => {
  it('prints one artifact with the given parameters', async () => {
    const { code, stdout } = await cli(
      'prometheus',
      '--margin',
      '120',
      '--runbook-url',
      'https://wiki.example/runbooks/',
    );
    expect(code).toBe(0);
    const rule = parse(stdout).groups[0].rules.find(
      (candidate: { alert: string }) => candidate.alert === 'AwsCredentialsSignedNearExpiry',
    );
    expect(rule.expr).toContain('le=~"120(\\\\.0)?"');
    expect(rule.annotations.description).toContain('at most 120s left');
    expect(rule.annotations.runbook_url).toBe(
      'https://wiki.example/runbooks/AwsCredentialsSignedNearExpiry.md',
    );
  });

  it('sets the horizons of credentials nothing will refresh', async () => {
    const { code, stdout } = await cli(
      'prometheus',
      '--unrefreshable-warn-before',
      '1h',
      '--unrefreshable-page-before',
      '10m',
    );
    expect(code).toBe(0);
    const rules = parse(stdout).groups[0].rules as {
      alert: string;
      expr: string;
      annotations: { description: string };
    }[];
    const rule = (name: string) => rules.find((candidate) => candidate.alert === name);
    expect(rule('AwsCredentialsUnrefreshableExpiringSoon')?.expr).toMatch(/ - time\(\) < 3600$/);
    expect(rule('AwsCredentialsUnrefreshableExpiringSoon')?.annotations.description).toContain('alert at 1h');
    expect(rule('AwsCredentialsUnrefreshableExpiring')?.expr).toMatch(/ - time\(\) < 600$/);
  });

  it('fills in the Grafana datasource and folder', async () => {
    const { code, stdout } = await cli(
      'grafana',
      '--datasource-uid',
      'mimir-prod',
      '--folder',
      'Platform/AWS',
    );
    expect(code).toBe(0);
    const group = parse(stdout).groups[0];
    expect(group.folder).toBe('Platform/AWS');
    expect(
      new Set(group.rules.map((rule: { data: { datasourceUid: string }[] }) => rule.data[0]?.datasourceUid)),
    ).toEqual(new Set(['mimir-prod']));
  });

  it('writes every file with --out, the same as the checked-in pack for the defaults', async () => {
    const dir = writeTemp({});
    const { code, stderr } = await cli('all', '--out', dir);
    expect(code).toBe(0);
    expect(stderr.trim().split('\n')).toHaveLength(7);
    expect(readdirSync(dir).sort()).toEqual(['alertmanager', 'grafana', 'prometheus', 'tests']);
    expect(readFileSync(join(dir, 'grafana/dashboard.json'), 'utf8')).toBe(
      readFileSync(join(PACKAGE_DIR, 'grafana/dashboard.json'), 'utf8'),
    );
  });

  it.each([
    [
      ['prometheus', '--margin', '90'],
      '--margin: must be a time_to_expiry bucket bound in seconds: 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200',
    ],
    [['prometheus', '--margin', 'soon'], '--margin: expected a number, got "soon"'],
    [
      ['prometheus', '--window', '5 minutes'],
      '--window: "5 minutes" is not a Prometheus duration such as 5m or 1h',
    ],
    [['grafana', '--datasource-uid', ' '], '--datasource-uid: must not be empty'],
    [
      ['prometheus', '--unrefreshable-page-before', '20m'],
      "--unrefreshable-page-before: must be shorter than the warning's 15m: the warning comes first",
    ],
    [
      ['prometheus', '--runbook-url', 'wiki/runbooks'],
      '--runbook-url: "wiki/runbooks" is not an http(s) URL',
    ],
    [['prometheus', '--treshold', '3'], "Unknown option '--treshold'"],
    [
      ['pagerduty'],
      'expected one of prometheus, grafana, alertmanager, dashboard, tests, all, got "pagerduty"',
    ],
    [['all'], '"all" writes several files: give --out <dir>'],
  ])('%j fails with exit code 2 and names the problem', async (args, message) => {
    const { code, stdout, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toContain(`credwatch-alerts: ${message}`);
    expect(stderr).toContain('usage: credwatch-alerts <prometheus|grafana|alertmanager|dashboard|tests|all>');
  });
});
