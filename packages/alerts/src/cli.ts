#!/usr/bin/env node
// credwatch-alerts <artifact> [options]: writes the alert pack for your thresholds and data source.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, type PackConfig, PackConfigError, resolveConfig } from './config.js';
import { type Artifact, renderPack } from './generate.js';

const ARTIFACTS = ['prometheus', 'grafana', 'alertmanager', 'dashboard', 'tests', 'all'] as const;

/** Every PackConfig option as a flag: `refreshStormPerMinute` is `--refresh-storm-per-minute`. */
const OPTIONS = Object.keys(DEFAULT_CONFIG) as (keyof PackConfig)[];
/** Options whose value is a number; the others are strings, passed as written. */
const NUMERIC = OPTIONS.filter((option) => typeof DEFAULT_CONFIG[option] === 'number');
const flag = (option: string) => option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

const USAGE = `usage: credwatch-alerts <${ARTIFACTS.join('|')}> [--out dir] ${OPTIONS.map((option) => `[--${flag(option)} …]`).join(' ')}
  Without --out, one artifact is printed to stdout; "all" needs --out.`;

class UsageError extends Error {}

function parse(argv: string[]): { artifact: (typeof ARTIFACTS)[number]; out?: string; config: PackConfig } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(OPTIONS.map((option) => [flag(option), { type: 'string' as const }])),
    },
  });
  if (values.help) throw new UsageError('');
  const [artifact, ...extra] = positionals;
  if (!artifact || !(ARTIFACTS as readonly string[]).includes(artifact)) {
    throw new UsageError(`expected one of ${ARTIFACTS.join(', ')}${artifact ? `, got "${artifact}"` : ''}`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const overrides: Partial<Record<keyof PackConfig, string | number>> = {};
  for (const option of OPTIONS) {
    const value = (values as Record<string, string | boolean | undefined>)[flag(option)];
    if (typeof value !== 'string') continue;
    if (NUMERIC.includes(option)) {
      if (!/^\d+(\.\d+)?$/.test(value))
        throw new UsageError(`--${flag(option)}: expected a number, got "${value}"`);
      overrides[option] = Number(value);
    } else overrides[option] = value;
  }
  if (artifact === 'all' && typeof values.out !== 'string')
    throw new UsageError('"all" writes several files: give --out <dir>');
  return {
    artifact: artifact as (typeof ARTIFACTS)[number],
    ...(typeof values.out === 'string' ? { out: values.out } : {}),
    config: resolveConfig(overrides as Partial<PackConfig>),
  };
}

function main(argv: string[]): number {
  let request: ReturnType<typeof parse>;
  try {
    request = parse(argv);
  } catch (error) {
    const message =
      error instanceof PackConfigError
        ? `--${flag(error.option)}: ${error.message.slice(error.option.length + 2)}`
        : (error as Error).message;
    if (message) process.stderr.write(`credwatch-alerts: ${message}\n`);
    process.stderr.write(`${USAGE}\n`);
    return error instanceof UsageError && !message ? 0 : 2;
  }
  const files = renderPack(
    request.config,
    request.artifact === 'all' ? undefined : (request.artifact as Artifact),
  );
  if (request.out === undefined) {
    process.stdout.write(Object.values(files).join('---\n'));
    return 0;
  }
  for (const [path, text] of Object.entries(files)) {
    const target = join(request.out, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    process.stderr.write(`wrote ${target}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
