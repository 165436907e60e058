import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { natsReachable, openNatsTestStream } from '@opencvm/channels/testing';
import { DuckDbStore } from '@opencvm/storage';
import { TEST_SCHEMA_INPUT, tempDir } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/compose/config.ts';
import { runCli } from '../src/program.ts';

const CVM = resolve(import.meta.dirname, '../bin/cvm.js');
const reachable = await natsReachable();

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

const buffer = () => {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
};

const workspace = () => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
  return dir;
};

const isAnswered = (state: { pending: number; unanswered: number }) =>
  state.pending === 0 && state.unanswered === 0;
const pause = () => new Promise((resolvePause) => setTimeout(resolvePause, 50));

const baseEnv = (dir: string) => ({ CVM_SCHEMA: join(dir, 'schema.json'), CVM_DATA_DIR: join(dir, 'data') });

describe('the NATS event stream settings', () => {
  it('is off without CVM_NATS_URL and takes defaults for the rest', () => {
    const off = loadConfig({}, '/w');
    expect(off.ok && off.value.events.nats).toBeNull();
    const on = loadConfig({ CVM_NATS_URL: 'nats://127.0.0.1:4222', CVM_NATS_CREATE_STREAM: 'true' }, '/w');
    expect(on.ok && on.value.events.nats).toMatchObject({
      servers: ['nats://127.0.0.1:4222'],
      stream: 'CVM_EVENTS',
      subject: 'cvm.events.>',
      durable: 'opencvm',
      createStream: true,
    });
  });

  it.each([
    [{ CVM_NATS_URL: 'localhost:4222' }, 'CVM_NATS_URL', 'nats:// or tls:// URL'],
    [{ CVM_NATS_URL: 'nats://a:4222', CVM_NATS_SUBJECT: 'cvm events' }, 'CVM_NATS_SUBJECT', 'NATS subject'],
    [
      { CVM_NATS_URL: 'nats://a:4222', CVM_NATS_CREATE_STREAM: 'yes' },
      'CVM_NATS_CREATE_STREAM',
      'true or false',
    ],
    [{ CVM_NATS_URL: 'nats://a:4222', CVM_NATS_BATCH_SIZE: '0' }, 'CVM_NATS_BATCH_SIZE', '>=1'],
    [{ CVM_NATS_STREAM: 'EVENTS' }, 'CVM_NATS_URL', 'required when CVM_NATS_STREAM is set'],
  ])('names the variable at fault: %o', (env, key, message) => {
    const loaded = loadConfig(env, '/w');
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error.key).toBe(key);
    expect(loaded.error.message).toContain(message);
  });

  it('stops cvm serve with the usage code when the variable is wrong', async () => {
    using dir = workspace();
    const stderr = buffer();
    const code = await runCli(['serve'], {
      clock: () => new Date('2026-01-15T10:00:00Z'),
      stdout: buffer(),
      stderr,
      env: { ...baseEnv(dir.path), CVM_NATS_URL: 'http://127.0.0.1:4222' },
      cwd: dir.path,
    });
    expect(code).toBe(2);
    expect(stderr.text).toContain('CVM_NATS_URL: must be a nats:// or tls:// URL');
  });
});

describe.skipIf(!reachable)('cvm serve with a NATS event stream', () => {
  it('refuses a stream that does not exist, naming CVM_NATS_STREAM', async () => {
    using dir = workspace();
    await using nats = await openNatsTestStream();
    const stderr = buffer();
    const code = await runCli(['serve'], {
      clock: () => new Date('2026-01-15T10:00:00Z'),
      stdout: buffer(),
      stderr,
      env: {
        ...baseEnv(dir.path),
        CVM_NATS_URL: nats.url,
        CVM_NATS_STREAM: nats.stream,
        CVM_NATS_SUBJECT: nats.subject,
      },
      cwd: dir.path,
    });
    expect(code).toBe(2);
    expect(stderr.text).toContain(`CVM_NATS_STREAM: stream "${nats.stream}" does not exist`);
  });

  it('imports published events while it serves, and stops the consumer on SIGTERM', async () => {
    using dir = workspace();
    await using nats = await openNatsTestStream();
    let output = '';
    const child: ChildProcess = spawn(process.execPath, [CVM, 'serve'], {
      env: {
        ...process.env,
        ...baseEnv(dir.path),
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        CVM_NATS_URL: nats.url,
        CVM_NATS_STREAM: nats.stream,
        CVM_NATS_SUBJECT: nats.subject,
        CVM_NATS_DURABLE: 'serve',
        CVM_NATS_CREATE_STREAM: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
    const read = (chunk: unknown) => {
      output += String(chunk);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    /** Resolves once the output matches `pattern`; rejects if the process ends first. */
    const printed = (pattern: RegExp) =>
      new Promise<void>((resolveMatch, reject) => {
        const check = () => {
          if (pattern.test(output)) resolveMatch();
        };
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        child.on('exit', () => reject(new Error(`serve exited:\n${output}`)));
        check();
      });
    try {
      await printed(/Log in:|cvm users create/);
      expect(output).toContain(`events: importing from ${nats.url} stream ${nats.stream} consumer serve`);
      const event = { id: 'e1', customer_id: 'c1', type: 'visit', ts: '2026-01-14T09:30:00Z', page: '/' };
      await nats.publish(event);
      await nats.publish({ ...event, id: 'e2', ts: 'soon' });
      await printed(/message \d+ rejected: event: ts: expected a timestamp/);
      await nats.publish({ ...event, id: 'e3' });
      // Every message answered (stored and acked, or rejected) before the stop.
      while (!isAnswered(await nats.consumerState('serve'))) await pause();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('events: stopped after 3 messages (2 rows stored, 1 messages rejected)');
    } finally {
      child.kill('SIGKILL');
    }
    const store = await DuckDbStore.open({
      path: join(dir.path, 'data', 'cvm.duckdb'),
      clock: () => new Date(),
    });
    try {
      expect((await store.summary()).events).toBe(2);
      const runs = await store.listImportRuns(5);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({
        source: 'nats',
        format: 'stream',
        kind: 'events',
        inserted: 2,
        rejected: 1,
      });
    } finally {
      await store.close();
    }
  });
});
