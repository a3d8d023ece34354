// Install footprint: what `npm install` adds to an empty project for `@credwatch/auto` (packed as it would be
// published, from this repository) and for `@opentelemetry/auto-instrumentations-node` (from the registry),
// counted from the installed tree: packages, and bytes on disk.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { installSandbox, machineEnvironment } from '../../test/packed/sandbox.js';
import { pack, publishablePackages } from '../../test/packed/tarballs.js';
import { report } from '../lib/stats.js';

const nodeDir = dirname(process.execPath);
const AUTO_INSTRUMENTATIONS = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  .devDependencies['@opentelemetry/auto-instrumentations-node'] as string;

function bytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

function footprint(dir: string): { packages: number; bytes: number } {
  const tree = execFileSync('npm', ['ls', '--all', '--parseable'], {
    cwd: dir,
    encoding: 'utf8',
    env: machineEnvironment(nodeDir),
  });
  const packages = new Set(tree.trim().split('\n')).size - 1; // the project itself
  return { packages, bytes: bytes(join(dir, 'node_modules')) };
}

const packDir = join(mkdtempSync(join(tmpdir(), 'credwatch-footprint-')), 'tarballs');
mkdirSync(packDir);
const tarballs = Object.fromEntries(publishablePackages().map(({ name, dir }) => [name, pack(dir, packDir)]));
const auto = await installSandbox({
  label: 'footprint-auto',
  nodeDir,
  tarballs: { '@credwatch/auto': tarballs['@credwatch/auto'] as string },
  linked: tarballs,
  dependencies: {},
});
const autoInstrumentations = await installSandbox({
  label: 'footprint-auto-instrumentations',
  nodeDir,
  tarballs: {},
  dependencies: { '@opentelemetry/auto-instrumentations-node': AUTO_INSTRUMENTATIONS },
});
report({
  '@credwatch/auto': footprint(auto.dir),
  [`@opentelemetry/auto-instrumentations-node ${AUTO_INSTRUMENTATIONS}`]: footprint(autoInstrumentations.dir),
});
