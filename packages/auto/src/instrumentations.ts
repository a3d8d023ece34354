import { AwsCredentialsInstrumentation, type FindingHook } from '@credwatch/instrumentation';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { errorPreservingAwsInstrumentation } from './aws-sdk-instrumentation.js';
import type { AutoConfig } from './env-config.js';

/**
 * credwatch, plus the upstream AWS SDK instrumentation so operation spans exist to carry its attributes.
 * `findingHook` receives each finding (the exit report keeps them).
 */
export function credwatchInstrumentations(
  config: AutoConfig,
  hooks: { findingHook?: FindingHook } = {},
): Instrumentation[] {
  const instrumentations: Instrumentation[] = [
    new AwsCredentialsInstrumentation({
      ...(config.services ? { services: config.services } : {}),
      accessKeyFingerprint: config.accessKeyFingerprint,
      accountIdAttribute: config.accountIdAttribute,
      recover: config.recover,
      ...(config.refreshBefore === undefined ? {} : { refreshBefore: config.refreshBefore }),
      ...(hooks.findingHook ? { findingHook: hooks.findingHook } : {}),
    }),
  ];
  if (config.awsSdkInstrumentation) instrumentations.push(errorPreservingAwsInstrumentation());
  return instrumentations;
}
