// `node --import @credwatch/auto/register app.mjs`: route ESM imports of the instrumented packages through
// import-in-the-middle first, so `import { fromTemporaryCredentials } from '@aws-sdk/credential-providers'`
// is hooked as a `require` would be.
import { registerImportHook } from './import-hook.js';
import { startFromCommandLine } from './start.js';

const runtime = startFromCommandLine();
registerImportHook(runtime.instrumentations);
