export { LAMBDA_INVOCATIONS } from './detectors.js';
export { instrumentClient } from './enabled.js';
export { AwsCredentialsInstrumentation } from './instrumentation.js';
export { parseRefreshBefore, type RefreshAhead } from './refresh-ahead.js';
export * from './semconv.js';
export { isRefreshableSource } from './sources.js';
export * from './types.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
