import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@credwatch/emulator';
import {
  type NodeRun,
  type RunningNode,
  sealedEnvironment,
  startNode,
  uniqueBucket,
} from '@credwatch/test-support';
import { afterAll, beforeAll } from 'vitest';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export type ModuleSystem = 'cjs' | 'esm';

/** `--require` for the CommonJS app, `--import` for the ESM one, as the README tells users. */
export const LOADER: Record<ModuleSystem, string[]> = {
  cjs: ['--require', '@credwatch/auto/register', 'test/fixtures/s3-app.cjs'],
  esm: ['--import', '@credwatch/auto/register', 'test/fixtures/s3-app.mjs'],
};
export const BARE: Record<ModuleSystem, string[]> = {
  cjs: ['test/fixtures/s3-app.cjs'],
  esm: ['test/fixtures/s3-app.mjs'],
};

/** What the fixture app prints when the emulator answers its GetObject with `TokenRefreshRequired`. */
export const REJECTED_RUN = '["CreateBucket ok","PutObject ok","GetObject TokenRefreshRequired"]';

/** The test file's emulator, once `useFixtureEmulator()` has started it (a live binding). */
export let emulator: Emulator;

/** Starts one emulator for the test file and stops it after the last test. */
export function useFixtureEmulator(): void {
  beforeAll(async () => {
    emulator = await startEmulator({ tokenLifetime: '1h' });
  });
  afterAll(() => emulator.stop());
}

/** The next GetObject is rejected as S3 does when a session must be refreshed. */
export function rejectNextGet(emulator: Emulator): void {
  emulator.faults.failNext('s3:GetObject', {
    type: 'error',
    status: 400,
    code: 'TokenRefreshRequired',
    message: 'The provided token must be refreshed.',
  });
}

/** Environment for one fixture run: the emulator's env route, a fresh bucket, and the given settings. */
export function fixtureEnv(emulator: Emulator, vars: Record<string, string>): Record<string, string> {
  return sealedEnvironment({
    ...emulator.env('env'),
    FIXTURE_ROLE_ARN: emulator.roleArn,
    FIXTURE_BUCKET: uniqueBucket('auto'),
    ...vars,
  });
}

export function startFixture(args: string[], env: Record<string, string>): RunningNode {
  return startNode(args, { env, cwd: PACKAGE_DIR });
}

export function runFixture(args: string[], env: Record<string, string>): Promise<NodeRun> {
  return startFixture(args, env).exited;
}

/** OTLP export to `endpoint`, with metrics exported only by the exit flush (the interval is a minute). */
export function otlpTo(endpoint: string, protocol = 'http/protobuf'): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: 'fixture-app',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
    OTEL_BSP_SCHEDULE_DELAY: '60000',
  };
}
