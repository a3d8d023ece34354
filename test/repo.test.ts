import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The promises the README makes, checked against the repository itself.
const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The command in the fenced block right after a `<!-- name -->` marker in the README. */
function readmeCommand(marker: string): string {
  const match = new RegExp(`<!-- ${marker} -->\\s*\`\`\`(?:sh|bash)?\\n([^\\n]+)\\n\`\`\``).exec(readme);
  if (!match?.[1]) throw new Error(`README has no command after <!-- ${marker} -->`);
  return match[1];
}

describe('README quick start', () => {
  const pnpm = `npx -y pnpm@${rootPackage.packageManager.replace('pnpm@', '')}`;

  it('has exactly two commands, one for the demo and one for the tests, both with the pinned pnpm', () => {
    expect(readmeCommand('demo-command')).toBe(`${pnpm} install && ${pnpm} demo`);
    expect(readmeCommand('test-command')).toBe(`${pnpm} install && ${pnpm} test`);
  });

  it('CI runs the README test command, nothing weaker', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toContain('readme_command test-command');
    const extracted = execFileSync(
      'bash',
      ['-c', `source <(sed -n '/^readme_command()/,/^}/p' .ci/run); readme_command test-command`],
      {
        cwd: root,
        encoding: 'utf8',
      },
    ).trim();
    expect(extracted).toBe(readmeCommand('test-command'));
  });
});

describe('workspace packages', () => {
  const packages = readdirSync(join(root, 'packages')).map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }));

  it.each(packages)('$dir declares the Node it needs and publishes ESM, CJS and types', ({ manifest }) => {
    expect(manifest.name).toMatch(/^@credwatch\//);
    expect(manifest.engines).toEqual({ node: '>=22.15.0' });
    expect(manifest.exports['.'].import.types).toMatch(/\.d\.ts$/);
    expect(manifest.exports['.'].require.types).toMatch(/\.d\.cts$/);
    expect(manifest.files).toContain('dist');
    expect(manifest.scripts['check:package']).toContain('publint');
    expect(manifest.scripts['check:package']).toContain('attw');
  });

  it('the repository brings its own Node, at least the version the packages require', () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    expect(major > 22 || (major === 22 && minor >= 15)).toBe(true);
    expect(rootPackage.devDependencies.node).toMatch(/^24\./);
  });
});
