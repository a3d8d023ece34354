// A credential_process: prints the long-term key it was given, or fails when asked to.
if (process.env.RELIABILITY_PROCESS_FAILS) {
  process.stderr.write('credential_process: the vault is sealed\n');
  process.exit(1);
}
process.stdout.write(
  JSON.stringify({
    Version: 1,
    AccessKeyId: process.env.RELIABILITY_PROCESS_KEY_ID,
    SecretAccessKey: process.env.RELIABILITY_PROCESS_SECRET,
  }),
);
