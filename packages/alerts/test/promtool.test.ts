import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ALERT_NAMES,
  NAMING_PATHS,
  type NamingPath,
  prometheusRules,
  promtoolTests,
  resolveConfig,
} from '../src/index.js';
import { promtool, writeTemp } from './helpers.js';

describe('promtool', () => {
  it('check rules: the shipped rule file loads, and passes every lint as fatal', async () => {
    const { code, output } = await promtool(
      'check',
      'rules',
      '--lint=all',
      '--lint-fatal',
      'prometheus/alerts.yaml',
    );
    expect(output).toContain(`SUCCESS: ${ALERT_NAMES.length} rules found`);
    expect(code).toBe(0);
  });

  it.each(Object.keys(NAMING_PATHS) as NamingPath[])(
    'test rules: every alert fires on a bad series and stays silent on a healthy one (%s names)',
    async (path) => {
      const { code, output } = await promtool('test', 'rules', `tests/${path}.yaml`);
      expect(output).toContain('SUCCESS');
      expect(code).toBe(0);
    },
  );

  it.each([
    ['--margin 120', { margin: 120 }],
    [
      '--window 10m --refresh-storm-per-minute 30 --source-change-lookback 2h',
      {
        window: '10m',
        refreshStormPerMinute: 30,
        sourceChangeLookback: '2h',
      },
    ],
  ])('test rules pass for other parameters too (%s)', async (_name, overrides) => {
    const config = resolveConfig(overrides);
    const dir = writeTemp({
      'alerts.yaml': stringify(prometheusRules(config)),
      'tests.yaml': stringify(promtoolTests(config, 'otlp', 'alerts.yaml')),
    });
    const { code, output } = await promtool('test', 'rules', join(dir, 'tests.yaml'));
    expect(output).toContain('SUCCESS');
    expect(code).toBe(0);
  });

  it('the tests can fail: plain increase() misses a first rejection, and promtool says so', async () => {
    const config = resolveConfig();
    const rules = prometheusRules(config);
    const rule = rules.groups[0]?.rules.find(
      (candidate) => candidate.alert === 'AwsCredentialsTokenRefreshRequired',
    );
    if (!rule) throw new Error('rule missing');
    rule.expr =
      'sum by (job, instance, aws_credentials_source) (increase({__name__=~"aws_credentials_rejections(_total)?", error_type="TokenRefreshRequired"}[5m])) > 0';
    const dir = writeTemp({
      'alerts.yaml': stringify(rules),
      'tests.yaml': stringify(promtoolTests(config, 'pull', 'alerts.yaml')),
    });
    const { code, output } = await promtool('test', 'rules', join(dir, 'tests.yaml'));
    expect(code).toBe(1);
    expect(output).toContain('name: AwsCredentialsTokenRefreshRequired fires (pull names)');
    expect(output.match(/FAILED/g)).toHaveLength(1);
  });

  it('the tests can fail: counting a series absent a window ago pages on old news after every gap', async () => {
    const config = resolveConfig();
    const rules = prometheusRules(config);
    const rule = rules.groups[0]?.rules.find(
      (candidate) => candidate.alert === 'AwsCredentialsTokenRefreshRequired',
    );
    if (!rule) throw new Error('rule missing');
    const S = '{__name__=~"aws_credentials_rejections(_total)?", error_type="TokenRefreshRequired"}';
    const born = `(${S} unless ${S} offset 5m)`;
    rule.expr = `sum by (job, instance, aws_credentials_source) ((increase(${S}[5m]) unless ${born}) or ${born}) > 0`;
    const dir = writeTemp({
      'alerts.yaml': stringify(rules),
      'tests.yaml': stringify(promtoolTests(config, 'pull', 'alerts.yaml')),
    });
    const { code, output } = await promtool('test', 'rules', join(dir, 'tests.yaml'));
    expect(code).toBe(1);
    const failed = [...output.matchAll(/name: (AwsCredentials.+?) \(pull names\)/g)].map((match) => match[1]);
    expect(failed.sort()).toEqual([
      'AwsCredentialsTokenRefreshRequired after Prometheus was down for 30 minutes stays silent',
      'AwsCredentialsTokenRefreshRequired after a 10-minute scrape gap, with the count unchanged, stays silent',
      'AwsCredentialsTokenRefreshRequired after a 2-hour scrape gap, with the count unchanged, stays silent',
      'AwsCredentialsTokenRefreshRequired after staleness markers (the target went away and came back) stays silent',
    ]);
  });
});
