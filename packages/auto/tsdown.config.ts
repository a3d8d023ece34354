import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type TsdownPlugin, type UserConfig } from 'tsdown';

const common: UserConfig = { dts: true, fixedExtension: false, sourcemap: true, clean: false };

// What the register bundles leave to node_modules: the API, whose one global every copy of OpenTelemetry in
// the application shares; import-in-the-middle, whose loader hook and patched modules must be one copy; and
// the optional exporters, which are installed by the users who want them.
const NEVER_BUNDLED = [
  '@opentelemetry/api',
  /^import-in-the-middle(\/|$)/,
  '@opentelemetry/exporter-trace-otlp-grpc',
  '@opentelemetry/exporter-metrics-otlp-grpc',
  '@opentelemetry/exporter-zipkin',
  '@opentelemetry/exporter-logs-otlp-grpc',
];

// One copy of each OpenTelemetry package in the bundles: every importer (@credwatch/instrumentation,
// instrumentation-aws-sdk, the exporters) gets the version this package depends on, as one npm install would.
// Resolved as if imported from here, so each package's `exports` still pick its ES module build (which lets
// the bundler drop the parts of semantic-conventions nothing uses).
const manifest = JSON.parse(readFileSync(join(import.meta.dirname, 'package.json'), 'utf8'));
const ONE_COPY = new Set(
  Object.keys(manifest.dependencies as Record<string, string>).filter((name) =>
    name.startsWith('@opentelemetry/'),
  ),
);
const oneCopy: TsdownPlugin = {
  name: 'credwatch:one-copy',
  resolveId(source, importer, options) {
    const here = join(import.meta.dirname, 'src', 'index.ts');
    if (!ONE_COPY.has(source) || importer === here) return null;
    return this.resolve(source, here, { ...options, skipSelf: true });
  },
};

// `./register` is one file per module system with everything else it runs inside: resolving and reading the
// ~300 files of the SDK and its exporters was most of the cold start `--require` adds (docs/benchmarks.md).
// The ESM one also installs the import hook. `.` (the programmatic API) stays a plain library.
const registerBundle: UserConfig = {
  ...common,
  sourcemap: false,
  plugins: [oneCopy],
  deps: { neverBundle: NEVER_BUNDLED, alwaysBundle: [/.*/], onlyBundle: false },
  hooks: {
    'build:done': ({ chunks }) =>
      writeNotices(chunks.flatMap((chunk) => (chunk.type === 'chunk' ? chunk.moduleIds : []))),
  },
};

export default defineConfig([
  { ...common, entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'] },
  { ...common, entry: { cli: 'src/cli.ts' }, format: ['esm'], dts: false },
  { ...registerBundle, entry: { register: 'src/register.ts' }, format: ['cjs'] },
  { ...registerBundle, entry: { register: 'src/register-esm.ts' }, format: ['esm'] },
]);

/** Package root directories whose modules a register bundle carries, over both builds. */
const bundledPackages = new Set<string>();

/**
 * `dist/THIRD-PARTY-NOTICES.md`: every package whose code the bundles carry, with its version, license and
 * license text, read from the modules the bundler actually put in them so that it cannot fall behind.
 */
function writeNotices(moduleIds: readonly string[]): void {
  for (const id of moduleIds) {
    const root = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(id)?.[1];
    if (root) bundledPackages.add(root);
  }
  // Packages under the same license text share one copy of it.
  const byText = new Map<string, string[]>();
  for (const root of bundledPackages) {
    const { name, version, license } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(root).find((file) => /^licen[cs]e/i.test(file));
    const text = licenseFile ? readFileSync(join(root, licenseFile), 'utf8').trim() : `(${license})`;
    byText.set(text, [...(byText.get(text) ?? []), `${name}@${version} (${license})`]);
  }
  const sections = [...byText]
    .map(([text, names]) => ({ text, names: names.sort() }))
    .sort((a, b) => (a.names[0] ?? '').localeCompare(b.names[0] ?? ''))
    .map(
      ({ text, names }) => `${names.map((name) => `- ${name}`).join('\n')}\n\n\`\`\`text\n${text}\n\`\`\`\n`,
    );
  writeFileSync(
    join(import.meta.dirname, 'dist', 'THIRD-PARTY-NOTICES.md'),
    '# Third-party code in the `register` bundles\n\n' +
      '`dist/register.js` and `dist/register.cjs` carry the code of the packages below, under these licenses.\n\n' +
      sections.join('\n'),
  );
}
