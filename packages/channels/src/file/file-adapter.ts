import { constants } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ChannelAdapter,
  type DeliveryMessage,
  err,
  ok,
  type RenderedContent,
  type Result,
  type SendResult,
} from '@opencvm/core';
import { z } from 'zod';
import { CsvRecordScanner, encodeCsvRow, neutraliseCell } from './file-csv.ts';
import { type FileConfigError, FileOptions, type FileOptionsInput } from './file-options.ts';

/**
 * Call-centre lists: each run's messages are rows of `<directory>/<campaignId>-<runId>.csv`.
 *
 * Exactly once over a crash: after a crash the dispatcher sends a message again with the same
 * key, so the adapter keeps the keys already in a run's file (read when it first opens a file
 * that exists) and answers `sent` for a repeat without writing it. A row cut short by the crash
 * (everything after the last complete line) is cut off when the file is reopened, and a write
 * that fails part-way is cut back at once, so the file only ever holds whole rows.
 */

/** The columns, in order. Push titles go in `subject` and push bodies in `text`. */
export const FILE_COLUMNS = [
  'key',
  'run_id',
  'campaign_id',
  'customer_id',
  'channel',
  'recipient',
  'locale',
  'subject',
  'text',
  'payload',
  'written_at',
] as const;

/** The file system calls the adapter makes; everything else goes through the handles they open. */
export interface FileSystemAccess {
  readonly mkdir: (path: string, options: { readonly recursive: true }) => Promise<unknown>;
  readonly open: (path: string, flags: number | string, mode?: number) => Promise<FileHandle>;
}

export interface FileAdapterDependencies {
  /** The clock for `written_at`. */
  readonly now?: (() => Date) | undefined;
  /**
   * `node:fs/promises` unless given: a test passes the real calls with a fault in front, since
   * the temporary errors (too many open files, a busy device) cannot be made on demand.
   */
  readonly fileSystem?: FileSystemAccess | undefined;
}

/** Ids become part of a file name: nothing that could leave the directory or hide the file. */
const FILE_NAME_PART = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
const READ_CHUNK_BYTES = 1024 * 1024;

/** Out of a resource the process or system gives back soon: worth another try. */
const TEMPORARY_CODES: ReadonlySet<string> = new Set([
  'EAGAIN',
  'EWOULDBLOCK',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EINTR',
]);
const CODE_MEANINGS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the directory path is not a directory',
  EISDIR: 'the path is a directory',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
};
const SystemError = z.object({ code: z.string() });

interface RunFile {
  readonly handle: FileHandle;
  /** Bytes of whole rows: where the next row goes, and where a failed write is cut back to. */
  size: number;
  /** The `key` cells of the rows in the file, as written. */
  readonly keys: Set<string>;
}

/** One file's writes, one at a time, so rows never interleave and a key is checked before it is written. */
interface Lane {
  readonly runId: string;
  readonly fileName: string;
  file: RunFile | null;
  tail: Promise<unknown>;
  pending: number;
}

const contentCells = (content: RenderedContent): { subject: string; text: string; payload: string } => {
  switch (content.type) {
    case 'sms':
      return { subject: '', text: content.text, payload: '' };
    case 'email':
      return { subject: content.subject, text: content.text, payload: '' };
    case 'push':
      return { subject: content.title, text: content.body, payload: '' };
    case 'webhook':
      return { subject: '', text: '', payload: JSON.stringify(content.payload) };
  }
};

const rowValues = (message: DeliveryMessage, writtenAt: Date): string[] => {
  const { subject, text, payload } = contentCells(message.content);
  return [
    message.key,
    message.runId,
    message.campaignId,
    message.customerId,
    message.channel,
    message.recipient,
    message.content.locale,
    subject,
    text,
    payload,
    writtenAt.toISOString(),
  ];
};

const errorResult = (fileName: string, error: unknown): SendResult => {
  const parsed = SystemError.safeParse(error);
  if (!parsed.success) {
    // Not a system error: a bug, which would only repeat.
    return {
      type: 'failed',
      reason: `cannot write ${fileName}: ${error instanceof Error ? error.message : 'unknown error'}`,
    };
  }
  const { code } = parsed.data;
  const meaning = CODE_MEANINGS[code];
  const reason = `cannot write ${fileName}: ${code}${meaning === undefined ? '' : ` (${meaning})`}`;
  return TEMPORARY_CODES.has(code) ? { type: 'retry', reason } : { type: 'failed', reason };
};

const writeAll = async (handle: FileHandle, bytes: Buffer, position: number): Promise<void> => {
  let written = 0;
  while (written < bytes.length) {
    const result = await handle.write(bytes, written, bytes.length - written, position + written);
    written += result.bytesWritten;
  }
};

export const createFileAdapter = (
  input: FileOptionsInput,
  dependencies: FileAdapterDependencies = {},
): Result<ChannelAdapter, FileConfigError> => {
  const parsed = FileOptions.safeParse(input);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) => `${issue.path.map(String).join('.') || '(options)'}: ${issue.message}`)
      .join('; ');
    return err({ type: 'invalid_config', message });
  }
  const options = parsed.data;
  const now = dependencies.now ?? (() => new Date());
  const fileSystem = dependencies.fileSystem ?? { mkdir, open };
  const header = Buffer.from(encodeCsvRow(FILE_COLUMNS, options.delimiter));
  const lanes = new Map<string, Lane>();
  let closed = false;

  const serially = <T>(lane: Lane, task: () => Promise<T>): Promise<T> => {
    lane.pending++;
    const result = lane.tail.then(task).finally(() => {
      lane.pending--;
    });
    lane.tail = result.catch(() => {});
    return result;
  };

  const syncDirectory = async (): Promise<void> => {
    const directory = await fileSystem.open(options.directory, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  };

  /** Reads the keys of an existing file and cuts off a torn last row; writes the header of a new one. */
  const openRunFile = async (fileName: string): Promise<Result<RunFile, SendResult>> => {
    await fileSystem.mkdir(options.directory, { recursive: true });
    const handle = await fileSystem.open(
      join(options.directory, fileName),
      constants.O_RDWR | constants.O_CREAT,
      0o640,
    );
    try {
      const keys = new Set<string>();
      let headerEnd = 0;
      let complete = 0;
      const scanner = new CsvRecordScanner(options.delimiter, (fields, end) => {
        if (complete === 0) headerEnd = end;
        else if (fields[0] !== undefined) keys.add(fields[0]);
        complete = end;
      });
      let position = 0;
      // The scanner copies what it keeps, so one buffer serves every read.
      const chunk = Buffer.alloc(READ_CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) break;
        scanner.push(chunk.subarray(0, bytesRead));
        position += bytesRead;
      }
      if (headerEnd > 0) {
        const headerLine = Buffer.alloc(headerEnd);
        await handle.read(headerLine, 0, headerEnd, 0);
        if (!headerLine.equals(header)) {
          await handle.close();
          return err({
            type: 'failed',
            reason: `${fileName} has other columns or another delimiter; move it away or send with the settings that wrote it`,
          });
        }
      }
      let size = complete;
      if (size < position) await handle.truncate(size);
      if (size === 0) {
        await writeAll(handle, header, 0);
        size = header.length;
      }
      if (options.fsync === true) {
        await handle.sync();
        // A new file's name lives in the directory, which a power cut could otherwise lose.
        if (position === 0) await syncDirectory();
      }
      return ok({ handle, size, keys });
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  };

  const dropFile = async (lane: Lane): Promise<void> => {
    const file = lane.file;
    lane.file = null;
    await file?.handle.close().catch(() => {});
  };

  const append = async (lane: Lane, message: DeliveryMessage, signal: AbortSignal): Promise<SendResult> => {
    if (signal.aborted) return { type: 'retry', reason: 'aborted by the dispatcher' };
    try {
      let file = lane.file;
      if (file === null) {
        const opened = await openRunFile(lane.fileName);
        if (!opened.ok) return opened.error;
        file = opened.value;
        lane.file = file;
      }
      const keyCell = neutraliseCell(message.key);
      if (file.keys.has(keyCell)) return { type: 'sent', providerId: null };
      const row = Buffer.from(encodeCsvRow(rowValues(message, now()), options.delimiter));
      try {
        await writeAll(file.handle, row, file.size);
        if (options.fsync === true) await file.handle.datasync();
      } catch (error) {
        // Cut a partial row off now, so the next row does not start in the middle of it.
        await file.handle.truncate(file.size).catch(() => {});
        await dropFile(lane);
        return errorResult(lane.fileName, error);
      }
      file.size += row.length;
      file.keys.add(keyCell);
      return { type: 'sent', providerId: null };
    } catch (error) {
      await dropFile(lane);
      return errorResult(lane.fileName, error);
    }
  };

  const finishLane = async (lane: Lane): Promise<void> => {
    await serially(lane, () => dropFile(lane));
    // Sends that arrived meanwhile reopen the file on this lane; an idle lane can go.
    if (lane.pending === 0 && lanes.get(lane.fileName) === lane) lanes.delete(lane.fileName);
  };

  return ok({
    kind: 'file',
    async start() {
      // Files are opened per run, on its first message.
    },
    async send(message, signal) {
      if (closed) return { type: 'retry', reason: 'the file adapter is closed' };
      if (!FILE_NAME_PART.test(message.campaignId) || !FILE_NAME_PART.test(message.runId)) {
        return { type: 'failed', reason: 'the campaign or run id cannot be part of a file name' };
      }
      const fileName = `${message.campaignId}-${message.runId}.csv`;
      let lane = lanes.get(fileName);
      if (lane === undefined) {
        lane = { runId: message.runId, fileName, file: null, tail: Promise.resolve(), pending: 0 };
        lanes.set(fileName, lane);
      }
      const target = lane;
      return serially(target, () => append(target, message, signal));
    },
    async finishRun(runId) {
      await Promise.all([...lanes.values()].filter((lane) => lane.runId === runId).map(finishLane));
    },
    async close() {
      closed = true;
      await Promise.all([...lanes.values()].map(finishLane));
    },
  });
};
