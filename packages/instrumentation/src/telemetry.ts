import type { DiagLogger, Tracer } from '@opentelemetry/api';
import type { IdentityRegistry } from './identities.js';
import type { CredentialMetrics } from './metrics.js';
import type { AwsCredentialsInstrumentationConfig } from './types.js';

/** What the hooks need from the instrumentation that installed them; read live, so provider changes apply. */
export interface Telemetry {
  readonly tracer: Tracer;
  readonly metrics: CredentialMetrics;
  readonly config: AwsCredentialsInstrumentationConfig;
  readonly registry: IdentityRegistry;
  readonly diag: DiagLogger;
  isEnabled(): boolean;
}

/**
 * Runs credwatch's own bookkeeping so that nothing it throws can reach the application: the error is
 * logged through `diag` and the application's call goes on untouched.
 */
export function safely<T>(telemetry: Pick<Telemetry, 'diag'>, what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    telemetry.diag.error(`${what} failed; the AWS SDK call is unaffected`, error);
    return undefined;
  }
}
