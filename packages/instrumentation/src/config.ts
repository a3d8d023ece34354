import { parseRefreshBefore } from './refresh-ahead.js';
import type { AwsCredentialsInstrumentationConfig } from './types.js';

function describe(value: unknown): string {
  return typeof value === 'string' || typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function fail(setting: string, expected: string, value: unknown): never {
  throw new TypeError(
    `@credwatch/instrumentation: config.${setting} must be ${expected}, got ${describe(value)}`,
  );
}

const SETTINGS: readonly string[] = [
  'enabled',
  'services',
  'accessKeyFingerprint',
  'accountIdAttribute',
  'localRefreshSpans',
  'recover',
  'refreshBefore',
  'refreshHook',
  'rejectionHook',
  'findingHook',
] satisfies (keyof AwsCredentialsInstrumentationConfig)[];

/** Checks a config at construction and at every `setConfig`, naming the setting that is wrong. */
export function validateConfig(
  config: AwsCredentialsInstrumentationConfig,
): AwsCredentialsInstrumentationConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(
      `@credwatch/instrumentation: config must be an object such as { services: ['S3'] }, got ${describe(config)}`,
    );
  }
  const unknown = Object.keys(config).filter((setting) => !SETTINGS.includes(setting));
  if (unknown.length > 0) {
    throw new TypeError(
      `@credwatch/instrumentation: config.${unknown[0]} is not a setting; the settings are ${SETTINGS.join(', ')}`,
    );
  }
  const { enabled, services, accessKeyFingerprint, localRefreshSpans, refreshHook, rejectionHook } = config;
  if (enabled !== undefined && typeof enabled !== 'boolean') fail('enabled', 'a boolean', enabled);
  if (
    services !== undefined &&
    (!Array.isArray(services) ||
      services.some((service) => typeof service !== 'string' || service.trim() === ''))
  ) {
    fail('services', "an array of SDK service ids such as ['S3', 'STS']", services);
  }
  if (accessKeyFingerprint !== undefined && typeof accessKeyFingerprint !== 'boolean') {
    fail('accessKeyFingerprint', 'a boolean', accessKeyFingerprint);
  }
  if (config.accountIdAttribute !== undefined && typeof config.accountIdAttribute !== 'boolean') {
    fail('accountIdAttribute', 'a boolean', config.accountIdAttribute);
  }
  if (localRefreshSpans !== undefined && typeof localRefreshSpans !== 'boolean') {
    fail('localRefreshSpans', 'a boolean', localRefreshSpans);
  }
  if (config.recover !== undefined && typeof config.recover !== 'boolean')
    fail('recover', 'a boolean', config.recover);
  if (config.refreshBefore !== undefined && parseRefreshBefore(config.refreshBefore) === undefined) {
    fail(
      'refreshBefore',
      "seconds above 0, a duration such as '15m', '90s' or '1h', or a share of the session such as '25%'",
      config.refreshBefore,
    );
  }
  if (refreshHook !== undefined && typeof refreshHook !== 'function')
    fail('refreshHook', 'a function', refreshHook);
  if (rejectionHook !== undefined && typeof rejectionHook !== 'function') {
    fail('rejectionHook', 'a function', rejectionHook);
  }
  if (config.findingHook !== undefined && typeof config.findingHook !== 'function') {
    fail('findingHook', 'a function', config.findingHook);
  }
  return config;
}
