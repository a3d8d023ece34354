// `node --import @credwatch/auto/register app.mjs`: route ESM imports of the instrumented packages through
// import-in-the-middle first, so `import { fromTemporaryCredentials } from '@aws-sdk/credential-providers'`
// is hooked as a `require` would be.
import { BUNDLED_EXPORTERS } from './bundled-exporters.js';
import { provideBundledPackages } from './exporter-packages.js';
import { registerImportHook } from './import-hook.js';
import { startFromCommandLine } from './start.js';

provideBundledPackages(BUNDLED_EXPORTERS);
const runtime = startFromCommandLine();
registerImportHook(runtime.instrumentations);
