import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The parent's environment without what pnpm and npm put there for their own scripts (`npm_config_*` would
 * reconfigure the npm we start) and without a workspace `node_modules/.bin` on the PATH: a sandbox sees the
 * machine, not the monorepo.
 */
export function machineEnvironment(nodeDir: string, sandbox?: string): Record<string, string> {
  const kept = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined &&
      !/^(npm_|PNPM_|INIT_CWD$|NODE_OPTIONS$|NODE_PATH$|VITEST|PATH$)/i.test(entry[0]),
  );
  const machinePath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && !entry.includes('node_modules'));
  const path = [nodeDir, ...(sandbox ? [join(sandbox, 'node_modules', '.bin')] : []), ...machinePath];
  return { ...Object.fromEntries(kept), PATH: path.join(delimiter) };
}

export interface Sandbox {
  dir: string;
}

/**
 * An application directory outside the workspace (under the OS temp dir), installed by plain `npm` from the
 * registry and the given tarballs, as a user would: `tarballs` become dependencies of the app, and every
 * credwatch tarball (`linked`) replaces the registry for transitive `@credwatch/*` ranges through
 * `overrides`, since the packages are not on the registry yet.
 */
export async function installSandbox(options: {
  label: string;
  dependencies: Record<string, string>;
  tarballs: Record<string, string>;
  linked?: Record<string, string>;
  nodeDir: string;
  scripts?: Record<string, string>;
  files?: string[];
}): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), `credwatch-packed-${options.label}-`));
  const asFiles = (tarballs: Record<string, string>) =>
    Object.fromEntries(Object.entries(tarballs).map(([name, tarball]) => [name, `file:${tarball}`]));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: `credwatch-packed-${options.label}`,
        private: true,
        scripts: options.scripts ?? {},
        dependencies: { ...options.dependencies, ...asFiles(options.tarballs) },
        overrides: asFiles({ ...options.linked, ...options.tarballs }),
      },
      null,
      2,
    )}\n`,
  );
  for (const file of options.files ?? []) cpSync(join(import.meta.dirname, 'apps', file), join(dir, file));
  try {
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      env: machineEnvironment(options.nodeDir),
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm install failed in the ${options.label} sandbox (${dir}):\n${stdout}\n${stderr}`);
  }
  return { dir };
}

/** A Node.js of another major line, from the registry's `node` package, installed on its own. */
export async function installNode(version: string, hostNodeDir: string): Promise<string> {
  const { dir } = await installSandbox({
    label: `node-${version}`,
    dependencies: { node: version },
    tarballs: {},
    nodeDir: hostNodeDir,
  });
  const binary = join(dir, 'node_modules', '.bin', 'node');
  const { stdout } = await run(binary, ['--version']);
  if (stdout.trim() !== `v${version}`) throw new Error(`node@${version} installed ${stdout.trim()}`);
  return dirname(binary);
}
