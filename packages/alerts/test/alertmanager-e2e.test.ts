import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@credwatch/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { prometheusRules, resolveConfig } from '../src/index.js';
import { PACKAGE_DIR, writeTemp } from './helpers.js';
import { startPrometheus, startServer, startWorker, stopWorker, until, type Worker } from './live-stack.js';

// The whole path after the instrumentation: two workers under @credwatch/auto, a real Prometheus evaluating
// the pack's rules, a real Alertmanager (Debian's prometheus-alertmanager) with the pack's inhibit rules and a
// routing tree, and a webhook receiver here. The failing worker caches its AssumeRole output as a key triple,
// so once S3 wants a refresh it fires a critical (TokenRefreshRequired) and a warning (SessionWithoutExpiry)
// for the same job, instance and source: the critical must arrive, the warning must be inhibited, the healthy
// worker must send nothing, and the critical must resolve once the failing worker is replaced.

interface Notification {
  status: 'firing' | 'resolved';
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

const config = resolveConfig({ interval: '1s' });
const notifications: { at: number; body: Notification }[] = [];
let receiver: Server;
let prometheus: ChildProcess;
let alertmanager: ChildProcess;
let healthy: Worker;
let failing: Worker;
let dir: string;
let goFile: string;

/** The shipped inhibit rules under a route that sends everything to the test's webhook, fast. */
function alertmanagerConfig(webhook: string): string {
  const shipped = parse(readFileSync(join(PACKAGE_DIR, 'alertmanager', 'inhibit-rules.yaml'), 'utf8'));
  return stringify({
    route: {
      receiver: 'webhook',
      group_by: ['alertname', 'job', 'instance', 'aws_credentials_source'],
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1h',
    },
    receivers: [{ name: 'webhook', webhook_configs: [{ url: webhook, send_resolved: true }] }],
    ...shipped,
  });
}

async function amtool(...args: string[]): Promise<{ code: number; output: string }> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) =>
    execFile('amtool', args, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      notifications.push({ at: Date.now(), body: JSON.parse(body) as Notification });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;

  dir = writeTemp({ 'alertmanager.yml': alertmanagerConfig(webhook) });
  goFile = join(dir, 'go');
  [healthy, failing] = await Promise.all([
    startWorker('healthy-worker'),
    startWorker('failing-worker', { WORKER_CREDENTIALS: 'triple', WORKER_GO_FILE: goFile }),
  ]);
  await Promise.all([healthy.worker.printed('uploading'), failing.worker.printed('credentials ready')]);

  const [amPort, promPort] = [await freePort(), await freePort()];
  alertmanager = await startServer(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    `http://127.0.0.1:${amPort}/-/ready`,
  );
  writeFileSync(join(dir, 'alerts.yaml'), stringify(prometheusRules(config)));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['alerts.yaml'],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      scrape_configs: [
        { job_name: 'healthy-worker', static_configs: [{ targets: [`127.0.0.1:${healthy.port}`] }] },
        { job_name: 'failing-worker', static_configs: [{ targets: [`127.0.0.1:${failing.port}`] }] },
      ],
    }),
  );
  prometheus = await startPrometheus(dir, promPort);
}, 60_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  alertmanager?.kill('SIGTERM');
  await Promise.all([healthy, failing].filter(Boolean).map(stopWorker));
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

it('amtool accepts the shipped inhibit rules in a configuration', async () => {
  const { code, output } = await amtool('check-config', join(dir, 'alertmanager.yml'));
  expect(output).toContain('SUCCESS');
  expect(output).toContain(' - 1 inhibit rules');
  expect(code).toBe(0);
});

it('the failing worker pages once through Alertmanager, its warning is inhibited, and it resolves', async () => {
  // S3 wants every session issued so far refreshed; then the triple worker starts signing with its session.
  failing.emulator.faults.requireRefresh();
  writeFileSync(goFile, '');
  await failing.worker.printed('first-rejection');
  const firstRejection = Number(/first-rejection (\d+)/.exec(failing.worker.stdout())?.[1]);

  const firing = await until('the critical notification', async () =>
    notifications.find((notification) => notification.body.status === 'firing'),
  );
  console.log(
    `first TokenRefreshRequired to the webhook: ${firing.at - firstRejection} ms (scrape and evaluation 1 s, group_wait 1 s)`,
  );
  expect(firing.body.alerts).toEqual([
    {
      status: 'firing',
      labels: {
        alertname: 'AwsCredentialsTokenRefreshRequired',
        severity: 'critical',
        job: 'failing-worker',
        instance: `127.0.0.1:${failing.port}`,
        aws_credentials_source: 'static',
      },
      annotations: expect.objectContaining({
        runbook_url: `${config.runbookUrl}/AwsCredentialsTokenRefreshRequired.md`,
        dashboard_url: `${config.grafanaUrl}/d/credwatch-aws-credentials`,
        summary: 'S3 rejects requests because the signing session must be refreshed.',
      }),
      ...{ startsAt: expect.any(String), endsAt: expect.any(String), generatorURL: expect.any(String) },
      fingerprint: expect.any(String),
    },
  ]);

  // Prometheus fires the warning too (a session key without expiration, same job/instance/source); the
  // critical inhibits it in Alertmanager. The healthy worker sends nothing.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const sent = notifications.flatMap((notification) => notification.body.alerts.map((alert) => alert.labels));
  expect(sent.map((labels) => `${labels.alertname} ${labels.job}`)).toEqual([
    'AwsCredentialsTokenRefreshRequired failing-worker',
  ]);

  // The failing worker is replaced by one with refreshing credentials on the same port: its static series go
  // stale, the alert ends, and Alertmanager says so.
  failing.worker.child.kill('SIGTERM');
  await failing.worker.exited;
  const resolved = await until(
    'the resolved notification',
    async () => notifications.find((notification) => notification.body.status === 'resolved'),
    60_000,
  );
  expect(
    resolved.body.alerts.map((alert) => [alert.status, alert.labels.alertname, alert.labels.job]),
  ).toEqual([['resolved', 'AwsCredentialsTokenRefreshRequired', 'failing-worker']]);
}, 120_000);
