// Kept equal to package.json by test/version.test.ts.
export const PACKAGE_NAME = '@credwatch/instrumentation';
export const PACKAGE_VERSION = '0.1.0';
