import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'instrumentation',
    include: ['test/**/*.test.ts'],
    // Installs credwatch (and the canary) before a test file loads the AWS SDK: require hooks only see later loads.
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
  },
});
