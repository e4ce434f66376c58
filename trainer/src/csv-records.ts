// The records of a well-formed CSV file, several times faster than csv-parse on a million rows (its per-record
// bookkeeping is most of its cost). Well-formed means: fields separated by commas, quoted fields with "" for a quote,
// records ended by any of the three line ends, every record as wide as the first (the header), empty lines skipped:
// on such text the records are csv-parse's (with preprocess.ts's options). On anything else (a stray or unclosed
// quote, a record of another width) it gives up, and the caller parses the whole file again with csv-parse, whose
// problems and line numbers are the ones reported: this tokenizer never decides whether a file is valid.

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** Tokenizes text pushed piece by piece (cut anywhere), handing each record to `onRecord`. */
export class WellFormedCsv {
  /** The start of a record the text pushed so far does not finish. */
  private rest = '';
  private width = -1;
  private failed = false;

  constructor(private readonly onRecord: (fields: string[]) => void) {}

  /** Tokenizes `text`, what follows the text pushed before; false once the input is not well-formed. */
  push(text: string): boolean {
    return this.run(this.rest + text, false);
  }

  /** The end of the input: the last record may end without a line end. False if the input is not well-formed. */
  end(): boolean {
    return this.run(this.rest, true);
  }

  private fail(): false {
    this.failed = true;
    return false;
  }

  private run(text: string, final: boolean): boolean {
    if (this.failed) return false;
    const n = text.length;
    let i = 0;
    // `wait`: the record starting at `from` continues in the next piece.
    const wait = (from: number): true => ((this.rest = text.slice(from)), true);
    while (i < n) {
      const first = text.charCodeAt(i);
      if (first === LF || first === CR) {
        i++; // an empty line (or the LF of a CRLF cut between pieces)
        continue;
      }
      const from = i;
      const fields: string[] = [];
      for (;;) {
        if (text.charCodeAt(i) === QUOTE) {
          let value = '';
          let at = i + 1;
          for (;;) {
            const q = text.indexOf('"', at);
            if (q < 0) return final ? this.fail() : wait(from);
            if (q + 1 === n && !final) return wait(from); // a quote at the very end may be the first of ""
            if (text.charCodeAt(q + 1) === QUOTE) {
              value += text.slice(at, q + 1);
              at = q + 2;
              continue;
            }
            value += text.slice(at, q);
            i = q + 1;
            break;
          }
          const next = i < n ? text.charCodeAt(i) : COMMA;
          if (next !== COMMA && next !== CR && next !== LF) return this.fail();
          fields.push(value);
        } else {
          let j = i;
          for (; j < n; j++) {
            const c = text.charCodeAt(j);
            if (c === COMMA || c === CR || c === LF) break;
            if (c === QUOTE) return this.fail();
          }
          if (j === n && !final) return wait(from);
          fields.push(text.slice(i, j));
          i = j;
        }
        if (i === n) break; // the end of the input (final): the record ends without a line end
        if (text.charCodeAt(i) !== COMMA) {
          i++; // CR or LF (the LF of a CRLF is then skipped as an empty line)
          break;
        }
        i++;
        if (i === n) {
          if (!final) return wait(from);
          fields.push('');
          break;
        }
      }
      if (this.width === -1) this.width = fields.length;
      else if (fields.length !== this.width) return this.fail();
      this.onRecord(fields);
    }
    this.rest = '';
    return true;
  }
}
