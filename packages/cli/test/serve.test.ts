import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { TEST_SCHEMA_INPUT, tempDir } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';

const CVM = resolve(import.meta.dirname, '../bin/cvm.js');

const freePort = () =>
  new Promise<number>((resolvePort, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });

/** `cvm serve` in its own process, until it has printed how to get in. */
const startServe = async (dir: string) => {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [CVM, 'serve'], {
    env: {
      ...process.env,
      CVM_SCHEMA: join(dir, 'schema.json'),
      CVM_DATA_DIR: join(dir, 'data'),
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 30_000);
    const read = (chunk: unknown) => {
      output += String(chunk);
      if (/Log in:|cvm users create/.test(output)) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('exit', () => reject(new Error(`serve exited:\n${output}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    async [Symbol.asyncDispose]() {
      child.kill('SIGTERM');
      await exited;
    },
  };
};

describe('cvm serve', () => {
  it('prints a one-time setup token on a new workspace, then how to log in', async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
    let token: string;
    {
      await using server = await startServe(dir.path);
      expect(server.output()).toContain('No user exists yet');
      const printed = /one-time setup token:\s+(\S+)/.exec(server.output())?.[1];
      expect(printed).toEqual(expect.any(String));
      token = printed ?? '';
      expect((await fetch(`${server.base}/v1/summary`)).status).toBe(401);
      const setup = await fetch(`${server.base}/v1/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, name: 'admin', password: 'a long enough secret' }),
      });
      expect(setup.status).toBe(201);
      const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const summary = await fetch(`${server.base}/v1/summary`, { headers: { cookie } });
      expect(summary.status).toBe(200);
    }
    {
      await using server = await startServe(dir.path);
      expect(server.output()).not.toContain(token);
      expect(server.output()).toContain('Log in: POST');
      const login = await fetch(`${server.base}/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'admin', password: 'a long enough secret' }),
      });
      expect(login.status).toBe(200);
    }
  }, 90_000);
});
