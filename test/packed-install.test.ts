import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { type Emulator, startEmulator } from '@credwatch/emulator';
import {
  emulatorSecrets,
  findSecrets,
  freePort,
  type NodeRun,
  parseExposition,
  sample,
  uniqueBucket,
} from '@credwatch/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installNode, installSandbox, machineEnvironment, type Sandbox } from './packed/sandbox.js';
import { pack, publishablePackages, tarballProblems } from './packed/tarballs.js';

// credwatch as a user gets it: every publishable package packed as `pnpm publish` would, installed with plain
// npm into directories outside the workspace next to the AWS SDK and OpenTelemetry from the registry, and
// small apps run against the emulator on the lowest and highest OpenTelemetry lines the peer ranges admit,
// on Node 22 and 24. Each app prints its own Prometheus scrape; the series in it are the assertion.

const AWS_SDK = '3.1169.0';
const NODE_22 = '22.23.3';

/** The OpenTelemetry JS lines the peer ranges admit: the oldest and newest of the previous line, and the current one. */
const LINES = {
  'otel-2.0': {
    '@opentelemetry/api': '1.9.0',
    '@opentelemetry/sdk-node': '0.200.0',
    '@opentelemetry/instrumentation-aws-sdk': '0.52.0',
  },
  'otel-2.x': {
    '@opentelemetry/api': '1.9.1',
    '@opentelemetry/sdk-node': '0.223.0',
    '@opentelemetry/instrumentation-aws-sdk': '0.78.0',
  },
  'otel-3.x': {
    '@opentelemetry/api': '1.10.0',
    '@opentelemetry/sdk-node': '0.301.0',
    '@opentelemetry/instrumentation-aws-sdk': '0.79.0',
  },
} as const;
type Line = keyof typeof LINES;

const APP_FILES = ['workload.cjs', 'app.cjs', 'app.mjs', 'app.ts', 'bundle-entry.mjs'];
const ESM_BUNDLE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

let work: string;
let tarballs: Record<string, string>;
let emulator: Emulator;
const sandboxes = {} as Record<Line, Sandbox>;
let autoOnlySandbox: Sandbox;
const nodeDirs: Record<string, string> = { 24: dirname(process.execPath) };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'credwatch-packed-'));
  const packDir = join(work, 'tarballs');
  mkdirSync(packDir);
  tarballs = Object.fromEntries(publishablePackages().map(({ name, dir }) => [name, pack(dir, packDir)]));
  emulator = await startEmulator({ tokenLifetime: '1h' });

  const host = nodeDirs[24] as string;
  const aws = { '@aws-sdk/client-s3': AWS_SDK, '@aws-sdk/credential-providers': AWS_SDK };
  const [node22, autoOnly, ...installed] = await Promise.all([
    installNode(NODE_22, host),
    // What `npm install @credwatch/auto` gives an app that has nothing else.
    installSandbox({
      label: 'auto-only',
      nodeDir: host,
      tarballs: { '@credwatch/auto': tarballs['@credwatch/auto'] as string },
      linked: tarballs,
      dependencies: aws,
      files: APP_FILES,
    }),
    ...(Object.keys(LINES) as Line[]).map((line) =>
      installSandbox({
        label: line,
        nodeDir: host,
        tarballs:
          line === 'otel-3.x'
            ? tarballs
            : { '@credwatch/instrumentation': tarballs['@credwatch/instrumentation'] as string },
        linked: tarballs,
        dependencies: { ...LINES[line], ...aws, esbuild: '0.28.2', tsx: '4.23.15' },
        scripts: { start: 'node app.cjs' },
        files: APP_FILES,
      }),
    ),
  ]);
  nodeDirs[22] = node22;
  autoOnlySandbox = autoOnly as Sandbox;
  (Object.keys(LINES) as Line[]).forEach((line, index) => {
    sandboxes[line] = installed[index] as Sandbox;
  });
  for (const sandbox of Object.values(sandboxes)) {
    // The instrumentation README's own setup block, as the shipped README has it.
    const readme = readFileSync(
      join(sandbox.dir, 'node_modules', '@credwatch', 'instrumentation', 'README.md'),
      'utf8',
    );
    const setup = /<!-- programmatic-setup[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    if (setup === undefined) throw new Error('the instrumentation README lost its programmatic-setup block');
    writeFileSync(join(sandbox.dir, 'telemetry.mjs'), setup);
    bundle(sandbox, 'cjs');
    bundle(sandbox, 'esm');
  }
}, 600_000);

afterAll(() => emulator?.stop());

function bundle(sandbox: Sandbox, format: 'cjs' | 'esm'): void {
  execFileSync(
    join(sandbox.dir, 'node_modules', '.bin', 'esbuild'),
    [
      'bundle-entry.mjs',
      '--bundle',
      '--platform=node',
      `--format=${format}`,
      `--outfile=bundle.${format === 'cjs' ? 'cjs' : 'mjs'}`,
      '--log-level=error',
      ...(format === 'esm' ? [`--banner:js=${ESM_BUNDLE_BANNER}`] : []),
    ],
    { cwd: sandbox.dir, env: machineEnvironment(nodeDirs[24] as string, sandbox.dir) },
  );
}

/** Runs `command …args` in the sandbox on the given Node, with the emulator's env route and a scrape port. */
async function runApp(
  sandbox: Sandbox,
  node: string,
  command: string[],
  vars: Record<string, string> = {},
): Promise<NodeRun> {
  const home = mkdtempSync(join(work, 'home-'));
  const env = {
    ...machineEnvironment(nodeDirs[node] as string, sandbox.dir),
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    ...emulator.env('env'),
    APP_ROLE_ARN: emulator.roleArn,
    APP_BUCKET: uniqueBucket('packed'),
    OTEL_SERVICE_NAME: 'packed-app',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'prometheus',
    OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
    ...vars,
  };
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { cwd: sandbox.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * The app ran to completion, and its own scrape holds what credwatch recorded for its three S3 signings with
 * one-hour AssumeRole credentials: signings, time to expiry (all in the 1800–3600 s bucket) and the source.
 */
function expectSigningsReported(run: NodeRun, source: string): void {
  const context = `the app run: ${JSON.stringify(run)}`;
  expect(run.code, context).toBe(0);
  expect(run.stdout, context).toContain('uploaded 2 objects\n');
  const scrape = /--- scrape ---\n([\s\S]*)--- end ---/.exec(run.stdout)?.[1] ?? '';
  const samples = parseExposition(scrape);
  const s3 = { aws_credentials_source: source, rpc_service: 'S3' };
  const signings = {
    ...s3,
    aws_credentials_expiry_state: 'valid',
    aws_credentials_temporary: 'true',
  };
  expect(sample(samples, 'aws_credentials_signings_total', signings), context).toBe(3);
  expect(sample(samples, 'aws_credentials_time_to_expiry_count', s3), context).toBe(3);
  expect(sample(samples, 'aws_credentials_time_to_expiry_bucket', { ...s3, le: '1800' }), context).toBe(0);
  expect(sample(samples, 'aws_credentials_time_to_expiry_bucket', { ...s3, le: '3600' }), context).toBe(3);
  expect(findSecrets([run.stdout, run.stderr], emulatorSecrets([emulator]))).toEqual([]);
}

/** …and credwatch saw the provider itself: the one initial AssumeRole fetch. */
function expectRefreshReported(run: NodeRun): void {
  const samples = parseExposition(/--- scrape ---\n([\s\S]*)--- end ---/.exec(run.stdout)?.[1] ?? '');
  expect(
    sample(samples, 'aws_credentials_refresh_duration_count', {
      aws_credentials_source: 'assume_role',
      aws_credentials_refresh_trigger: 'initial',
    }),
  ).toBe(1);
}

const AUTO_REQUIRE = ['--require', '@credwatch/auto/register'];
const AUTO_IMPORT = ['--import', '@credwatch/auto/register'];

describe('the tarballs', () => {
  it.each(publishablePackages())('$name packs with nothing a user cannot install', ({ name }) => {
    expect(tarballProblems(tarballs[name] as string)).toEqual([]);
  });

  it('a broken tarball is caught, each problem naming the package and the cause', () => {
    const dir = mkdtempSync(join(work, 'broken-'));
    mkdirSync(join(dir, 'package'));
    writeFileSync(
      join(dir, 'package', 'package.json'),
      JSON.stringify({
        name: '@credwatch/broken',
        version: '0.1.0',
        license: 'Apache-2.0',
        main: './dist/index.cjs',
        exports: { '.': { import: './dist/index.js', require: './dist/index.cjs' } },
        dependencies: { '@credwatch/instrumentation': 'workspace:^' },
      }),
    );
    mkdirSync(join(dir, 'package', 'dist'));
    writeFileSync(join(dir, 'package', 'dist', 'index.js'), '');
    writeFileSync(join(dir, 'package', 'README.md'), '');
    const tarball = join(dir, 'broken.tgz');
    execFileSync('tar', ['-czf', tarball, '-C', dir, 'package']);
    expect(tarballProblems(tarball)).toEqual([
      '@credwatch/broken: dependencies.@credwatch/instrumentation is "workspace:^", which npm cannot install',
      '@credwatch/broken: package.json points at dist/index.cjs, which is not in the tarball',
      '@credwatch/broken: LICENSE is not in the tarball',
      '@credwatch/broken: CHANGELOG.md is not in the tarball',
      '@credwatch/broken: package.json has no repository',
      '@credwatch/broken: package.json has no homepage',
      '@credwatch/broken: package.json has no bugs',
    ]);
  });
});

describe.each(['24', '22'])('Node %s, current OpenTelemetry line (api 1.10.0, SDK 3.x)', (node) => {
  const sandbox = () => sandboxes['otel-3.x'];

  it('a CommonJS app under --require @credwatch/auto/register', async () => {
    const run = await runApp(sandbox(), node, ['node', ...AUTO_REQUIRE, 'app.cjs']);
    expectSigningsReported(run, 'assume_role');
    expectRefreshReported(run);
  });

  it('an ESM app importing the SDK statically, under --import @credwatch/auto/register', async () => {
    const run = await runApp(sandbox(), node, ['node', ...AUTO_IMPORT, 'app.mjs']);
    expectSigningsReported(run, 'assume_role');
    expectRefreshReported(run);
  });

  it('a TypeScript app under tsx, credwatch in NODE_OPTIONS (tsx itself is a launcher)', async () => {
    const run = await runApp(sandbox(), node, ['tsx', 'app.ts'], { NODE_OPTIONS: AUTO_IMPORT.join(' ') });
    expectSigningsReported(run, 'assume_role');
    expectRefreshReported(run);
  });

  it('npm start, credwatch in NODE_OPTIONS: the app reports, not npm', async () => {
    const run = await runApp(sandbox(), node, ['npm', 'start', '--silent'], {
      NODE_OPTIONS: AUTO_REQUIRE.join(' '),
    });
    expectSigningsReported(run, 'assume_role');
    expect(run.stderr).toBe('');
  });

  it('an esbuild CommonJS bundle with credwatch inlined, reached through instrumentClient()', async () => {
    const run = await runApp(sandbox(), node, ['node', ...AUTO_REQUIRE, 'bundle.cjs']);
    // The bundle hides which provider fetched (no factory hook, no feature tag).
    expectSigningsReported(run, 'unknown');
  });

  it('an esbuild ESM bundle under --require: its credwatch copy finds the CommonJS one', async () => {
    const run = await runApp(sandbox(), node, ['node', ...AUTO_REQUIRE, 'bundle.mjs']);
    expectSigningsReported(run, 'unknown');
  });

  it("the instrumentation README's NodeSDK setup, as written", async () => {
    const run = await runApp(sandbox(), node, ['node', '--import', './telemetry.mjs', 'app.cjs']);
    expectSigningsReported(run, 'assume_role');
    expectRefreshReported(run);
  });
});

describe.each([
  ['24', 'otel-2.0'],
  ['22', 'otel-2.0'],
  ['24', 'otel-2.x'],
  ['22', 'otel-2.x'],
] as const)('Node %s, previous OpenTelemetry line (%s)', (node, line) => {
  it(`one @opentelemetry/api copy: ${LINES[line]['@opentelemetry/api']}`, () => {
    const copies = execFileSync('npm', ['ls', '--all', '--parseable', '@opentelemetry/api'], {
      cwd: sandboxes[line].dir,
      encoding: 'utf8',
      env: machineEnvironment(nodeDirs[24] as string),
    })
      .trim()
      .split('\n');
    expect(copies.map((path) => relative(sandboxes[line].dir, path))).toEqual([
      'node_modules/@opentelemetry/api',
    ]);
  });

  it("the instrumentation README's NodeSDK setup, as written", async () => {
    const run = await runApp(sandboxes[line], node, ['node', '--import', './telemetry.mjs', 'app.cjs']);
    expectSigningsReported(run, 'assume_role');
    expectRefreshReported(run);
  });

  it('an esbuild bundle with credwatch inlined, loaded after that setup', async () => {
    const run = await runApp(sandboxes[line], node, ['node', '--import', './telemetry.mjs', 'bundle.cjs']);
    expectSigningsReported(run, 'unknown');
  });
});

describe('npm install @credwatch/auto, and nothing else', () => {
  /** Every installed OpenTelemetry package, as `name@version at path`, sorted. */
  const openTelemetryCopies = () =>
    execFileSync('npm', ['ls', '--all', '--parseable', '--long'], {
      cwd: autoOnlySandbox.dir,
      encoding: 'utf8',
      env: machineEnvironment(nodeDirs[24] as string),
    })
      .trim()
      .split('\n')
      .map((line) => line.split(':') as [string, string])
      .filter(([, spec]) => spec?.startsWith('@opentelemetry/'))
      .map(([path, spec]) => `${spec} at ${relative(autoOnlySandbox.dir, path)}`)
      .sort();

  it('installs one copy of each OpenTelemetry package', () => {
    const copies = openTelemetryCopies();
    const names = copies.map((copy) => copy.slice(0, copy.indexOf('@', 1)));
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    // instrumentation-aws-sdk 0.79 asks for ^0.300.0, so credwatch depends on 0.300.0 too.
    expect(copies).toContain(
      '@opentelemetry/instrumentation@0.300.0 at node_modules/@opentelemetry/instrumentation',
    );
    expect(copies).toContain('@opentelemetry/api@1.10.0 at node_modules/@opentelemetry/api');
  });

  it('gRPC is an optional install: selecting it without the package stops with the command that installs it', async () => {
    const run = await runApp(autoOnlySandbox, '24', ['node', ...AUTO_REQUIRE, 'app.cjs'], {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
    });
    expect(run).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr:
        'credwatch: invalid configuration\n' +
        '  OTEL_EXPORTER_OTLP_PROTOCOL selects grpc, which needs @opentelemetry/exporter-trace-otlp-grpc next to @credwatch/auto: npm install @opentelemetry/exporter-trace-otlp-grpc@0.301.0\n' +
        '  OTEL_EXPORTER_OTLP_PROTOCOL selects grpc, which needs @opentelemetry/exporter-metrics-otlp-grpc next to @credwatch/auto: npm install @opentelemetry/exporter-metrics-otlp-grpc@0.301.0\n' +
        '  OTEL_EXPORTER_OTLP_PROTOCOL selects grpc, which needs @opentelemetry/exporter-logs-otlp-grpc next to @credwatch/auto: npm install @opentelemetry/exporter-logs-otlp-grpc@0.301.0\n',
    });
  });

  it('a CommonJS app under --require @credwatch/auto/register', async () => {
    const run = await runApp(autoOnlySandbox, '24', ['node', ...AUTO_REQUIRE, 'app.cjs']);
    expectSigningsReported(run, 'assume_role');
    expectRefreshReported(run);
  });

  it('npx credwatch doctor runs the app under credwatch, and walks the chain with the SDK installed there', async () => {
    const underDoctor = await runApp(autoOnlySandbox, '24', [
      'npx',
      '--no-install',
      'credwatch',
      'doctor',
      '--',
      'node',
      'app.cjs',
    ]);
    expect(underDoctor.code).toBe(0);
    expect(underDoctor.stdout).toContain('credwatch doctor\ncommand:     node app.cjs (exit code 0)\n');
    expect(underDoctor.stdout).toMatch(/\nsource: {6}assume_role \(S3: \d+ signed, valid \d+\)\n/);
    expect(underDoctor.stdout).toContain('\nno findings\n');
    // No @aws-sdk/client-sts in this app: the chain is walked, and the doctor says what it could not check.
    const walk = await runApp(autoOnlySandbox, '24', ['npx', '--no-install', 'credwatch', 'doctor']);
    expect(walk.code).toBe(1);
    expect(walk.stdout).toContain('credentials: env, long-term, no expiration, nothing refreshes them\n');
    expect(walk.stdout).toContain('\n- principal_unknown: @aws-sdk/client-sts is not installed here');
  });
});

describe('the command-line tools, from the packed install', () => {
  const npx = (args: string[]) =>
    execFileSync('npx', ['--no-install', ...args], {
      cwd: sandboxes['otel-3.x'].dir,
      encoding: 'utf8',
      env: machineEnvironment(nodeDirs[24] as string, sandboxes['otel-3.x'].dir),
    });

  it('npx @credwatch/alerts all writes the artifacts the package ships, byte for byte', () => {
    const out = join(sandboxes['otel-3.x'].dir, 'generated');
    npx(['@credwatch/alerts', 'all', '--out', out]);
    const shipped = join(sandboxes['otel-3.x'].dir, 'node_modules', '@credwatch', 'alerts');
    const generated = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(out, join(entry.parentPath, entry.name)))
      .sort();
    expect(generated).toEqual([
      'alertmanager/inhibit-rules.yaml',
      'grafana/alert-rules.yaml',
      'grafana/dashboard.json',
      'prometheus/alerts.yaml',
      'tests/mimir.yaml',
      'tests/otlp.yaml',
      'tests/pull.yaml',
    ]);
    for (const file of generated)
      expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join(shipped, file), 'utf8'));
  });

  it('npx credwatch-emulator --help', () => {
    expect(npx(['credwatch-emulator', '--help'])).toContain('Usage: credwatch-emulator [options]');
  });
});
