import { spawn, spawnSync } from 'node:child_process';

/** Whether valgrind is installed (the instruction-count suites report themselves skipped without it). */
export function hasValgrind(): boolean {
  return spawnSync('valgrind', ['--version']).status === 0;
}

/**
 * Runs `node …nodeArgs` under callgrind and resolves with the instructions it executed and its stdout. V8 runs
 * single-threaded (its background compiler and GC threads would add work that differs from run to run) with
 * fixed hash and random seeds (per-process otherwise).
 */
export function countInstructions(
  nodeArgs: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ instructions: number; stdout: string }> {
  const args = [
    '--tool=callgrind',
    '--callgrind-out-file=/dev/null',
    process.execPath,
    '--single-threaded',
    '--hash-seed=1',
    '--random-seed=1',
    ...nodeArgs,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const collected = /Collected : (\d+)/.exec(stderr)?.[1];
      if (code !== 0 || collected === undefined) {
        reject(new Error(`callgrind node ${nodeArgs.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      resolve({ instructions: Number(collected), stdout });
    });
  });
}
