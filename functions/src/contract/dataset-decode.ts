// Stage 1 of the streaming dataset check: bytes to text, refusing what is not UTF-8 CSV text (empty, UTF-16,
// binary, invalid UTF-8, another delimiter) with today's messages, in bounded memory: one chunk at a time, never
// echoing the bytes. Line ends come out as "\n" (CRLF, LF and CR, even mixed in one file). A UTF-8 BOM is dropped.

/** Why the bytes are not CSV text; the message is the whole problem. */
export class NotCsvText extends Error {
  override name = 'NotCsvText';
}

const countLines = (bytes: Uint8Array, end = bytes.length): number => {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < end; i = bytes.indexOf(10, i + 1)) n++;
  return n;
};

/** The offset of the first byte that makes `bytes` invalid UTF-8 (binary search on prefixes; errors only). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const valid = (end: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let [lo, hi] = [0, bytes.length];
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (valid(mid)) lo = mid;
    else hi = mid;
  }
  let start = lo;
  while (start > 0 && lo - start < 3 && (bytes[start - 1] as number) >= 0x80) {
    start--;
    if ((bytes[start] as number) >= 0xc0) break;
  }
  return start;
}

/** A header line with no delimiter but another usual one means the file was written with that delimiter. */
function otherDelimiter(firstLine: string, delimiter: string): string | undefined {
  if (firstLine.includes(delimiter)) return undefined;
  const found = [',', ';', '\t', '|'].filter((d) => d !== delimiter).find((d) => firstLine.includes(d));
  return found === '\t' ? 'tab' : found && `"${found}"`;
}

const named = (d: string) => (d === ',' ? '"," (comma)' : d === '\t' ? 'tab' : `"${d}"`);
const delimiterMessage = (other: string, delimiter: string) =>
  `the header has no ${delimiter === ',' ? 'comma' : named(delimiter)}: the file seems to use ${other} as delimiter; use ${named(delimiter)}`;

/**
 * Decodes a byte stream to text chunks with "\n" line ends. Throws NotCsvText (as the iterator's error) when the
 * bytes are not CSV text. The first line is checked for the delimiter once it is complete (or 1 MB long).
 */
export async function* decodeCsvText(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  delimiter = ',',
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let total = 0;
  let lines = 0;
  let carryCr = false;
  let head: string | undefined = ''; // the text before the first line end, until it is checked
  const emit = function* (text: string): Generator<string> {
    if (carryCr) text = `\r${text}`;
    carryCr = text.endsWith('\r');
    if (carryCr) text = text.slice(0, -1);
    if (text.includes('\r')) {
      text = text.replaceAll('\r\n', '\n'); // the usual CRLF, cheaper than the regex
      if (text.includes('\r')) text = text.replace(/\r/g, '\n'); // old Mac line ends
    }
    if (head !== undefined) {
      head += text;
      const end = head.indexOf('\n');
      if (end === -1 && head.length < 1 << 20) return;
      const other = otherDelimiter(end === -1 ? head : head.slice(0, end), delimiter);
      if (other) throw new NotCsvText(delimiterMessage(other, delimiter));
      text = head;
      head = undefined;
    }
    if (text) yield text;
  };
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.length === 0) continue;
    if (total === 0) {
      const bom = Buffer.from(bytes.subarray(0, 2)).toString('hex');
      if (bom === 'fffe' || bom === 'feff')
        throw new NotCsvText(
          `the file is UTF-16 ${bom === 'fffe' ? 'LE' : 'BE'} text (it starts with a UTF-16 byte order mark); save it as UTF-8 CSV`,
        );
    }
    total += bytes.length;
    if (bytes.includes(0)) throw new NotCsvText('the file is binary (it has NUL bytes), not CSV text');
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch {
      const at = firstInvalidUtf8(bytes);
      throw new NotCsvText(
        `the file is not UTF-8 text: invalid byte 0x${(bytes[at] ?? 0).toString(16)} at line ${lines + countLines(bytes, at) + 1} ` +
          '(Latin-1 or Windows-1252 text, e.g. accented letters or curly quotes?); save it as UTF-8 CSV',
      );
    }
    lines += countLines(bytes);
    yield* emit(text);
  }
  if (total === 0) throw new NotCsvText('the file is empty: expected a CSV header row');
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw new NotCsvText(
      `the file is not UTF-8 text: it ends inside a character (line ${lines + 1}); save it as UTF-8 CSV`,
    );
  }
  yield* emit(rest);
  if (carryCr) {
    carryCr = false;
    yield* emit('\n');
  }
  if (head !== undefined && head !== '') {
    const other = otherDelimiter(head, delimiter);
    if (other) throw new NotCsvText(delimiterMessage(other, delimiter));
    yield head;
  }
}

/** The longest record read: a longer one stops the reading (a quote left open would hold the rest of the file). */
export const MAX_RECORD_CHARS = 16 << 20;

/** A CSV syntax problem (the wording papaparse used): the record's first line and what is wrong. */
export interface CsvSyntaxError {
  line: number;
  message: string;
}

/**
 * Stage 2: text (with "\n" line ends) to records, chunk by chunk, for RFC 4180 CSV as papaparse read it: a field
 * that starts with `"` is quoted (`""` is a quote; line breaks and delimiters inside are kept; spaces between the
 * closing quote and the delimiter are dropped); a quote elsewhere is an ordinary character. Each record is handed
 * over in ONE reused array (`fields`, of which the first `count` are the record's), with the line it starts on; no
 * array or object is made per row. Only a record cut by the chunk edge is kept for the next chunk.
 */
export class CsvRecords {
  private readonly fields: string[] = [];
  private carry = '';
  private line = 1;
  private readonly delim: number;

  constructor(
    private readonly delimiter: string,
    private readonly onRecord: (fields: string[], count: number, line: number) => void,
    private readonly onError: (error: CsvSyntaxError) => void,
  ) {
    if (delimiter.length !== 1) throw new Error(`a one-character delimiter, not ${JSON.stringify(delimiter)}`);
    this.delim = delimiter.charCodeAt(0);
  }

  /** Set once a record outgrew MAX_RECORD_CHARS: the rest of the text is not read. */
  stopped = false;

  /** Reads the complete records of `text` (after what was left of the last chunk). */
  push(text: string): void {
    if (this.stopped) return;
    const s = this.carry ? this.carry + text : text;
    this.carry = s.slice(this.parse(s, false));
    if (this.carry.length > MAX_RECORD_CHARS) {
      // Bounded memory (papaparse kept it all): an unbalanced quote would otherwise hold the rest of the file.
      this.stopped = true;
      this.carry = '';
      this.onError({
        line: this.line,
        message: `a record longer than ${MAX_RECORD_CHARS >> 20} M characters (an unbalanced quote?); the rest of the file was not read`,
      });
    }
  }

  /** Reads what is left: the text after the last line end is a record too (as papaparse: "" after a final "\n"). */
  end(): void {
    if (!this.stopped) this.parse(this.carry, true);
    this.carry = '';
  }

  /** Parses records from `s`; returns where the first incomplete record starts (s.length when all were read). */
  private parse(s: string, final: boolean): number {
    const { fields, delim, delimiter } = this;
    const len = s.length;
    let start = 0; // the current record's first character
    let nextDelim = -2; // cached indexOf results (-2: not searched yet), valid while >= the cursor
    let nextNl = -2;
    while (start < len || (final && start === len)) {
      let pos = start;
      let count = 0;
      let breaks = 0; // line breaks inside quoted fields of this record
      const recordLine = this.line;
      let done = false;
      let eof = false;
      let malformed = 0; // quotes closed too early (reported once the record is complete)
      let unterminated = false;
      while (!done) {
        if (s.charCodeAt(pos) === 34) {
          // A quoted field: find the closing quote (one not doubled) followed by spaces and a delimiter/line end/end.
          let search = pos + 1;
          let escaped = false;
          let value: string | undefined;
          let after = 0;
          for (;;) {
            const q = s.indexOf('"', search);
            if (q === -1) {
              if (!final) return start;
              unterminated = true;
              escaped = false; // papaparse kept such a field as it is
              value = s.slice(pos + 1);
              after = len;
              done = eof = true;
              break;
            }
            if (q + 1 === len) {
              if (!final) return start;
              value = s.slice(pos + 1, q);
              after = len;
              done = eof = true;
              break;
            }
            const c = s.charCodeAt(q + 1);
            if (c === 34) {
              escaped = true;
              search = q + 2;
              continue;
            }
            let k = q + 1;
            while (k < len && s.charCodeAt(k) === 32) k++;
            if (k === len && !final) return start;
            const d = s.charCodeAt(k);
            if (d === delim || d === 10) {
              value = s.slice(pos + 1, q);
              after = k + 1;
              done = d === 10;
              break;
            }
            malformed++;
            search = q + 1;
          }
          if (escaped) value = value.replaceAll('""', '"');
          for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) breaks++;
          fields[count++] = value;
          pos = after;
          continue;
        }
        if (nextNl !== -1 && nextNl < pos) nextNl = s.indexOf('\n', pos);
        if (nextDelim !== -1 && nextDelim < pos) nextDelim = s.indexOf(delimiter, pos);
        if (nextDelim !== -1 && (nextDelim < nextNl || nextNl === -1)) {
          fields[count++] = s.slice(pos, nextDelim);
          pos = nextDelim + 1;
          continue;
        }
        if (nextNl === -1) {
          if (!final) return start;
          fields[count++] = s.slice(pos);
          pos = len;
          eof = true;
        } else {
          fields[count++] = s.slice(pos, nextNl);
          pos = nextNl + 1;
        }
        done = true;
      }
      for (; malformed > 0; malformed--)
        this.onError({ line: recordLine, message: 'Trailing quote on quoted field is malformed' });
      if (unterminated) this.onError({ line: recordLine, message: 'Quoted field unterminated' });
      this.line += breaks + 1;
      this.onRecord(fields, count, recordLine);
      if (eof) return len; // the last record: the text ended inside it, not after a line end
      start = pos;
    }
    return start;
  }
}
