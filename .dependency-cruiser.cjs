// `pnpm lint` runs dependency-cruiser over every package's sources: no import cycle, type-only imports
// included (tsPreCompilationDeps), and nothing imports a package's tests.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module must not import, through any chain of imports, a module that imports it.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-from-tests',
      severity: 'error',
      comment: 'Published code must not depend on test code.',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^(packages/[^/]+/test/|test/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
