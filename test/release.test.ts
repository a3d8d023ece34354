import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishablePackages, REPO_ROOT } from './packed/tarballs.js';

// What a packager and a registry page expect of every published package, checked in the repository; the
// packed-install test checks the same in the tarballs.

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const rootManifest = JSON.parse(read('package.json'));

/** Relative link targets of a Markdown file: `[text](target)`, without anchors, URLs or mail links. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => (match[1] as string).split('#')[0] as string)
    .filter((target) => target !== '' && !/^[a-z]+:/i.test(target));
}

describe.each(publishablePackages())('$name', ({ name, dir }) => {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const packageDir = `packages/${dir.split(/[\\/]/).at(-1)}`;

  it('carries the license text, the repository it lives in, and public access', () => {
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe(read('LICENSE'));
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.repository).toEqual({ ...rootManifest.repository, directory: packageDir });
    expect(manifest.bugs).toEqual(rootManifest.bugs);
    expect(manifest.homepage).toBe(
      rootManifest.homepage.replace('#readme', `/tree/main/${packageDir}#readme`),
    );
    expect(manifest.publishConfig).toEqual({ access: 'public' });
    expect(manifest.files).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'LICENSE']));
  });

  it('uses every dependency it declares (its build imports it, or its types do)', () => {
    const dist = join(dir, 'dist');
    const built = readdirSync(dist)
      .filter((file) => /\.(c?js|d\.c?ts)$/.test(file))
      .map((file) => readFileSync(join(dist, file), 'utf8'))
      .join('\n');
    const unused = Object.keys(manifest.dependencies ?? {}).filter(
      (dependency) => !new RegExp(`["']${dependency.replace('/', '\\/')}(/[^"']*)?["']`).test(built),
    );
    expect(unused).toEqual([]);
  });

  it('has a changelog entry for its version', () => {
    const changelog = readFileSync(join(dir, 'CHANGELOG.md'), 'utf8');
    expect(changelog.startsWith(`# ${name}\n`)).toBe(true);
    expect(changelog).toContain(`\n## ${manifest.version}\n`);
  });

  it('its README links only to files the package ships (others by absolute URL)', () => {
    const shipped = (target: string) => {
      const path = normalize(target).replace(/\/$/, '');
      return (
        !path.startsWith('..') &&
        manifest.files.some((entry: string) => path === entry || path.startsWith(`${entry}/`)) &&
        existsSync(join(dir, path))
      );
    };
    expect(
      relativeLinks(readFileSync(join(dir, 'README.md'), 'utf8')).filter((link) => !shipped(link)),
    ).toEqual([]);
  });
});

describe('the repository', () => {
  it.each(['README.md', 'docs/telemetry.md', 'docs/reliability.md', 'docs/benchmarks.md'])(
    '%s links only to files that exist',
    (file) => {
      const broken = relativeLinks(read(file)).filter(
        (target) => !existsSync(join(REPO_ROOT, dirname(file), target)),
      );
      expect(broken).toEqual([]);
    },
  );

  it('versions only the published packages, and releases only after the whole test suite', () => {
    const config = JSON.parse(read('.changeset/config.json'));
    expect(config.privatePackages).toEqual({ version: false, tag: false });
    expect(config.access).toBe('public');
    expect(rootManifest.scripts.release).toBe('pnpm test && changeset publish');
    expect(rootManifest.scripts.test).toContain('pnpm check:publish');
    expect(rootManifest.scripts['check:publish']).toBe('pnpm publish -r --dry-run --no-git-checks');
  });
});

describe('the @credwatch/auto register bundles', () => {
  const dist = join(REPO_ROOT, 'packages', 'auto', 'dist');
  // The bundler heads each module it inlines with a comment naming its file, under node_modules for a package.
  const bundled = ['register.cjs', 'register.js'].flatMap((file) =>
    [...readFileSync(join(dist, file), 'utf8').matchAll(/^\/\/ (\S*node_modules\/\S+)$/gm)].map(
      (match) => match[1] as string,
    ),
  );
  const packageOf = (path: string) => /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] as string;

  it('carry one version of each package', () => {
    const versions = new Map<string, Set<string>>();
    for (const path of bundled) {
      const store = /\.pnpm\/([^/]+)\//.exec(path)?.[1] as string;
      versions.set(packageOf(path), (versions.get(packageOf(path)) ?? new Set()).add(store));
    }
    expect([...versions].filter(([, stores]) => stores.size > 1)).toEqual([]);
    expect(versions.size).toBeGreaterThan(10);
  });

  it('name every package whose code they carry, with its license text, in THIRD-PARTY-NOTICES.md', () => {
    const notices = readFileSync(join(dist, 'THIRD-PARTY-NOTICES.md'), 'utf8');
    const named = [...notices.matchAll(/^- (\S+)@[^@\s]+ \((\S+)\)$/gm)].map((match) => match[1]);
    // The notices come from the bundler's module list; the comments (which it leaves off some inlined
    // modules) are a second witness.
    expect([...new Set(bundled.map(packageOf))].filter((name) => !named.includes(name))).toEqual([]);
    expect(named).toEqual([...new Set(named)]);
    const texts = [...notices.matchAll(/^```text\n(.+)$/gm)].map((match) => match[1]);
    expect(texts.length).toBeGreaterThan(1);
    expect(
      texts.filter(
        (first) =>
          !/^(Apache License|MIT License|\(The MIT License\)|The MIT License \(MIT\))/.test(first ?? ''),
      ),
    ).toEqual([]);
  });
});
