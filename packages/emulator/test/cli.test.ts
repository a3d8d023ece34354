import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The CLI as a user runs it: the built bin (the test script builds first).
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');

describe('credwatch-emulator CLI', () => {
  it('prints the exports for a route and serves credentials until it is stopped', async () => {
    const child = spawn(process.execPath, [
      cli,
      '--token-lifetime',
      '30s',
      '--route',
      'container',
      '--container-auth-token',
      'tok',
    ]);
    let out = '';
    child.stdout.setEncoding('utf8');
    while (!out.includes('# control API')) {
      const [chunk] = (await once(child.stdout, 'data')) as [string];
      out += chunk;
    }
    const env = Object.fromEntries([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(env)).toEqual([
      'AWS_REGION',
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL_STS',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN',
    ]);
    const res = await fetch(env.AWS_CONTAINER_CREDENTIALS_FULL_URI as string, {
      headers: { authorization: 'tok' },
    });
    const creds = (await res.json()) as { Expiration: string };
    const lifetime = Date.parse(creds.Expiration) - Date.now();
    expect(lifetime).toBeGreaterThan(28_000);
    expect(lifetime).toBeLessThanOrEqual(30_000);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it("the README's control API commands work against the address the CLI prints", async () => {
    const child = spawn(process.execPath, [cli]);
    let out = '';
    child.stdout.setEncoding('utf8');
    while (!out.includes('# control API')) {
      const [chunk] = (await once(child.stdout, 'data')) as [string];
      out += chunk;
    }
    try {
      const printed = /^# control API: (\S+)\{stats,faults,clock,credentials\}$/m.exec(out)?.[1] as string;
      const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
      const block = /<!-- control-api[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
      const [assignment, ...commands] = block.trim().split('\n');
      // The README's CONTROL is the printed address without its trailing slash, on the README's own port.
      const documented = /^CONTROL=(\S+)/.exec(assignment ?? '')?.[1] as string;
      expect(`${documented}/`).toBe(printed.replace(/:\d+\//, ':41234/'));
      const control = printed.replace(/\/$/, '');
      expect(commands).toHaveLength(7);
      for (const command of commands) {
        const match = /^curl -s (?:-X (\w+) )?\$CONTROL(\/\S+)(?: -d '(.*?)')?\s*(?:#.*)?$/.exec(command);
        expect(match, command).not.toBeNull();
        const [, method = 'GET', path, body] = match as RegExpExecArray;
        const response = await fetch(`${control}${path}`, { method, ...(body ? { body } : {}) });
        expect(response.status, command).toBeLessThan(300);
      }
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it.each([
    [
      ['--token-lifetime', 'soon'],
      '--token-lifetime: expected a duration such as "30s", "5m" or "1h", got "soon"',
    ],
    [['--route', 'ftp'], '--route must be one of env, container, imds, web_identity, got "ftp"'],
    [['--port', 'abc'], '--port must be a non-negative integer, got "abc"'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--access-key-id', 'AKIAONLYHALF00000000'], '--access-key-id and --secret-access-key go together'],
  ])('%j fails with a message naming the option', (args, message) => {
    const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
