import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ConfigError } from './config-error.js';
import { type AutoConfig, readConfig } from './env-config.js';
import { credwatchInstrumentations } from './instrumentations.js';
import { flushEachInvocation } from './lambda-flush.js';
import { isLauncher } from './launcher.js';
import { metricReadersFromEnv } from './metric-readers.js';
import { formatReport, ReportReader } from './report.js';
import { CredwatchSdk } from './sdk.js';
import { flushOnExit } from './shutdown.js';

export interface CredwatchRuntime {
  /** The started SDK; undefined when `OTEL_SDK_DISABLED=true`. */
  readonly sdk: CredwatchSdk | undefined;
  /** The instrumentations credwatch registered. */
  readonly instrumentations: readonly Instrumentation[];
  /** Writes the report (if asked for) and shuts the SDK down, flushing what is buffered. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK with credwatch (`CredwatchSdk`), configured by the `OTEL_*` and `CREDWATCH_*`
 * environment.
 * Throws a `ConfigError` naming every invalid variable before anything starts.
 */
export function startCredwatch(): CredwatchRuntime {
  const global = globalThis as { [RUNTIME]?: CredwatchRuntime };
  const running = global[RUNTIME];
  if (running) {
    diag.warn('credwatch: already started (by --require/--import and again in code?); keeping the first');
    return running;
  }
  const config = readConfig(process.env);
  const runtime = config.disabled ? DISABLED : start(config);
  global[RUNTIME] = runtime;
  return runtime;
}

/**
 * `startCredwatch()` for the `--require`/`--import` entry points. A preload also reaches what is not the
 * application: every worker thread (esbuild's service thread under tsx, the app's own workers), where the
 * main thread's SDK already reports; and, through `NODE_OPTIONS`, launchers (npm, npx, pnpm, tsx, nodemon)
 * whose child is the app. Neither starts anything, and neither takes the app's Prometheus port. An invalid
 * configuration ends the process with exit code 1 and the one message naming every bad variable (a
 * launcher checks too, so `npm start` stops before the app), not an uncaught exception's stack trace.
 */
export function startFromCommandLine(): CredwatchRuntime {
  if (!isMainThread) return DISABLED;
  try {
    if (!isLauncher(process.argv[1])) return startCredwatch();
    readConfig(process.env);
    return DISABLED;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

// Shared across copies of this package, so a second start cannot register a second SDK.
const RUNTIME = Symbol.for('credwatch.auto.runtime');
const DISABLED: CredwatchRuntime = { sdk: undefined, instrumentations: [], shutdown: async () => {} };

function start(config: AutoConfig): CredwatchRuntime {
  const report = config.report ? { reader: new ReportReader(), destination: config.report } : undefined;
  const instrumentations = credwatchInstrumentations(config, {
    ...(report ? { findingHook: report.reader.findingHook } : {}),
  });
  const sdk = new CredwatchSdk(instrumentations, [
    ...metricReadersFromEnv(process.env),
    ...(report ? [report.reader] : []),
  ]);
  sdk.start();
  flushEachInvocation(() => sdk.forceFlush(), config.lambdaFlushTimeoutMs);

  let stopped: Promise<void> | undefined;
  const shutdown = () => {
    stopped ??= (async () => {
      removeExitHooks();
      if (report) await writeReport(report.reader, report.destination);
      await sdk.shutdown();
    })();
    return stopped;
  };
  const removeExitHooks = flushOnExit(shutdown, config.shutdownTimeoutMs);
  return { sdk, instrumentations, shutdown };
}

async function writeReport(reader: ReportReader, destination: string): Promise<void> {
  try {
    const report = await reader.report();
    if (destination === 'stderr') process.stderr.write(`credwatch report\n${formatReport(report)}\n`);
    else writeFileSync(destination, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    diag.error(`credwatch: could not write the report to ${destination}`, error);
  }
}
