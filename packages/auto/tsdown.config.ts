import { defineConfig, type UserConfig } from 'tsdown';

const common: UserConfig = { dts: true, fixedExtension: false, sourcemap: true, clean: false };

// `./register` has one entry per module system: the ESM one also installs the import hook.
export default defineConfig([
  { ...common, entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'] },
  { ...common, entry: { register: 'src/register.ts' }, format: ['cjs'] },
  { ...common, entry: { register: 'src/register-esm.ts' }, format: ['esm'] },
]);
