/**
 * The CSV the file adapter writes (RFC 4180: CRLF line ends, fields holding the delimiter, a
 * quote or a line break are quoted, quotes doubled) and the reader it uses to find the keys
 * already in a file.
 *
 * Formula injection: spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and some a
 * tab or carriage return) as a formula, so customer data such as `=HYPERLINK(…)` could act when
 * a call-centre agent opens the list. Such a cell gets a leading `'`, which spreadsheets show as
 * text. A plain number such as `+79161234567` is left alone: it cannot be a formula, and an
 * agent must be able to dial it as written.
 */

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** Parts outlive the chunk, whose buffer the caller may reuse for the next read. */
const copy = (bytes: Buffer, start: number, end: number): Buffer => Buffer.from(bytes.subarray(start, end));

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** The text of a cell as written, before quoting: a formula-like value gets a leading `'`. */
export const neutraliseCell = (value: string): string =>
  FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;

const encodeCell = (value: string, delimiter: string): string => {
  const text = neutraliseCell(value);
  const needsQuotes = text.includes(delimiter) || /["\r\n]/.test(text);
  return needsQuotes ? `"${text.replaceAll('"', '""')}"` : text;
};

/** One record with its line end. `delimiter` is a single ASCII character other than `"`. */
export const encodeCsvRow = (values: readonly string[], delimiter: string): string =>
  `${values.map((value) => encodeCell(value, delimiter)).join(delimiter)}\r\n`;

/**
 * Reads records from bytes pushed in chunks of any size, telling each complete record (one that
 * ends with a line break outside quotes) with the byte offset just past it. Whatever follows the
 * last complete record is a torn write. Works on bytes so that offsets can truncate the file.
 */
export class CsvRecordScanner {
  private state: 'field_start' | 'unquoted' | 'quoted' | 'quote_in_quoted' = 'field_start';
  private parts: Buffer[] = [];
  private fields: string[] = [];
  private offset = 0;
  private readonly delimiter: number;

  constructor(
    delimiter: string,
    private readonly onRecord: (fields: readonly string[], end: number) => void,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  push(chunk: Uint8Array): void {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let segmentStart = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      switch (this.state) {
        case 'field_start':
          if (byte === QUOTE) {
            this.state = 'quoted';
            segmentStart = i + 1;
            break;
          }
          this.state = 'unquoted';
          segmentStart = i;
          this.unquoted(byte, bytes, segmentStart, i);
          break;
        case 'unquoted':
          this.unquoted(byte, bytes, segmentStart, i);
          break;
        case 'quoted':
          if (byte === QUOTE) {
            this.parts.push(copy(bytes, segmentStart, i));
            this.state = 'quote_in_quoted';
          }
          break;
        case 'quote_in_quoted':
          if (byte === QUOTE) {
            // A doubled quote: the second one is content, and the quoted field goes on.
            segmentStart = i;
            this.state = 'quoted';
          } else if (byte === this.delimiter) {
            this.endField(false);
          } else if (byte === LF) {
            this.endField(false);
            this.endRecord(i);
          } else if (byte !== CR) {
            // Not what the writer produces; read it leniently as text after the quotes.
            segmentStart = i;
            this.state = 'unquoted';
          }
          break;
      }
    }
    if (this.state === 'unquoted' || this.state === 'quoted') {
      this.parts.push(copy(bytes, segmentStart, bytes.length));
    }
    this.offset += bytes.length;
  }

  private unquoted(byte: number | undefined, bytes: Buffer, segmentStart: number, i: number): void {
    if (byte === this.delimiter) {
      this.parts.push(copy(bytes, segmentStart, i));
      this.endField(false);
    } else if (byte === LF) {
      this.parts.push(copy(bytes, segmentStart, i));
      // The CR of the CRLF line end is not part of the field; a CR inside a field is quoted.
      this.endField(true);
      this.endRecord(i);
    }
  }

  private endField(lineEnd: boolean): void {
    let field = Buffer.concat(this.parts);
    if (lineEnd && field[field.length - 1] === CR) field = field.subarray(0, field.length - 1);
    this.fields.push(field.toString('utf8'));
    this.parts = [];
    this.state = 'field_start';
  }

  private endRecord(i: number): void {
    const fields = this.fields;
    this.fields = [];
    this.onRecord(fields, this.offset + i + 1);
  }
}

/** The complete records of a CSV text (a torn last line is left out). */
export const parseCsv = (text: string, delimiter: string): string[][] => {
  const records: string[][] = [];
  const scanner = new CsvRecordScanner(delimiter, (fields) => records.push([...fields]));
  scanner.push(Buffer.from(text, 'utf8'));
  return records;
};
