import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@credwatch/emulator';
import { freePort, type RunningNode, sealedEnvironment, startNode } from '@credwatch/test-support';
import { stringify } from 'yaml';
import { prometheusRules, resolveConfig } from '../src/index.js';
import { PACKAGE_DIR, writeTemp } from './helpers.js';

// The parts of a live alerting stack the end-to-end tests share: workers under @credwatch/auto against their
// own emulators, and the Debian-packaged servers (Prometheus, Alertmanager) on loopback.

export interface Worker {
  emulator: Emulator;
  worker: RunningNode;
  port: number;
}

/** A worker (test/fixtures/worker.cjs) under `--require @credwatch/auto/register`, serving a Prometheus scrape. */
export async function startWorker(job: string, vars: Record<string, string> = {}): Promise<Worker> {
  const emulator = await startEmulator({ tokenLifetime: '1h' });
  const port = await freePort();
  const worker = startNode(['--require', '@credwatch/auto/register', 'test/fixtures/worker.cjs'], {
    cwd: PACKAGE_DIR,
    env: sealedEnvironment({
      ...emulator.env('env'),
      WORKER_ROLE_ARN: emulator.roleArn,
      OTEL_SERVICE_NAME: job,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      ...vars,
    }),
  });
  return { emulator, worker, port };
}

export async function stopWorker({ worker, emulator }: Worker): Promise<void> {
  worker.child.kill('SIGTERM');
  await worker.exited.catch(() => undefined);
  await emulator.stop();
}

/** Polls `probe` until it returns something, or fails naming `what`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An alert as Prometheus's `/api/v1/alerts` lists it. */
export interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
}

export interface RulesPrometheus {
  process: ChildProcess;
  /** `data` of a successful answer of its HTTP API at `path`; anything else throws. */
  api<T>(path: string): Promise<T>;
}

/**
 * Prometheus evaluating the pack's rules (default parameters) over `jobs`, each worker scraped as its own job:
 * scrape and evaluation every second.
 */
export async function startPrometheusOver(jobs: Record<string, Worker>): Promise<RulesPrometheus> {
  const port = await freePort();
  const dir = writeTemp({
    'alerts.yaml': stringify(prometheusRules(resolveConfig({ interval: '1s' }))),
    'prometheus.yml': stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['alerts.yaml'],
      scrape_configs: Object.entries(jobs).map(([job, worker]) => ({
        job_name: job,
        static_configs: [{ targets: [`127.0.0.1:${worker.port}`] }],
      })),
    }),
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    process: await startPrometheus(dir, port),
    async api<T>(path: string): Promise<T> {
      const response = await fetch(`${url}${path}`);
      const body = (await response.json()) as { status: string; data: T };
      if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
      return body.data;
    },
  };
}

/** Prometheus on loopback with `<dir>/prometheus.yml`, its data in `<dir>/prom-data`. */
export async function startPrometheus(dir: string, port: number): Promise<ChildProcess> {
  return startServer(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    `http://127.0.0.1:${port}/-/ready`,
  );
}

/** Starts a Debian-packaged server and resolves once `readyUrl` answers 200. */
export async function startServer(binary: string, args: string[], readyUrl: string): Promise<ChildProcess> {
  const server = spawn(binary, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await until(`${binary} to be ready`, async () => {
    const ready = await fetch(readyUrl).catch(() => undefined);
    return ready?.ok ? true : undefined;
  });
  return server;
}
