// A TypeScript app run by tsx: `NODE_OPTIONS="--import @credwatch/auto/register" tsx app.ts`.
import * as s3 from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import workload from './workload.cjs';

const credentials: s3.S3ClientConfig['credentials'] = fromTemporaryCredentials({
  params: { RoleArn: process.env.APP_ROLE_ARN as string },
});
void workload.run(s3, credentials);
