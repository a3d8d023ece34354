import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredwatchReport } from '@credwatch/auto';
import { startEmulator } from '@credwatch/emulator';
import {
  emulatorSecrets,
  findSecrets,
  type NodeRun,
  sealedEnvironment,
  startNode,
} from '@credwatch/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matrixTable, SCENARIOS, type Scenario } from './reliability/scenarios.js';

// The differential fault matrix: every scenario runs three times on a fresh emulator, bare and under
// @credwatch/auto (`--require` with the CommonJS app, `--import` with the ESM one). The app's output, exit and
// stderr, and the emulator's call and error counts, must be identical; the exit report of each instrumented
// run must tell the truth about the fault. docs/reliability.md lists the scenarios.

type Mode = 'bare' | 'require' | 'import';
const ARGS: Record<Mode, string[]> = {
  bare: ['reliability/app.cjs'],
  require: ['--require', '@credwatch/auto/register', 'reliability/app.cjs'],
  import: ['--import', '@credwatch/auto/register', 'reliability/app.mjs'],
};
const SHUTDOWN_TIMEOUT_MS = 1000;

interface Outcome {
  run: NodeRun;
  calls: Record<string, number>;
  errors: Record<string, number>;
  report: CredwatchReport | undefined;
  elapsedMs: number;
  secrets: string[];
}

/** OTLP endpoints that misbehave: one refusing connections, one answering 500, one never answering. */
const collectors = {} as Record<NonNullable<Scenario['instrumentedEnv']>, string>;
const servers: Server[] = [];

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  collectors['collector-failing'] = await listen((_request, response) => response.writeHead(500).end());
  collectors['collector-hanging'] = await listen(() => {});
  const closed = await listen(() => {});
  const last = servers.pop() as Server;
  last.closeAllConnections();
  await new Promise((resolve) => last.close(resolve));
  collectors['collector-refusing'] = closed;
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function runScenario(scenario: Scenario, mode: Mode): Promise<Outcome> {
  const emulator = await startEmulator({ tokenLifetime: '1h', ...scenario.emulator });
  const dir = mkdtempSync(join(tmpdir(), `credwatch-reliability-${scenario.name}-`));
  try {
    const report = join(dir, 'report.json');
    const env = sealedEnvironment({
      ...emulator.env(scenario.route ?? 'env'),
      APP_ROLE_ARN: emulator.roleArn,
      APP_BUCKET: 'reliability',
      CONTROL_URL: emulator.urls.control.replace(/\/$/, ''),
      RELIABILITY_CREDENTIALS: scenario.credentials,
      RELIABILITY_STEPS: scenario.steps.join(';'),
      ...scenario.env,
      ...(mode === 'bare'
        ? {}
        : {
            CREDWATCH_REPORT: report,
            CREDWATCH_SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_MS),
            ...(scenario.instrumentedEnv
              ? {
                  OTEL_EXPORTER_OTLP_ENDPOINT: collectors[scenario.instrumentedEnv],
                  OTEL_EXPORTER_OTLP_TIMEOUT: '500',
                }
              : { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }),
          }),
    });
    if (scenario.credentials === 'process') {
      // The default chain finds the profile's credential_process once no key is in the environment.
      env.RELIABILITY_PROCESS_KEY_ID = env.AWS_ACCESS_KEY_ID as string;
      env.RELIABILITY_PROCESS_SECRET = env.AWS_SECRET_ACCESS_KEY as string;
      delete env.AWS_ACCESS_KEY_ID;
      delete env.AWS_SECRET_ACCESS_KEY;
      const script = join(import.meta.dirname, 'reliability', 'credential-process.cjs');
      writeFileSync(
        env.AWS_CONFIG_FILE as string,
        `[default]\ncredential_process = ${process.execPath} ${script}\n`,
      );
    }
    scenario.arrange?.(emulator, env);
    const started = performance.now();
    const app = startNode(ARGS[mode], { env, cwd: import.meta.dirname });
    if (scenario.signal) {
      const { name, after } = scenario.signal;
      await app.printed(after);
      app.child.kill(name);
    }
    const run = await app.exited;
    const elapsedMs = performance.now() - started;
    const { calls, errors } = emulator.stats.snapshot();
    const written =
      mode === 'bare' ? undefined : (JSON.parse(readFileSync(report, 'utf8')) as CredwatchReport);
    const secrets = findSecrets(
      [run.stdout, run.stderr, JSON.stringify(written ?? {})],
      emulatorSecrets([emulator]),
    );
    return { run, calls, errors, report: written, elapsedMs, secrets };
  } finally {
    await emulator.stop();
  }
}

describe.concurrent('the differential fault matrix', () => {
  it.each(SCENARIOS)('$name: same outcome bare and instrumented, telemetry true', async (scenario) => {
    const bare = await runScenario(scenario, 'bare');
    const context = (outcome: Outcome) => `${scenario.name}: ${JSON.stringify(outcome.run)}`;
    if (scenario.signal) {
      expect(bare.run, context(bare)).toMatchObject({ code: null, signal: scenario.signal.name });
    } else {
      expect(bare.run.code, context(bare)).toBe(0);
      expect(bare.run.stderr, context(bare)).toBe('');
    }
    if (Array.isArray(scenario.output)) expect(bare.run.stdout).toBe(`${JSON.stringify(scenario.output)}\n`);
    else
      expect(bare.run.stdout.trim() === '' ? bare.run.stdout : bare.run.stdout.trim()).toMatch(
        scenario.output,
      );

    for (const mode of ['require', 'import'] as const) {
      const instrumented = await runScenario(scenario, mode);
      expect(instrumented.run, `${mode} ${context(instrumented)}`).toEqual(bare.run);
      // A signal lands at a different point of the burst in each run: only the exit is compared.
      if (!scenario.signal) {
        expect(instrumented.calls, `${mode}: emulator calls`).toEqual(bare.calls);
        expect(instrumented.errors, `${mode}: emulator errors`).toEqual(bare.errors);
      }
      expect(instrumented.secrets).toEqual([]);
      expect(instrumented.report, `${mode}: exit report`).toBeDefined();
      scenario.telemetry(instrumented.report as CredwatchReport, instrumented.calls);
      if (scenario.instrumentedEnv) {
        expect(instrumented.elapsedMs, `${mode}: ends within the shutdown bound`).toBeLessThan(
          bare.elapsedMs + SHUTDOWN_TIMEOUT_MS + 2000,
        );
      }
    }
  });
});

describe('docs/reliability.md', () => {
  const doc = join(import.meta.dirname, '..', 'docs', 'reliability.md');
  it('lists every scenario of the matrix, with what is compared and what telemetry must say', () => {
    const text = readFileSync(doc, 'utf8');
    const block = /<!-- matrix:start -->\n*([\s\S]*?)\n*<!-- matrix:end -->/;
    if (process.env.UPDATE_RELIABILITY_DOC) {
      writeFileSync(
        doc,
        text.replace(block, `<!-- matrix:start -->\n\n${matrixTable()}\n\n<!-- matrix:end -->`),
      );
      return;
    }
    const table = block.exec(text)?.[1];
    // Compared cell by cell: the formatter pads the columns.
    const cells = (markdown: string | undefined) =>
      (markdown ?? '').split('\n').map((line) =>
        line
          .split(/(?<!\\)\|/)
          .map((cell) => cell.trim().replace(/^-+$/, '---'))
          .join('|'),
      );
    expect(cells(table)).toEqual(cells(matrixTable()));
  });
});
