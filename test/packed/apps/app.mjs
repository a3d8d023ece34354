// An ESM app that imports the SDK statically: `node --import @credwatch/auto/register app.mjs`.
import * as s3 from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import workload from './workload.cjs';

await workload.run(s3, fromTemporaryCredentials({ params: { RoleArn: process.env.APP_ROLE_ARN } }));
