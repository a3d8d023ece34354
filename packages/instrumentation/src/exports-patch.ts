/**
 * Replaces one export of a CommonJS module. Current SDK builds assign `exports.name = …` (writable, patched
 * in place); 2024-era builds export through esbuild's non-configurable getters, so those get a copy of the
 * exports object with every other property (`__esModule` included) carried over unchanged.
 */
/** Where a replacement keeps the export it replaced, for `unpatchExport`. */
const ORIGINAL = Symbol('credwatch.original');

export function replaceExport<T extends object>(
  moduleExports: T,
  name: string,
  replace: (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown,
): T {
  const original = (moduleExports as Record<string, unknown>)[name];
  if (typeof original !== 'function') return moduleExports;
  const replacement = replace(original as (...args: unknown[]) => unknown);
  Object.defineProperty(replacement, ORIGINAL, { value: original });
  const descriptor = Object.getOwnPropertyDescriptor(moduleExports, name);
  if (descriptor?.writable) {
    (moduleExports as Record<string, unknown>)[name] = replacement;
    return moduleExports;
  }
  if (descriptor?.configurable) {
    Object.defineProperty(moduleExports, name, { value: replacement, enumerable: true, writable: true });
    return moduleExports;
  }
  const descriptors: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(moduleExports);
  descriptors[name] = { value: replacement, enumerable: true, writable: true, configurable: true };
  return Object.create(Object.getPrototypeOf(moduleExports), descriptors) as T;
}

/** Puts back an export patched in place (copied exports objects keep inert wrappers instead). */
export function unpatchExport(moduleExports: object, name: string): void {
  const current = (moduleExports as Record<string, unknown>)[name] as { [ORIGINAL]?: unknown } | undefined;
  const original = current?.[ORIGINAL];
  const descriptor = Object.getOwnPropertyDescriptor(moduleExports, name);
  if (original !== undefined && descriptor?.writable)
    (moduleExports as Record<string, unknown>)[name] = original;
}
