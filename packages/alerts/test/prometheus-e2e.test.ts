import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type PromAlert,
  type RulesPrometheus,
  startPrometheusOver,
  startWorker,
  stopWorker,
  until,
  type Worker,
} from './live-stack.js';

// A real Prometheus (the Debian package) scrapes two workers instrumented by @credwatch/auto, each against
// its own emulator: one healthy, one whose sessions S3 stops accepting. The pack's rules, evaluated every
// second (the `interval` parameter), must fire for the second and stay silent for the first.
let prometheus: RulesPrometheus;
let healthy: Worker;
let failing: Worker;

beforeAll(async () => {
  [healthy, failing] = await Promise.all([startWorker('healthy-worker'), startWorker('failing-worker')]);
  await Promise.all([healthy.worker.printed('uploading'), failing.worker.printed('uploading')]);
  prometheus = await startPrometheusOver({ 'healthy-worker': healthy, 'failing-worker': failing });
});

afterAll(async () => {
  prometheus?.process.kill('SIGTERM');
  await Promise.all([healthy, failing].filter(Boolean).map(stopWorker));
});

it('AwsCredentialsTokenRefreshRequired reaches firing for the failing worker only; the healthy one stays silent', async () => {
  // Both workers are scraped and signing before anything goes wrong.
  await until('both workers to be scraped', async () => {
    const result = await prometheus.api<{ result: unknown[] }>(
      `/api/v1/query?query=${encodeURIComponent('sum by (job) (aws_credentials_signings_total{rpc_service="S3"}) > 0')}`,
    );
    return result.result.length === 2 ? true : undefined;
  });

  failing.emulator.faults.requireRefresh();
  await failing.worker.printed('first-rejection');
  const [, firstRejection, errorName] = /first-rejection (\d+) (\w+)/.exec(failing.worker.stdout()) ?? [];
  expect(errorName).toBe('TokenRefreshRequired');

  const firing = await until('the alert to fire', async () => {
    const { alerts } = await prometheus.api<{ alerts: PromAlert[] }>('/api/v1/alerts');
    return alerts.find(
      (alert) => alert.state === 'firing' && alert.labels.alertname === 'AwsCredentialsTokenRefreshRequired',
    );
  });
  const firedAfterMs = Date.now() - Number(firstRejection);
  console.log(`first TokenRefreshRequired to firing: ${firedAfterMs} ms (scrape and evaluation every 1 s)`);

  expect(firing.labels).toEqual({
    alertname: 'AwsCredentialsTokenRefreshRequired',
    severity: 'critical',
    job: 'failing-worker',
    instance: `127.0.0.1:${failing.port}`,
    aws_credentials_source: 'assume_role',
  });

  // The healthy worker has run as long: nothing about it is firing or even pending.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const { alerts } = await prometheus.api<{ alerts: PromAlert[] }>('/api/v1/alerts');
  expect(alerts.filter((alert) => alert.labels.job === 'healthy-worker')).toEqual([]);
  expect(
    alerts.map((alert) => `${alert.labels.alertname} ${alert.labels.job} ${alert.state}`).sort(),
  ).toEqual(['AwsCredentialsTokenRefreshRequired failing-worker firing']);
});
