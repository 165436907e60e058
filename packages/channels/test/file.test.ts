import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChannelAdapter, type DeliveryMessage, smsEncoding } from '@opencvm/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CsvRecordScanner,
  createFileAdapter,
  FILE_COLUMNS,
  FileOptions,
  type FileOptionsInput,
  parseCsv,
} from '../src/file/index.ts';

const WRITTEN_AT = new Date('2026-11-23T12:00:00.000Z');

const smsMessage = (
  customerId: string,
  text: string,
  overrides: Partial<DeliveryMessage> = {},
): DeliveryMessage => ({
  key: `run-1:${customerId}:main`,
  runId: 'run-1',
  campaignId: 'winback',
  customerId,
  step: 'main',
  channel: 'sms',
  purpose: 'marketing',
  recipient: '+79161234567',
  content: { type: 'sms', locale: 'ru', text, sms: smsEncoding(text), warnings: [] },
  attempt: 1,
  ...overrides,
});

let directory = '';
const adapters: ChannelAdapter[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'cvm-file-adapter-'));
});

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((adapter) => adapter.close()));
  await rm(directory, { recursive: true, force: true });
});

const open = (options: Partial<FileOptionsInput> = {}): ChannelAdapter => {
  const created = createFileAdapter({ directory, ...options }, { now: () => WRITTEN_AT });
  if (!created.ok) throw new Error(created.error.message);
  adapters.push(created.value);
  return created.value;
};

const send = (adapter: ChannelAdapter, message: DeliveryMessage) =>
  adapter.send(message, new AbortController().signal);

const runFile = () => join(directory, 'winback-run-1.csv');
const readRows = async (delimiter = ',') => parseCsv(await readFile(runFile(), 'utf8'), delimiter);

describe('file adapter', () => {
  it('writes a header once and a row per message of every kind', async () => {
    const adapter = open();
    const results = [
      await send(adapter, smsMessage('c-1', 'Hello')),
      await send(adapter, {
        ...smsMessage('c-2', ''),
        channel: 'email',
        recipient: 'anna@example.com',
        content: { type: 'email', locale: 'en', subject: 'Offer', html: '<p>Hi</p>', text: 'Hi' },
      }),
      await send(adapter, {
        ...smsMessage('c-3', ''),
        channel: 'push',
        recipient: 'token-3',
        content: { type: 'push', locale: 'en', title: 'Title', body: 'Body' },
      }),
      await send(adapter, {
        ...smsMessage('c-4', ''),
        channel: 'webhook',
        recipient: 'c-4',
        content: { type: 'webhook', locale: 'en', payload: { offer: 'BONUS', n: ['1'] } },
      }),
    ];
    expect(results).toEqual(Array(4).fill({ type: 'sent', providerId: null }));
    const at = WRITTEN_AT.toISOString();
    expect(await readRows()).toEqual([
      [...FILE_COLUMNS],
      ['run-1:c-1:main', 'run-1', 'winback', 'c-1', 'sms', '+79161234567', 'ru', '', 'Hello', '', at],
      ['run-1:c-2:main', 'run-1', 'winback', 'c-2', 'email', 'anna@example.com', 'en', 'Offer', 'Hi', '', at],
      ['run-1:c-3:main', 'run-1', 'winback', 'c-3', 'push', 'token-3', 'en', 'Title', 'Body', '', at],
      [
        'run-1:c-4:main',
        'run-1',
        'winback',
        'c-4',
        'webhook',
        'c-4',
        'en',
        '',
        '',
        '{"offer":"BONUS","n":["1"]}',
        at,
      ],
    ]);
  });

  it('quotes delimiters, quotes, line breaks and Cyrillic, and neutralises formulas', async () => {
    const adapter = open();
    await send(adapter, smsMessage('c-1', 'Анна, "ваш" бонус\nждёт;\r\nвас'));
    await send(adapter, smsMessage('c-2', '=HYPERLINK("http://evil.example","click")'));
    await send(adapter, smsMessage('c-3', '+1+2', { recipient: '-42' }));
    await send(adapter, smsMessage('c-4', '@SUM(A1:A2)', { recipient: '-cmd|calc' }));
    const text = await readFile(runFile(), 'utf8');
    expect(text).toContain(',"Анна, ""ваш"" бонус\nждёт;\r\nвас",');
    expect(text).toContain(`,"'=HYPERLINK(""http://evil.example"",""click"")",`);
    expect(text).toContain(",-42,ru,,'+1+2,");
    expect(text).toContain(",'-cmd|calc,ru,,'@SUM(A1:A2),");
    const rows = await readRows();
    expect(rows.map((row) => [row[5], row[8]])).toEqual([
      ['recipient', 'text'],
      ['+79161234567', 'Анна, "ваш" бонус\nждёт;\r\nвас'],
      ['+79161234567', `'=HYPERLINK("http://evil.example","click")`],
      ['-42', "'+1+2"],
      ["'-cmd|calc", "'@SUM(A1:A2)"],
    ]);
  });

  it('uses the configured delimiter', async () => {
    const adapter = open({ delimiter: ';' });
    await send(adapter, smsMessage('c-1', 'a;b,c'));
    const text = await readFile(runFile(), 'utf8');
    expect(text.split('\r\n')[0]).toBe(FILE_COLUMNS.join(';'));
    expect(text).toContain(';"a;b,c";');
    expect((await readRows(';'))[1]?.[8]).toBe('a;b,c');
  });

  it('writes whole rows when sends run concurrently, and a repeated key once', async () => {
    const adapter = open({ fsync: true });
    const long = `${'строка, "с кавычками"\n'.repeat(200)}end`;
    const messages = Array.from({ length: 200 }, (_, index) => smsMessage(`c-${index}`, `${index} ${long}`));
    const results = await Promise.all([...messages, ...messages.slice(0, 50)].map((m) => send(adapter, m)));
    expect(results.every((result) => result.type === 'sent')).toBe(true);
    const rows = (await readRows()).slice(1);
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((row) => row[0])).size).toBe(200);
    for (const row of rows) {
      expect(row).toHaveLength(FILE_COLUMNS.length);
      expect(row[8]).toBe(`${row[3]?.slice(2)} ${long}`);
    }
  });

  it('does not write a key again after the file is reopened by a new adapter', async () => {
    const before = open();
    await send(before, smsMessage('c-1', 'one'));
    await send(before, smsMessage('c-2', 'two'));
    // As after a crash: the first adapter never closed its file.
    const after = open();
    expect(await send(after, smsMessage('c-2', 'two'))).toEqual({ type: 'sent', providerId: null });
    await send(after, smsMessage('c-3', 'three'));
    expect((await readRows()).map((row) => row[0])).toEqual([
      'key',
      'run-1:c-1:main',
      'run-1:c-2:main',
      'run-1:c-3:main',
    ]);
  });

  it('cuts off a torn last line when it reopens a file', async () => {
    const first = open();
    await send(first, smsMessage('c-1', 'one'));
    await first.finishRun?.('run-1');
    await appendFile(runFile(), 'run-1:c-2:main,run-1,winback,c-2,sms,+7916,ru,,"two\r\nlines');
    const second = open();
    await send(second, smsMessage('c-2', 'two'));
    const text = await readFile(runFile(), 'utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    expect((await readRows()).map((row) => [row[0], row[8]])).toEqual([
      ['key', 'text'],
      ['run-1:c-1:main', 'one'],
      ['run-1:c-2:main', 'two'],
    ]);
  });

  it('rewrites a header torn by a crash and reopens a file after finishRun', async () => {
    await writeFile(runFile(), 'key,run_id,camp');
    const adapter = open();
    await send(adapter, smsMessage('c-1', 'one'));
    await adapter.finishRun?.('run-1');
    await send(adapter, smsMessage('c-1', 'one'));
    await send(adapter, smsMessage('c-2', 'two'));
    expect((await readRows()).map((row) => row[0])).toEqual(['key', 'run-1:c-1:main', 'run-1:c-2:main']);
  });

  it('fails when it cannot write, or when the file was written with other settings', async () => {
    await writeFile(join(directory, 'not-a-directory'), '');
    const blocked = open({ directory: join(directory, 'not-a-directory', 'lists') });
    expect(await send(blocked, smsMessage('c-1', 'one'))).toEqual({
      type: 'failed',
      reason: 'cannot write winback-run-1.csv: ENOTDIR (a part of the directory path is not a directory)',
    });

    await send(open({ delimiter: ';' }), smsMessage('c-1', 'one'));
    expect(await send(open(), smsMessage('c-2', 'two'))).toMatchObject({
      type: 'failed',
      reason: expect.stringContaining('has other columns or another delimiter'),
    });
    expect(await send(open(), smsMessage('c-2', 'two', { runId: '../run' }))).toEqual({
      type: 'failed',
      reason: 'the campaign or run id cannot be part of a file name',
    });
  });

  it('refuses configs it cannot use', () => {
    const created = createFileAdapter({ directory: '' });
    expect(created.ok ? null : created.error.message).toBe('directory: must not be empty');
    const delimiter = FileOptions.safeParse({ directory: 'lists', delimiter: '"' });
    expect(delimiter.error?.issues.map((issue) => issue.message)).toEqual([
      'must be one of: comma, semicolon, tab, vertical bar',
    ]);
  });
});

describe('CSV record scanner', () => {
  it('finds the same records and the end of the last whole one in chunks of any size', () => {
    const text = 'a,"b ""q""\r\nx",c\r\n"",ы,"\r\n"\r\nd,e,"torn\r\n';
    const whole: string[][] = [];
    let wholeEnd = 0;
    new CsvRecordScanner(',', (fields, end) => {
      whole.push([...fields]);
      wholeEnd = end;
    }).push(Buffer.from(text));
    expect(whole).toEqual([
      ['a', 'b "q"\r\nx', 'c'],
      ['', 'ы', '\r\n'],
    ]);
    expect(wholeEnd).toBe(Buffer.byteLength(text) - Buffer.byteLength('d,e,"torn\r\n'));
    const bytes = Buffer.from(text);
    for (let size = 1; size <= 7; size++) {
      const records: string[][] = [];
      let end = 0;
      const scanner = new CsvRecordScanner(',', (fields, recordEnd) => {
        records.push([...fields]);
        end = recordEnd;
      });
      for (let offset = 0; offset < bytes.length; offset += size)
        scanner.push(bytes.subarray(offset, offset + size));
      expect(records).toEqual(whole);
      expect(end).toBe(wholeEnd);
    }
  });
});
