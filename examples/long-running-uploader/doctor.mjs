// `pnpm demo:doctor`: `credwatch doctor` on the demo's stale uploader. The doctor runs the job under
// credwatch and names what is wrong with its credentials, with the fix. S3 wants sessions refreshed after
// 3 s here, so the run takes a few seconds.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startEmulator } from '@credwatch/emulator';

const emulator = await startEmulator({ tokenLifetime: '320s', refreshRequiredAfter: '3s' });
const bucket = 'nightly-export';
emulator.createBucket(bucket);

const autoDir = dirname(createRequire(import.meta.url).resolve('@credwatch/auto/package.json'));
const command = ['credwatch', 'doctor', '--', 'node', 'uploader.cjs'];
console.log(`$ UPLOADER_MODE=stale ${command.join(' ')}\n`);
const code = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [join(autoDir, 'dist', 'cli.js'), ...command.slice(1)], {
    cwd: import.meta.dirname,
    stdio: 'inherit',
    env: {
      ...process.env,
      ...emulator.env('env'),
      UPLOADER_MODE: 'stale',
      UPLOADER_BUCKET: bucket,
      UPLOADER_ROLE_ARN: emulator.roleArn,
      UPLOADER_UPLOADS: '10',
      UPLOADER_INTERVAL_MS: '500',
    },
  });
  child.on('error', reject);
  child.on('exit', resolve);
});
await emulator.stop();
process.exitCode = code === 1 ? 0 : 1; // the doctor exits 1 when it has findings, as it should here
