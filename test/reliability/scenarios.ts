import { rmSync } from 'node:fs';
import type { CredwatchReport } from '@credwatch/auto';
import type { CredentialRoute, Emulator, EmulatorOptions } from '@credwatch/emulator';
import { expect } from 'vitest';

/** One row of the differential fault matrix: a fault, an application run against it, and what telemetry must say. */
export interface Scenario {
  name: string;
  /** What goes wrong, for docs/reliability.md. */
  fault: string;
  /** What credwatch's telemetry must say about it, for docs/reliability.md. */
  truth: string;
  route?: CredentialRoute;
  credentials: 'chain' | 'assume-role' | 'triple' | 'process' | `hostile:${string}`;
  steps: string[];
  emulator?: EmulatorOptions;
  /** Faults armed before the app starts, on the run's own emulator. */
  arrange?: (emulator: Emulator, env: Record<string, string>) => void;
  /** Extra environment for every run. */
  env?: Record<string, string>;
  /** Extra environment for the instrumented runs only (the OpenTelemetry backend). */
  instrumentedEnv?: 'collector-refusing' | 'collector-failing' | 'collector-hanging';
  /** A signal the test sends once the app prints `signalAfter`. */
  signal?: { name: NodeJS.Signals; after: string };
  /** The app's own output, identical in every run. */
  output: string[] | RegExp;
  /** Checked on the exit report of each instrumented run, with the emulator's call counts of that run. */
  telemetry: (report: CredwatchReport, calls: Record<string, number>) => void;
}

const S3 = { service: 'S3' };

/** The sum of the report rows of one kind that match `where`. */
export function count<Row extends { count: number }>(rows: Row[], where: Partial<Row> = {}): number {
  return rows
    .filter((row) => Object.entries(where).every(([key, value]) => row[key as keyof Row] === value))
    .reduce((sum, row) => sum + row.count, 0);
}

const fault = (body: object) => `@${JSON.stringify(body)}`;

/** Every hostile provider kind the workload knows, with what the SDK makes of it on its own. */
const HOSTILE: [kind: string, description: string, output: string[]][] = [
  [
    'expiration-string',
    'a provider returning `expiration` as a string',
    ['create -> TypeError', 'put a -> TypeError', 'provider calls: 1'],
  ],
  [
    'invalid-date',
    'a provider returning an invalid Date',
    ['create -> ok', 'put a -> ok', 'provider calls: 1'],
  ],
  [
    'null',
    'a provider resolving to null',
    ['create -> TypeError', 'put a -> TypeError', 'provider calls: 1'],
  ],
  [
    'non-error-throw',
    'a provider throwing a string',
    ['create -> thrown string', 'put a -> thrown string', 'provider calls: 2'],
  ],
  [
    'throwing-getter',
    'a provider whose accessKeyId getter throws',
    ['create -> Error', 'put a -> Error', 'provider calls: 1'],
  ],
  [
    'revoked-proxy',
    'a provider returning a revoked Proxy',
    ['create -> TypeError', 'put a -> TypeError', 'provider calls: 2'],
  ],
  [
    'never-resolving',
    'a provider that never settles',
    ['create -> timeout', 'put a -> timeout', 'provider calls: 1'],
  ],
];

export const SCENARIOS: Scenario[] = [
  {
    name: 'sts-throttling',
    fault: 'STS answers `Throttling` twice, then issues the session',
    truth: 'one successful `assume_role` refresh; three STS signings (every attempt), two S3 signings',
    credentials: 'assume-role',
    steps: ['create', 'put a'],
    arrange: (emulator) => emulator.faults.failNext('sts:AssumeRole', { type: 'throttle' }, 2),
    output: ['create -> ok', 'put a -> ok'],
    telemetry: (report) => {
      expect(report.refreshes).toEqual([
        { source: 'assume_role', trigger: 'initial', outcome: 'success', count: 1 },
      ]);
      expect(count(report.signings, { service: 'STS' })).toBe(3);
      expect(count(report.signings, { ...S3, source: 'assume_role', expiryState: 'valid' })).toBe(2);
    },
  },
  {
    name: 'sts-500',
    fault: 'STS answers 500 to every attempt',
    truth: 'one failed `assume_role` refresh with its `error.type`; no S3 signing',
    credentials: 'assume-role',
    steps: ['create'],
    arrange: (emulator) => emulator.faults.failNext('sts:AssumeRole', { type: 'error' }, 3),
    output: ['create -> InternalFailure 500'],
    telemetry: (report) => {
      expect(report.refreshes).toEqual([
        {
          source: 'assume_role',
          trigger: 'initial',
          outcome: 'failure',
          errorType: 'InternalFailure',
          count: 1,
        },
      ]);
      expect(count(report.signings, S3)).toBe(0);
    },
  },
  {
    name: 'sts-hang',
    fault: "STS holds its answer past the app's 500 ms step timeout",
    truth: 'the late refresh is recorded once it lands; nothing else',
    credentials: 'assume-role',
    steps: ['create'],
    env: { RELIABILITY_STEP_TIMEOUT: '500' },
    arrange: (emulator) => emulator.faults.failNext('sts:AssumeRole', { type: 'delay', ms: 1500 }),
    output: ['create -> timeout'],
    telemetry: (report) => {
      expect(count(report.refreshes, { source: 'assume_role', outcome: 'success' })).toBe(1);
    },
  },
  {
    name: 'sts-reset',
    fault: 'STS closes the connection mid-request once; the SDK retries',
    truth: 'one successful refresh; two STS signings',
    credentials: 'assume-role',
    steps: ['create'],
    arrange: (emulator) => emulator.faults.failNext('sts:AssumeRole', { type: 'drop' }),
    output: ['create -> ok'],
    telemetry: (report) => {
      expect(count(report.refreshes, { source: 'assume_role', outcome: 'success' })).toBe(1);
      expect(count(report.signings, { service: 'STS' })).toBe(2);
    },
  },
  {
    name: 's3-slowdown',
    fault: 'S3 answers `SlowDown` to two attempts of a PutObject',
    truth: 'four S3 signings (every attempt), no rejection',
    credentials: 'chain',
    steps: ['create', 'put a'],
    arrange: (emulator) => emulator.faults.failNext('s3:PutObject', { type: 'throttle' }, 2),
    output: ['create -> ok', 'put a -> ok'],
    telemetry: (report) => {
      expect(count(report.signings, { ...S3, source: 'env', expiryState: 'no_expiry' })).toBe(4);
      expect(report.rejections).toEqual([]);
    },
  },
  {
    name: 's3-500',
    fault: 'S3 answers 500 to every attempt of a PutObject',
    truth: 'four S3 signings, no rejection (a 500 is not a credential problem)',
    credentials: 'chain',
    steps: ['create', 'put a'],
    arrange: (emulator) => emulator.faults.failNext('s3:PutObject', { type: 'error' }, 3),
    output: ['create -> ok', 'put a -> InternalError 500'],
    telemetry: (report) => {
      expect(count(report.signings, S3)).toBe(4);
      expect(report.rejections).toEqual([]);
    },
  },
  {
    name: 'triple-refresh-required',
    fault: 'a cached key triple that S3 wants refreshed (PUT, GET, HEAD)',
    truth: 'three `TokenRefreshRequired` rejections for the `static` source, the HEAD one included',
    credentials: 'triple',
    steps: ['create', 'put a', fault({ action: 'requireRefresh' }), 'put b', 'get a', 'head a'],
    output: [
      'create -> ok',
      'put a -> ok',
      'put b -> TokenRefreshRequired 400',
      'get a -> TokenRefreshRequired 400',
      'head a -> Unknown 400',
    ],
    telemetry: (report) => {
      expect(report.rejections).toEqual([
        {
          errorType: 'TokenRefreshRequired',
          source: 'static',
          service: 'S3',
          expiryState: 'no_expiry',
          count: 3,
        },
      ]);
    },
  },
  {
    name: 'triple-expired',
    fault: 'a cached key triple past its expiration (PUT, GET, HEAD)',
    truth: 'three `ExpiredToken` rejections, the HEAD one read as what the same key was last told',
    credentials: 'triple',
    steps: ['create', 'put a', fault({ action: 'expireToken' }), 'put b', 'get a', 'head a'],
    output: [
      'create -> ok',
      'put a -> ok',
      'put b -> ExpiredToken 400',
      'get a -> ExpiredToken 400',
      'head a -> Unknown 400',
    ],
    telemetry: (report) => {
      expect(report.rejections).toEqual([
        { errorType: 'ExpiredToken', source: 'static', service: 'S3', expiryState: 'no_expiry', count: 3 },
      ]);
    },
  },
  {
    name: 'container-500',
    fault: 'the container credentials endpoint answers 500 to every call',
    truth: 'failed `container` refreshes with their `error.type`; no S3 signing',
    route: 'container',
    credentials: 'chain',
    steps: ['create'],
    arrange: (emulator) => emulator.faults.failNext('container', { type: 'error' }, 20),
    output: /^\["create -> CredentialsProviderError"\]$/,
    telemetry: (report) => {
      expect(count(report.refreshes, { source: 'container', outcome: 'failure' })).toBeGreaterThan(0);
      expect(count(report.refreshes, { outcome: 'success' })).toBe(0);
      expect(count(report.signings, S3)).toBe(0);
    },
  },
  {
    name: 'container-bad-json',
    fault: 'the container credentials endpoint answers 200 with a body cut short',
    truth: 'failed `container` refreshes; no S3 signing',
    route: 'container',
    credentials: 'chain',
    steps: ['create'],
    arrange: (emulator) => emulator.faults.failNext('container', { type: 'malformed' }, 20),
    output: ['create -> SyntaxError'],
    telemetry: (report) => {
      expect(count(report.refreshes, { source: 'container', outcome: 'failure' })).toBeGreaterThan(0);
      expect(count(report.signings, S3)).toBe(0);
    },
  },
  {
    name: 'container-expired',
    fault: 'the container endpoint hands out credentials that have already expired, once',
    truth: 'two `container` refreshes (the SDK fetches again at once), every signing `valid`, no rejection',
    route: 'container',
    credentials: 'chain',
    steps: ['create'],
    arrange: (emulator) => emulator.faults.serveExpiredCredentials('container'),
    output: ['create -> ok'],
    telemetry: (report) => {
      expect(count(report.refreshes, { source: 'container', outcome: 'success' })).toBe(2);
      expect(count(report.signings, { ...S3, source: 'container', expiryState: 'valid' })).toBe(1);
      expect(report.rejections).toEqual([]);
    },
  },
  {
    name: 'imds-500',
    fault: 'IMDS answers 500 to every credentials request',
    truth: 'failed `imds` refreshes; no S3 signing',
    route: 'imds',
    credentials: 'chain',
    steps: ['create'],
    arrange: (emulator) => emulator.faults.failNext('imds:credentials', { type: 'error' }, 20),
    output: /^\["create -> (CredentialsProviderError|ProviderError)"\]$/,
    telemetry: (report) => {
      expect(count(report.refreshes, { source: 'imds', outcome: 'failure' })).toBeGreaterThan(0);
      expect(count(report.signings, S3)).toBe(0);
    },
  },
  {
    name: 'imds-token-hang',
    fault: 'the IMDSv2 token request hangs past the SDK’s own timeout',
    truth: 'whatever the SDK does next is what credwatch records: the same outcome in every run',
    route: 'imds',
    credentials: 'chain',
    steps: ['create'],
    arrange: (emulator) => emulator.faults.failNext('imds:token', { type: 'delay', ms: 1500 }),
    output: /^\["create -> [\w ]+"\]$/,
    telemetry: (report) => {
      expect(count(report.refreshes, { source: 'imds' })).toBeGreaterThan(0);
    },
  },
  {
    name: 'web-identity-missing',
    fault: 'the web identity token file is gone',
    truth:
      'one failed refresh with `error.type` `Error` (the chain had no link left to name: its source reads `custom`); no signing',
    route: 'web_identity',
    credentials: 'chain',
    steps: ['create'],
    arrange: (_emulator, env) => rmSync(env.AWS_WEB_IDENTITY_TOKEN_FILE as string),
    output: ['create -> Error'],
    telemetry: (report) => {
      expect(report.refreshes).toEqual([
        { source: 'custom', trigger: 'initial', outcome: 'failure', errorType: 'Error', count: 1 },
      ]);
      expect(count(report.signings, S3)).toBe(0);
    },
  },
  {
    name: 'web-identity-rotated',
    fault: 'the token file is replaced (as the kubelet rotates it) between requests that each refresh',
    truth:
      'one successful `web_identity` refresh per STS call, the background ones included; every signing `refresh_window`',
    route: 'web_identity',
    credentials: 'chain',
    emulator: { tokenLifetime: '4m' },
    // The pause lets each background refresh land before the next request starts one.
    steps: ['create', 'sleep 100', 'put a', 'sleep 100', 'rotate-token', 'put b', 'sleep 100'],
    output: ['create -> ok', 'put a -> ok', 'put b -> ok'],
    telemetry: (report, calls) => {
      const stsCalls = calls['sts:AssumeRoleWithWebIdentity'] ?? 0;
      expect(stsCalls).toBeGreaterThanOrEqual(3);
      expect(count(report.refreshes, { source: 'web_identity', outcome: 'success' })).toBe(stsCalls);
      expect(count(report.refreshes, { outcome: 'failure' })).toBe(0);
      expect(count(report.signings, { ...S3, source: 'web_identity', expiryState: 'refresh_window' })).toBe(
        3,
      );
    },
  },
  {
    name: 'credential-process',
    fault: 'credentials from a `credential_process` profile',
    truth: 'one successful `process` refresh; signings with source `process`',
    credentials: 'process',
    steps: ['create', 'put a'],
    output: ['create -> ok', 'put a -> ok'],
    telemetry: (report) => {
      expect(report.refreshes).toEqual([
        { source: 'process', trigger: 'initial', outcome: 'success', count: 1 },
      ]);
      expect(count(report.signings, { ...S3, source: 'process' })).toBe(2);
    },
  },
  {
    name: 'credential-process-failing',
    fault: 'the `credential_process` exits 1',
    truth: 'a failed `process` refresh, with no message (it can quote the command line)',
    credentials: 'process',
    env: { RELIABILITY_PROCESS_FAILS: '1' },
    steps: ['create'],
    output: /^\["create -> CredentialsProviderError"\]$/,
    telemetry: (report) => {
      expect(count(report.refreshes, { source: 'process', outcome: 'failure' })).toBe(1);
      expect(count(report.signings, S3)).toBe(0);
    },
  },
  ...HOSTILE.map(
    ([kind, description, output]): Scenario => ({
      name: `hostile-${kind}`,
      fault: description,
      truth: 'no crash, no extra provider call; whatever signed is `custom`',
      credentials: `hostile:${kind}`,
      steps: ['create', 'put a'],
      // Short enough for the provider that never settles; the others fail at once.
      env: { RELIABILITY_STEP_TIMEOUT: '2000' },
      output,
      telemetry: (report) => {
        for (const signing of report.signings) expect(signing.source).toBe('custom');
        expect(report.rejections).toEqual([]);
      },
    }),
  ),
  ...(['refusing', 'failing', 'hanging'] as const).map(
    (collector): Scenario => ({
      name: `collector-${collector}`,
      fault: `the OTLP collector is ${collector === 'refusing' ? 'down (connection refused)' : collector === 'failing' ? 'answering 500' : 'never answering'}`,
      truth: 'the app ends as bare, within the shutdown bound; the exit report is still complete',
      credentials: 'assume-role',
      steps: ['create', 'put a'],
      instrumentedEnv: `collector-${collector}`,
      output: ['create -> ok', 'put a -> ok'],
      telemetry: (report) => {
        expect(count(report.signings, { ...S3, source: 'assume_role' })).toBe(2);
      },
    }),
  ),
  ...(['SIGTERM', 'SIGINT'] as const).map(
    (signal): Scenario => ({
      name: `${signal.toLowerCase()}-mid-burst`,
      fault: `${signal} while 50 uploads are in flight`,
      truth: 'the process dies of the signal as it would bare; what was signed before it is in the report',
      credentials: 'chain',
      steps: ['create', 'burst 50', 'hold'],
      signal: { name: signal, after: 'burst' },
      output: /^burst$/,
      telemetry: (report) => {
        expect(count(report.signings, { ...S3, source: 'env' })).toBeGreaterThanOrEqual(1);
      },
    }),
  ),
];

/** The matrix as docs/reliability.md shows it: one row per scenario. */
export function matrixTable(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = SCENARIOS.map((scenario) => {
    const compared = scenario.signal
      ? 'exit signal, output, stderr'
      : 'output, exit code, stderr, emulator calls and errors';
    return `| \`${scenario.name}\` | ${cell(scenario.fault)} | ${compared} | ${cell(scenario.truth)} |`;
  });
  return [
    '| scenario | fault | identical bare, `--require` and `--import` | telemetry (exit report of both instrumented runs) |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
