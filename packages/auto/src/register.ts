// `node --require @credwatch/auto/register app.js`: start before the application loads the AWS SDK.
import { BUNDLED_EXPORTERS } from './bundled-exporters.js';
import { provideBundledPackages } from './exporter-packages.js';
import { startFromCommandLine } from './start.js';

provideBundledPackages(BUNDLED_EXPORTERS);
startFromCommandLine();
