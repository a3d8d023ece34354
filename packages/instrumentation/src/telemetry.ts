import type { DiagLogger, Tracer } from '@opentelemetry/api';
import type { FindingLogger, Findings } from './findings.js';
import type { IdentityRegistry } from './identities.js';
import type { LiveClients } from './live-clients.js';
import type { CredentialMetrics } from './metrics.js';
import type { AwsCredentialsInstrumentationConfig } from './types.js';

/** What the hooks need from the instrumentation that installed them; read live, so provider changes apply. */
export interface Telemetry {
  readonly tracer: Tracer;
  readonly metrics: CredentialMetrics;
  readonly config: AwsCredentialsInstrumentationConfig;
  readonly registry: IdentityRegistry;
  /** The instrumented clients still alive, for `aws.credentials.expiration`. */
  readonly liveClients: LiveClients;
  readonly diag: DiagLogger;
  /** Findings reported so far, so that each is reported once per process per subject. */
  readonly findings: Findings;
  /** The Logs API logger of the instrumentation, where its base class has one (instrumentation ≥ 0.200). */
  readonly logger: FindingLogger | undefined;
  isEnabled(): boolean;
}

/** Logs a failure of credwatch's own bookkeeping; the application's call goes on untouched. */
export function reportFailure(telemetry: Pick<Telemetry, 'diag'>, what: string, error: unknown): void {
  telemetry.diag.error(`${what} failed; the AWS SDK call is unaffected`, error);
}

/** Runs credwatch's own bookkeeping so that nothing it throws can reach the application. */
export function safely<T>(telemetry: Pick<Telemetry, 'diag'>, what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    reportFailure(telemetry, what, error);
    return undefined;
  }
}
