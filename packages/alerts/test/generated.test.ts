import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  TIME_TO_EXPIRY_BUCKETS as CONTRACT_BUCKETS,
  METRIC_CLIENTS,
  METRIC_EXPIRATION,
  METRIC_FINDINGS,
  METRIC_REFRESH_DURATION,
  METRIC_REJECTIONS,
  METRIC_SIGNINGS,
  METRIC_TIME_TO_EXPIRY,
} from '@credwatch/instrumentation';
import { markdownTable } from '@credwatch/test-support';
import { describe, expect, it } from 'vitest';
import { NAMING_PATHS, renderPack, resolveConfig, TIME_TO_EXPIRY_BUCKETS } from '../src/index.js';
import { PACKAGE_DIR } from './helpers.js';

describe('the checked-in pack', () => {
  const files = renderPack(resolveConfig());

  it('is what the definitions generate with the default parameters (run `pnpm generate` after a change)', () => {
    expect(Object.keys(files).sort()).toEqual([
      'alertmanager/inhibit-rules.yaml',
      'grafana/alert-rules.yaml',
      'grafana/dashboard.json',
      'prometheus/alerts.yaml',
      'tests/mimir.yaml',
      'tests/otlp.yaml',
      'tests/pull.yaml',
    ]);
    for (const [path, text] of Object.entries(files)) {
      expect(readFileSync(join(PACKAGE_DIR, path), 'utf8'), path).toBe(text);
    }
  });
});

describe('the telemetry contract', () => {
  /** The Prometheus name of an OpenTelemetry metric, before suffixes. */
  const base = (name: string) => name.replaceAll('.', '_');

  it('names every metric as the instrumentation does, on all three paths', () => {
    expect(NAMING_PATHS).toEqual({
      pull: {
        signings: `${base(METRIC_SIGNINGS)}_total`,
        rejections: `${base(METRIC_REJECTIONS)}_total`,
        timeToExpiryBucket: `${base(METRIC_TIME_TO_EXPIRY)}_bucket`,
        refreshCount: `${base(METRIC_REFRESH_DURATION)}_count`,
        expiration: base(METRIC_EXPIRATION),
        clients: base(METRIC_CLIENTS),
        findings: `${base(METRIC_FINDINGS)}_total`,
      },
      otlp: {
        signings: `${base(METRIC_SIGNINGS)}_total`,
        rejections: `${base(METRIC_REJECTIONS)}_total`,
        timeToExpiryBucket: `${base(METRIC_TIME_TO_EXPIRY)}_seconds_bucket`,
        refreshCount: `${base(METRIC_REFRESH_DURATION)}_seconds_count`,
        expiration: `${base(METRIC_EXPIRATION)}_seconds`,
        clients: base(METRIC_CLIENTS),
        findings: `${base(METRIC_FINDINGS)}_total`,
      },
      mimir: {
        signings: base(METRIC_SIGNINGS),
        rejections: base(METRIC_REJECTIONS),
        timeToExpiryBucket: `${base(METRIC_TIME_TO_EXPIRY)}_bucket`,
        refreshCount: `${base(METRIC_REFRESH_DURATION)}_count`,
        expiration: base(METRIC_EXPIRATION),
        clients: base(METRIC_CLIENTS),
        findings: base(METRIC_FINDINGS),
      },
    });
  });

  it('names every series as docs/telemetry.md does, on all three paths', () => {
    const doc = readFileSync(join(PACKAGE_DIR, '..', '..', 'docs', 'telemetry.md'), 'utf8');
    const rows = markdownTable(doc, 'As Prometheus stores them');
    const byMetric = Object.fromEntries(rows.map(([metric, ...names]) => [metric, names]));
    const series = {
      signings: METRIC_SIGNINGS,
      rejections: METRIC_REJECTIONS,
      timeToExpiryBucket: METRIC_TIME_TO_EXPIRY,
      refreshCount: METRIC_REFRESH_DURATION,
      expiration: METRIC_EXPIRATION,
      clients: METRIC_CLIENTS,
      findings: METRIC_FINDINGS,
    } as const;
    for (const [index, path] of (['pull', 'otlp', 'mimir'] as const).entries()) {
      for (const [key, metric] of Object.entries(series)) {
        expect(byMetric[metric]?.[index], `${path} ${metric}`).toBe(
          NAMING_PATHS[path][key as keyof typeof series],
        );
      }
    }
  });

  it('uses the instrumentation time_to_expiry buckets', () => {
    expect([...TIME_TO_EXPIRY_BUCKETS]).toEqual(CONTRACT_BUCKETS);
  });
});
