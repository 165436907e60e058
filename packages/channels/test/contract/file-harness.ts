import { mkdir, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smsEncoding } from '@opencvm/core';
import { createFileAdapter, type FileSystemAccess, parseCsv } from '../../src/file/index.ts';
import { type AdapterHarness, adapterPool, baseMessage, GREETING } from './harness.ts';

/** A system error as `node:fs` raises it. */
const systemError = (code: string, path: string): Error =>
  Object.assign(new Error(`${code}: injected by the test, open '${path}'`), { code, syscall: 'open', path });

/**
 * CSV files in a temporary folder. The folder is the peer: the real file system, with a fault
 * put in front of the next `open` for the temporary errors, which cannot be made on demand.
 */
export const fileHarness: AdapterHarness = {
  kind: 'file',
  async start() {
    const directory = await mkdtemp(join(tmpdir(), 'cvm-file-contract-'));
    const faults: string[] = [];
    const fileSystem: FileSystemAccess = {
      mkdir,
      open: async (path, flags, mode) => {
        const fault = faults.shift();
        if (fault !== undefined) throw systemError(fault, path);
        return open(path, flags, mode);
      },
    };
    const adapters = adapterPool(() => {
      const created = createFileAdapter({ directory }, { fileSystem });
      if (!created.ok) throw new Error(created.error.message);
      return created.value;
    });
    const runFile = (message: { campaignId: string; runId: string }) =>
      join(directory, `${message.campaignId}-${message.runId}.csv`);
    return {
      adapter: adapters.start,
      message: (customerId) =>
        baseMessage(customerId, {
          channel: 'sms',
          recipient: '+79161234567',
          content: { type: 'sms', locale: 'ru', text: GREETING, sms: smsEncoding(GREETING), warnings: [] },
        }),
      addressOf: (message) => message.recipient,
      deliveries: async () => {
        const entries = await readdir(directory, { withFileTypes: true });
        const names = entries
          .filter((entry) => entry.isFile() && entry.name.endsWith('.csv'))
          .map((entry) => entry.name)
          .sort();
        const files = await Promise.all(names.map((name) => readFile(join(directory, name), 'utf8')));
        // Every row, after each file's header: a repeat would be a second row.
        return files.flatMap((text) =>
          parseCsv(text, ',')
            .slice(1)
            .map((row) => ({ key: row[0] ?? '', to: row[5] ?? '', text: row[8] ?? '', providerId: null })),
        );
      },
      repeatsDroppedBy: 'adapter',
      repeats: () => 0,
      receipts: false,
      transientFailures: [
        {
          name: 'EMFILE at open',
          inject: async () => {
            faults.push('EMFILE');
          },
          reason: /EMFILE \(too many open files\)/,
        },
      ],
      permanentFailures: [
        {
          name: "EISDIR: the run's file is a directory",
          inject: async (message) => {
            await mkdir(runFile(message));
          },
          reason: /EISDIR \(the path is a directory\)/,
          bounced: false,
        },
      ],
      inbound: { absent: 'a file is read by the call centre; nothing comes back through it' },
      holdNextAnswer: {
        absent:
          'a write cannot be abandoned half-way; the adapter looks at the signal before it writes, which the aborted-before-send case covers',
      },
      async [Symbol.asyncDispose]() {
        await adapters.closeAll();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
};
