import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DURATION, durationSeconds } from '../src/duration.js';
import { ALERT_NAMES, alertDefinitions, prometheusRules, resolveConfig } from '../src/index.js';
import { PACKAGE_DIR } from './helpers.js';

// The monitoring-mixins style guide and `mixtool lint`, as tests on the generated rules.
const config = resolveConfig();
const rules = prometheusRules(config).groups.flatMap((group) => group.rules);
describe.each(rules.map((rule) => [rule.alert, rule] as const))('%s', (name, rule) => {
  it('is CamelCase with the shared AwsCredentials prefix', () => {
    expect(name).toMatch(/^([A-Z]+[a-z0-9]+)+$/);
    expect(name).toMatch(/^AwsCredentials[A-Z]/);
  });

  it('has a critical, warning or info severity and no other label', () => {
    expect(Object.keys(rule.labels)).toEqual(['severity']);
    expect(['critical', 'warning', 'info']).toContain(rule.labels.severity);
  });

  it('has a static one-sentence summary and a templated description', () => {
    expect(rule.annotations.summary).toMatch(/^[A-Z][^{}]+\.$/);
    expect(rule.annotations.description).toMatch(/\{\{ \$labels\.\w+ \}\}/);
    expect(rule.annotations.description).toMatch(/\.$/);
  });

  it('links to its own runbook, which exists, and to the dashboard', () => {
    expect(rule.annotations.runbook_url).toBe(`${config.runbookUrl}/${name}.md`);
    expect(existsSync(join(PACKAGE_DIR, 'runbooks', `${name}.md`))).toBe(true);
    expect(rule.annotations.dashboard_url).toBe(`${config.grafanaUrl}/d/credwatch-aws-credentials`);
  });

  it('uses the configured window in every range, at least 2m (four scrapes at the usual 30s), and the history only to find the last value before it', () => {
    const ranges = [...rule.expr.matchAll(/\[([^\]]+)\]/g)].map((match) => match[1] as string);
    // A horizon alert on the expiration gauge alone compares its latest value with the clock, and a finding
    // is counted once per process and read while the process is scraped: no range.
    if (!/^AwsCredentials(Unrefreshable|CompetingSources)/.test(name))
      expect(ranges.length).toBeGreaterThan(0);
    for (const range of ranges) {
      expect([config.window, config.history]).toContain(range);
      expect(durationSeconds(range)).toBeGreaterThanOrEqual(120);
    }
    const occurrences = (text: string) => rule.expr.split(text).length - 1;
    const inHistory = occurrences(`[${config.history}]`);
    expect(occurrences(`[${config.history}] offset ${config.window})`)).toBe(inHistory);
    expect(occurrences('last_over_time(')).toBe(inHistory);
  });

  it('has a valid `for`, at least the window when it thresholds a rate, and none over 1h', () => {
    if (rule.for !== undefined) {
      expect(rule.for).toMatch(DURATION);
      expect(durationSeconds(rule.for)).toBeLessThanOrEqual(3600);
    }
    if (/\brate\(/.test(rule.expr))
      expect(durationSeconds(rule.for ?? '0s')).toBeGreaterThanOrEqual(durationSeconds(config.window));
  });

  it('aggregates by job and instance (or by job, for the per-job source mix)', () => {
    const groupings = [...rule.expr.matchAll(/(?:sum|count|min|max) by \(([^)]*)\)/g)].map(
      (match) => match[1] as string,
    );
    expect(groupings.length).toBeGreaterThan(0);
    for (const grouping of groupings) expect(grouping).toMatch(/^job\b/);
    if (name !== 'AwsCredentialsSourceChanged') expect(groupings[0]).toMatch(/^job, instance\b/);
  });

  it('matches every naming path: no metric is selected by a single literal name', () => {
    expect(rule.expr).not.toMatch(/\baws_credentials_\w+\{/);
    expect(rule.expr).toMatch(/__name__=~"aws_credentials_/);
  });
});

describe('the pack as a whole', () => {
  it('has one runbook per alert and no orphan runbook', () => {
    const runbooks = readdirSync(join(PACKAGE_DIR, 'runbooks')).map((file) => file.replace(/\.md$/, ''));
    expect(runbooks.sort()).toEqual(rules.map((rule) => rule.alert).sort());
  });

  it('has the alerts the issue names, with their severities', () => {
    expect(Object.fromEntries(alertDefinitions(config).map((alert) => [alert.name, alert.severity]))).toEqual(
      {
        AwsCredentialsTokenRefreshRequired: 'critical',
        AwsCredentialsExpiredTokenRejected: 'critical',
        AwsCredentialsSignedWhileExpired: 'critical',
        AwsCredentialsSignedNearExpiry: 'warning',
        AwsCredentialsRefreshFailing: 'warning',
        AwsCredentialsRefreshStorm: 'warning',
        AwsCredentialsSessionWithoutExpiry: 'warning',
        AwsCredentialsSourceChanged: 'info',
        AwsCredentialsUnrefreshableExpiringSoon: 'warning',
        AwsCredentialsUnrefreshableExpiring: 'critical',
        AwsCredentialsExpiringRefreshFailing: 'critical',
        AwsCredentialsTelemetryMissing: 'warning',
        AwsCredentialsCompetingSources: 'info',
      },
    );
  });

  it('keeps every alert name a release shipped (the ratchet: users route and silence by these names)', () => {
    const shipped = {
      '0.1.0': [
        'AwsCredentialsTokenRefreshRequired',
        'AwsCredentialsExpiredTokenRejected',
        'AwsCredentialsSignedWhileExpired',
        'AwsCredentialsSignedNearExpiry',
        'AwsCredentialsRefreshFailing',
        'AwsCredentialsRefreshStorm',
        'AwsCredentialsSessionWithoutExpiry',
        'AwsCredentialsSourceChanged',
      ],
    };
    for (const names of Object.values(shipped)) expect(ALERT_NAMES).toEqual(expect.arrayContaining(names));
    expect(alertDefinitions(config).map((alert) => alert.name)).toEqual([...ALERT_NAMES]);
  });
});
