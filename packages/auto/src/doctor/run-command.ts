import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredwatchReport } from '../report.js';
import { type Diagnosis, signingSources } from './diagnosis.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Runs the application under credwatch (`--import` of this package's register entry through `NODE_OPTIONS`,
 * so launchers such as `npm start` pass it on) with an exit report, and reads the diagnosis from what its
 * own clients did: the credentials a process builds in code (a cached key triple) are visible only there.
 * Exporters stay off unless the environment chose them: the doctor should not send a backend its test run.
 */
export async function runUnderCredwatch(argv: readonly string[], env: Env): Promise<Diagnosis> {
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-doctor-'));
  const reportFile = join(dir, 'report.json');
  const register = new URL('./register.js', import.meta.url).href;
  try {
    const [file, ...args] = argv as [string, ...string[]];
    const child = spawn(file, args, {
      stdio: 'inherit',
      env: {
        ...env,
        OTEL_TRACES_EXPORTER: env.OTEL_TRACES_EXPORTER ?? 'none',
        OTEL_METRICS_EXPORTER: env.OTEL_METRICS_EXPORTER ?? 'none',
        NODE_OPTIONS: [env.NODE_OPTIONS, `--import=${register}`].filter(Boolean).join(' '),
        CREDWATCH_REPORT: reportFile,
      },
    });
    const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signalName) => resolve([code, signalName]));
    });
    const command = { argv: [...argv], exitCode, signal };
    let report: CredwatchReport;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8'));
    } catch {
      return {
        command,
        sources: [],
        rejections: [],
        findings: [
          {
            kind: 'not_observed',
            message:
              'The command wrote no credwatch report: it is not a Node.js process, or it ended before credwatch could write (a crash, SIGKILL).',
            fix: 'Run the Node.js application itself (node app.js, npm start), and let it end normally.',
          },
        ],
      };
    }
    return summarize(command, report);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarize(command: Diagnosis['command'], report: CredwatchReport): Diagnosis {
  const rejections = new Map<string, number>();
  for (const row of report.rejections)
    rejections.set(row.errorType, (rejections.get(row.errorType) ?? 0) + row.count);
  return {
    ...(command ? { command } : {}),
    sources: signingSources(report),
    rejections: [...rejections].map(([errorType, count]) => ({ errorType, count })),
    findings: report.findings.map(({ kind, message, fix }) => ({ kind, message, fix })),
  };
}
