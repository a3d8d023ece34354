import { AwsCredentialsInstrumentation } from '@credwatch/instrumentation';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { errorPreservingAwsInstrumentation } from './aws-sdk-instrumentation.js';
import type { AutoConfig } from './env-config.js';

/** credwatch, plus the upstream AWS SDK instrumentation so operation spans exist to carry its attributes. */
export function credwatchInstrumentations(config: AutoConfig): Instrumentation[] {
  const instrumentations: Instrumentation[] = [
    new AwsCredentialsInstrumentation({
      ...(config.services ? { services: config.services } : {}),
      accessKeyFingerprint: config.accessKeyFingerprint,
      recover: config.recover,
      ...(config.refreshBefore === undefined ? {} : { refreshBefore: config.refreshBefore }),
    }),
  ];
  if (config.awsSdkInstrumentation) instrumentations.push(errorPreservingAwsInstrumentation());
  return instrumentations;
}
