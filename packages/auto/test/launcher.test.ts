import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLauncher } from '../src/launcher.js';

describe('isLauncher: processes that start the app as their child', () => {
  it.each([
    '/usr/lib/node_modules/npm/bin/npm-cli.js',
    '/usr/lib/node_modules/npm/bin/npx-cli.js',
    '/home/u/.npm/_npx/1f/node_modules/pnpm/bin/pnpm.cjs',
    '/home/u/.local/share/pnpm/pnpm/dist/pnpm.cjs',
    '/app/node_modules/yarn/bin/yarn.js',
    '/app/.yarn/releases/yarn-4.5.0.cjs',
    '/usr/lib/node_modules/corepack/dist/pnpm.js',
    '/app/node_modules/tsx/dist/cli.mjs',
    '/app/node_modules/nodemon/bin/nodemon.js',
    'C:\\Users\\u\\AppData\\Roaming\\npm\\node_modules\\npm\\bin\\npm-cli.js',
  ])('%s is a launcher', (script) => {
    expect(isLauncher(script)).toBe(true);
  });

  it.each([
    undefined,
    '/app/server.js',
    '/app/node_modules/.bin/../my-npm/bin/npm-cli.js.bak',
    '/app/dist/cli.mjs',
    '/app/node_modules/tsx/dist/loader.mjs',
    '/app/node_modules/ts-node/dist/bin.js',
  ])('%s is not', (script) => {
    expect(isLauncher(script)).toBe(false);
  });

  it('follows symlinks, as a bin link on the PATH reaches the script', () => {
    const root = mkdtempSync(join(tmpdir(), 'credwatch-launcher-'));
    const script = join(root, 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, '');
    symlinkSync(script, join(root, 'npm'));
    expect(isLauncher(join(root, 'npm'))).toBe(true);
    expect(isLauncher(join(root, 'missing'))).toBe(false);
  });
});
