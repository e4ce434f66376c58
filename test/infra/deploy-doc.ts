// The commands of docs/deploy.md, extracted for test/infra/deploy-doc.test.ts: every ```sh block, with the folder its
// `# in:` comment names (the repository root unless it says otherwise), split into single commands (line
// continuations joined, `&&`, `||`, `;` and `|` split, `$(...)` substitutions taken out as commands of their own).

export interface DocCommand {
  /** Folder relative to the repository root ('.' for the root). */
  folder: string;
  /** Words of the command, quotes removed; a `$(...)` substitution is replaced by the word SUBST. */
  words: string[];
  /** The line as written, for messages. */
  text: string;
  /** The file a `>` redirect writes, if any. */
  redirect?: string;
}

const ROOT_NAMES = new Set(['the repository root', 'repository root', '.', './']);

/** Splits a shell line into words: '…' and "…" group, `$(…)` is kept whole. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '$' && line[i + 1] === '(') {
      let depth = 0;
      let j = i;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        else if (line[j] === ')' && --depth === 0) break;
      }
      cur += line.slice(i, j + 1);
      has = true;
      i = j;
    } else if (ch === "'" || ch === '"') {
      const end = line.indexOf(ch, i + 1);
      if (end < 0) throw new Error(`unbalanced ${ch} in: ${line}`);
      const inner = line.slice(i + 1, end);
      cur += inner;
      has = true;
      i = end;
    } else if (/\s/.test(ch)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) words.push(cur);
  return words;
}

/** Splits on the control operators outside quotes and substitutions. */
function splitControl(line: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
    } else if (ch === '(') {
      depth++;
      cur += ch;
    } else if (ch === ')') {
      depth--;
      cur += ch;
    } else if (depth === 0 && (ch === ';' || ch === '|' || (ch === '&' && line[i + 1] === '&'))) {
      if (ch === '&' || (ch === '|' && line[i + 1] === '|')) i++;
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function commandsOf(line: string, folder: string): DocCommand[] {
  const out: DocCommand[] = [];
  for (const part of splitControl(line)) {
    let words = shellWords(part);
    let redirect: string | undefined;
    const r = words.indexOf('>');
    if (r >= 0) {
      redirect = words[r + 1];
      words = words.slice(0, r);
    }
    for (const w of words) {
      for (const m of w.matchAll(/\$\(([^)]*)\)/g)) out.push(...commandsOf(m[1]!, folder));
    }
    out.push({ folder, words: words.map((w) => w.replace(/\$\([^)]*\)/g, 'SUBST')), text: part, redirect });
  }
  return out;
}

/** Every command in the ```sh blocks of a markdown text. */
export function docCommands(markdown: string): DocCommand[] {
  const out: DocCommand[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1]!.replace(/\\\n\s*/g, ' ').split('\n');
    let folder = '.';
    const first = /^# in: (.+)$/.exec(lines[0]?.trim() ?? '');
    if (first) {
      const name = first[1]!.trim();
      folder = ROOT_NAMES.has(name) ? '.' : name.replace(/\/$/, '');
    } else throw new Error(`a sh block does not say where it runs (# in: …): ${lines[0]}`);
    for (const raw of lines.slice(1)) {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (line !== '') out.push(...commandsOf(line, folder));
    }
  }
  return out;
}

/** `npx vertex-retrain …` commands quoted inline in backticks (prose), run from the repository root. */
export function inlineCliCommands(markdown: string): DocCommand[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  // `npx vertex-retrain … --env vertex` (an ellipsis for "any subcommand") names no command.
  return [...prose.matchAll(/`(npx vertex-retrain [^`…]+)`/g)].map((m) => ({
    folder: '.',
    words: shellWords(m[1]!),
    text: m[1]!,
  }));
}
