// `node --require @credwatch/auto/register app.js`: start before the application loads the AWS SDK.
import { startFromCommandLine } from './start.js';

startFromCommandLine();
