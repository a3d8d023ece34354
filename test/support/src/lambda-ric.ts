import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const RIC_VERSION = '4.0.2';
const CACHE = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'node_modules',
  '.cache',
  'credwatch',
  `aws-lambda-ric-${RIC_VERSION}`,
);

/**
 * AWS's Node.js runtime interface client, `aws-lambda-ric`, installed from the registry as a container image
 * build installs it: its install scripts build the native Runtime API client (curl and aws-lambda-cpp from the
 * sources in the package, then a Node-API addon). The headers come from the Node that runs the tests (the
 * `node` package ships them, or its platform package is fetched at this Node's version). Built once per
 * machine (about a minute), then reused. Returns the path of its command, `index.mjs`.
 */
export async function awsLambdaRic(): Promise<string> {
  const entry = join(CACHE, 'node_modules', 'aws-lambda-ric', 'index.mjs');
  const addon = join(CACHE, 'node_modules', 'aws-lambda-ric', 'rapid-client.node');
  if (existsSync(addon)) return entry;
  const lock = `${CACHE}.lock`;
  mkdirSync(dirname(CACHE), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building it; a lock older than a build can take was left by a killed run.
      const lockedAt = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - lockedAt > 600_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (existsSync(addon)) return entry;
    }
  }
  try {
    rmSync(CACHE, { recursive: true, force: true });
    mkdirSync(CACHE, { recursive: true });
    // Its own project, or npm would install into the nearest one above (this repository).
    writeFileSync(join(CACHE, 'package.json'), '{ "private": true }\n');
    const nodeDir = await nodeHeaders();
    await npm(
      ['install', '--no-audit', '--no-fund', '--foreground-scripts', `aws-lambda-ric@${RIC_VERSION}`],
      CACHE,
      {
        npm_config_nodedir: nodeDir,
      },
    );
    if (!existsSync(addon)) throw new Error('aws-lambda-ric installed without its native client');
    return entry;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const run = promisify(execFile);

/** npm, with this Node first on the PATH (node-gyp builds for the Node that runs it). */
function npm(args: string[], cwd: string, env: Record<string, string> = {}) {
  return run('npm', args, {
    cwd,
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
      npm_config_update_notifier: 'false',
      ...env,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * A directory with this Node's headers (include/node): next to its binary in a distribution, in the `node`
 * package's platform package when that is installed, or else that platform package fetched from the registry
 * at this exact version (pnpm can restore the `node` package from its cache without it).
 */
async function nodeHeaders(): Promise<string> {
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const bin = dirname(process.execPath);
  const found = [join(bin, '..'), join(bin, '..', 'node_modules', platformPackage)].find((dir) =>
    existsSync(join(dir, 'include', 'node', 'node_api.h')),
  );
  if (found) return found;
  const dir = join(CACHE, 'headers');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  await npm(
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', `${platformPackage}@${process.versions.node}`],
    dir,
  );
  const fetched = join(dir, 'node_modules', platformPackage);
  if (!existsSync(join(fetched, 'include', 'node', 'node_api.h'))) {
    throw new Error(
      `${platformPackage}@${process.versions.node} has no headers: aws-lambda-ric cannot build its native client`,
    );
  }
  return fetched;
}
