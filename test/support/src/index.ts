export { isolateAwsEnvironment, uniqueBucket, withEnv, writeFile } from './aws-env.js';
export { type NodeRun, type RunningNode, runNode, sealedEnvironment, startNode } from './child-process.js';
export { parseExposition, type Sample, sample } from './exposition.js';
export { awsLambdaRic } from './lambda-ric.js';
export { markdownTable } from './markdown.js';
export { freePort } from './ports.js';
export { emulatorSecrets, findSecrets } from './secrets.js';
