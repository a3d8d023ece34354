import { defineConfig, type UserConfig } from 'tsdown';

const common: UserConfig = { dts: true, fixedExtension: false, sourcemap: true, clean: false };

export default defineConfig([
  { ...common, entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'] },
  { ...common, entry: { cli: 'src/cli.ts' }, format: ['esm'], dts: false },
]);
