import { runNode as runChild } from '@credwatch/test-support';

/** The stdout of `node …args`; a non-zero exit rejects with its stderr. */
export async function nodeOutput(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const run = await runChild(args, {
    cwd: options.cwd,
    env: (options.env ?? process.env) as Record<string, string>,
  });
  if (run.code !== 0) throw new Error(`node ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}
