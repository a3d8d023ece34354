// Bundled by esbuild with the SDK and credwatch inlined, as a Lambda handler or a single-file service ships:
// require hooks never see these modules, so the client is instrumented explicitly.
import * as s3 from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { instrumentClient } from '@credwatch/instrumentation';
import workload from './workload.cjs';

workload.run(
  s3,
  fromTemporaryCredentials({ params: { RoleArn: process.env.APP_ROLE_ARN } }),
  instrumentClient,
);
