import { realpathSync } from 'node:fs';

/**
 * The scripts of tools that start the application in a child process: package managers (`npm start`, `npx`,
 * `pnpm`, `yarn`, corepack's shims), `tsx`'s command line and `nodemon`. With `NODE_OPTIONS="--require
 * @credwatch/auto/register"` they load the hook too; telemetry must come from their child, the application,
 * which would otherwise find the Prometheus port taken by its launcher. `ts-node` and `node --run` are not
 * here: the first runs the application in its own process, the second starts no JavaScript of its own.
 */
const LAUNCHER_SCRIPT =
  /[\\/](?:npm[\\/]bin[\\/]np[mx]-cli\.js|pnpm[\\/](?:bin|dist)[\\/]pnp[mx]\.c?js|yarn[\\/]bin[\\/]yarn(?:pkg)?(?:\.c?js)?|\.yarn[\\/]releases[\\/]yarn-[^\\/]+\.c?js|corepack[\\/]dist[\\/](?:corepack|npm|npx|pnpm|pnpx|yarn|yarnpkg)\.js|tsx[\\/]dist[\\/]cli\.m?js|nodemon[\\/]bin[\\/]nodemon\.js)$/;

/** True when `script` (the process's `argv[1]`) is one of the launchers above, through any symlink. */
export function isLauncher(script: string | undefined): boolean {
  if (script === undefined) return false;
  if (LAUNCHER_SCRIPT.test(script)) return true;
  try {
    return LAUNCHER_SCRIPT.test(realpathSync(script));
  } catch {
    return false;
  }
}
