import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
const PNPM_VERSION = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).packageManager.replace(
  'pnpm@',
  '',
);

/** Every package the repository publishes: `packages/*` that are not private. */
export function publishablePackages(): { name: string; dir: string }[] {
  return readdirSync(join(REPO_ROOT, 'packages'))
    .map((entry) => join(REPO_ROOT, 'packages', entry))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name as string, dir }));
}

/**
 * Packs a package the way `pnpm publish` does (workspace: ranges replaced, `files` applied, lifecycle
 * scripts run) and returns the tarball's path. The package must have been built.
 */
export function pack(packageDir: string, destination: string): string {
  const output = execFileSync(
    'npx',
    ['-y', `pnpm@${PNPM_VERSION}`, 'pack', '--pack-destination', destination],
    { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tarball = output
    .trim()
    .split('\n')
    .findLast((line) => line.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`pnpm pack printed no tarball for ${packageDir}:\n${output}`);
  return tarball.trim();
}

/** The paths in a tarball, without npm's `package/` prefix. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''));
}

function tarballManifest(tarball: string): Record<string, unknown> {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}

const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'];

/** Every file a manifest points at: main, module, types, bin and every `exports` target. */
function referencedFiles(manifest: Record<string, unknown>): string[] {
  const targets: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value);
    else if (value !== null && typeof value === 'object')
      for (const inner of Object.values(value)) collect(inner);
  };
  for (const field of ['main', 'module', 'types', 'bin', 'exports']) collect(manifest[field]);
  return [...new Set(targets.map((target) => target.replace(/^\.\//, '')))].filter(
    (target) => !target.includes('*'),
  );
}

/**
 * What would break for a user installing this tarball, one line each naming the package and the cause:
 * a `workspace:` range npm cannot install, a file the manifest points at that is not in the tarball, and the
 * files every published package carries (README, LICENSE, repository links).
 */
export function tarballProblems(tarball: string): string[] {
  const manifest = tarballManifest(tarball);
  const name = String(manifest.name);
  const files = new Set(tarballFiles(tarball));
  const problems: string[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    const ranges = (manifest[field] ?? {}) as Record<string, string>;
    for (const [dependency, range] of Object.entries(ranges))
      if (range.startsWith('workspace:'))
        problems.push(`${name}: ${field}.${dependency} is "${range}", which npm cannot install`);
  }
  for (const file of referencedFiles(manifest))
    if (!files.has(file))
      problems.push(`${name}: package.json points at ${file}, which is not in the tarball`);
  for (const file of ['README.md', 'LICENSE', 'CHANGELOG.md'])
    if (!files.has(file)) problems.push(`${name}: ${file} is not in the tarball`);
  for (const field of ['repository', 'homepage', 'bugs', 'license'])
    if (manifest[field] === undefined) problems.push(`${name}: package.json has no ${field}`);
  return problems;
}
