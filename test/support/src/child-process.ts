import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The environment for a child process that must see only the AWS and OpenTelemetry settings a test gives it:
 * the parent's `AWS_*`, `OTEL_*` and `CREDWATCH_*` variables are dropped and HOME points at an empty directory.
 */
export function sealedEnvironment(vars: Record<string, string>): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'credwatch-child-home-'));
  const inherited = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined && !/^(AWS_|OTEL_|CREDWATCH_|NODE_OPTIONS$|VITEST)/.test(entry[0]),
  );
  return {
    ...Object.fromEntries(inherited),
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    ...vars,
  };
}

export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningNode {
  child: ChildProcess;
  /** Resolves when `stdout` has printed a line containing `text`. */
  printed(text: string): Promise<void>;
  /** Everything printed on stdout so far. */
  stdout(): string;
  exited: Promise<NodeRun>;
}

/** Starts `node …args` (the Node running the tests) and collects its output. */
export function startNode(
  args: string[],
  options: { env: Record<string, string>; cwd: string },
): RunningNode {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of waiters.filter(({ text }) => stdout.includes(text))) waiter.resolve();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<NodeRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    printed: (text) =>
      stdout.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void exited.then((run) =>
              reject(new Error(`exited before printing "${text}": ${JSON.stringify(run)}`)),
            );
          }),
    exited,
  };
}

/** Runs `node …args` to completion. */
export function runNode(
  args: string[],
  options: { env: Record<string, string>; cwd: string },
): Promise<NodeRun> {
  return startNode(args, options).exited;
}
