// `node --require @credwatch/auto/register app.js`: start before the application loads the AWS SDK.
import { startCredwatch } from './start.js';

startCredwatch();
