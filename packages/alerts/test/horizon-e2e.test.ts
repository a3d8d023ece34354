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

// The horizon alerts on live processes: a real Prometheus evaluates the shipped rules (every second) over four
// workers under @credwatch/auto, each with its own emulator whose clock is set back, so the one-hour sessions
// STS issues have minutes left in real time:
// - busy: refreshing credentials, 3 minutes left, the SDK refreshing inside its window at every request;
// - idle: the same credentials, one upload, then nothing: held inside the window, nothing refreshing;
// - failing: refreshing credentials inside the window, every STS refresh refused from some point on;
// - triple: a key triple with its expiration, 10 minutes left, nothing to refresh it.
// Only the failing and triple workers may page or warn about expiry, each with its own alert.
const HORIZON_ALERTS = [
  'AwsCredentialsUnrefreshableExpiringSoon',
  'AwsCredentialsUnrefreshableExpiring',
  'AwsCredentialsExpiringRefreshFailing',
];

let prometheus: RulesPrometheus;
const workers: Record<'busy' | 'idle' | 'failing' | 'triple', Worker> = {} as never;

async function alerts(): Promise<PromAlert[]> {
  return (await prometheus.api<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
}

/** A worker whose emulator issues sessions that have `minutesLeft` of their hour left now. */
async function workerWith(
  name: keyof typeof workers,
  minutesLeft: number,
  vars: Record<string, string> = {},
) {
  const worker = await startWorker(`${name}-worker`, vars);
  worker.emulator.clock.advance(-(60 - minutesLeft) * 60);
  workers[name] = worker;
  return worker;
}

beforeAll(async () => {
  await Promise.all([
    workerWith('failing', 3),
    workerWith('busy', 3),
    workerWith('idle', 3, { WORKER_UPLOADS: '1' }),
    workerWith('triple', 10, { WORKER_CREDENTIALS: 'triple-with-expiration' }),
  ]);
  // The failing worker signs with a good session, then every refresh is refused while it keeps trying.
  await workers.failing.worker.printed('uploading');
  workers.failing.emulator.faults.failNext(
    'sts:AssumeRole',
    { type: 'error', status: 403, code: 'AccessDenied' },
    100_000,
  );
  await Promise.all([
    workers.failing.worker.printed('first-rejection'),
    workers.busy.worker.printed('uploading'),
    workers.idle.worker.printed('idle'),
    workers.triple.worker.printed('uploading'),
  ]);
  prometheus = await startPrometheusOver(
    Object.fromEntries(Object.entries(workers).map(([name, worker]) => [`${name}-worker`, worker])),
  );
});

afterAll(async () => {
  prometheus?.process.kill('SIGTERM');
  await Promise.all(Object.values(workers).map(stopWorker));
});

it('warns for the triple and pages for the failing refresh; silent for the busy and the idle worker', async () => {
  const horizon = (all: PromAlert[]) =>
    all
      .filter((alert) => HORIZON_ALERTS.includes(alert.labels.alertname as string))
      .map(
        (alert) =>
          `${alert.labels.alertname} ${alert.labels.job} ${alert.labels.aws_credentials_source} ${alert.state}`,
      )
      .sort();
  const expected = [
    'AwsCredentialsExpiringRefreshFailing failing-worker assume_role firing',
    'AwsCredentialsUnrefreshableExpiringSoon triple-worker static firing',
  ];
  await until('the horizon alerts to fire', async () => {
    const now = horizon(await alerts());
    return expected.every((line) => now.includes(line)) ? true : undefined;
  });
  // Several more evaluations: nothing else about expiry, for any worker, in any state.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  expect(horizon(await alerts())).toEqual(expected);
});
