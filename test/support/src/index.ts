export { isolateAwsEnvironment, uniqueBucket, withEnv, writeFile } from './aws-env.js';
