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
