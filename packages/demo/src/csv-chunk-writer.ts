import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

/** About 2 MB of text per write: large enough that writes are cheap, small enough to bound memory. */
const CHUNK_CHARS = 2_000_000;
/**
 * Lines are joined into flat pieces a few hundred at a time. Appending each line to one growing
 * string instead keeps millions of short-lived string fragments alive until the write, and the
 * garbage collector then costs more than generating the data.
 */
const LINES_PER_PIECE = 512;

/**
 * Collects CSV lines into large chunks and writes them with backpressure: the generator awaits
 * `flush` whenever `full` between customers, so it never runs ahead of the disk by more than one chunk.
 */
export class CsvChunkWriter {
  /** Data lines added, header excluded. */
  lines = 0;
  private readonly batch: string[] = [];
  private pieces: string[];
  private pendingChars: number;
  private readonly stream: WriteStream;
  private failure: unknown = null;

  constructor(path: string, header: string) {
    this.stream = createWriteStream(path);
    // Remembered rather than thrown here: an 'error' event with no listener would end the process.
    this.stream.on('error', (error: unknown) => {
      this.failure = error;
    });
    this.pieces = [`${header}\n`];
    this.pendingChars = header.length + 1;
  }

  /** `line` without its line break. */
  add(line: string): void {
    this.batch.push(line);
    this.lines++;
    if (this.batch.length >= LINES_PER_PIECE) this.seal();
  }

  /** Whether enough text is pending that the caller should `await flush()` before adding more. */
  get full(): boolean {
    return this.pendingChars >= CHUNK_CHARS;
  }

  async flush(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    this.seal();
    if (this.pieces.length === 0) return;
    const accepted = this.stream.write(this.pieces.join(''));
    this.pieces = [];
    this.pendingChars = 0;
    if (!accepted) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }

  /** Closes the file after a failure elsewhere, without waiting for pending text. */
  destroy(): void {
    this.stream.destroy();
  }

  private seal(): void {
    if (this.batch.length === 0) return;
    // The empty last element gives the final line its line break.
    this.batch.push('');
    const piece = this.batch.join('\n');
    this.batch.length = 0;
    this.pieces.push(piece);
    this.pendingChars += piece.length;
  }
}
