// What the local build twin reads of a trainer's Dockerfile: per stage, the instructions that say which files end up
// where (WORKDIR, COPY/ADD), the image's environment (ENV) and its ENTRYPOINT. RUN steps are not run: what they
// install (npm or pip packages) is the host's job in local mode (host-interpreter.ts checks it). Only the exec form
// of ENTRYPOINT is accepted: it is the one Vertex's `containerSpec.command` semantics (replace, not wrap) match.
import { posix } from 'node:path';

export interface CopyInstruction {
  /** `COPY` or `ADD`. */
  instruction: string;
  /** Paths in the build context (or in another stage, with `from`). */
  sources: string[];
  /** The destination, as written. */
  dest: string;
  /** The WORKDIR in force at this instruction (absolute, posix). */
  workdir: string;
  /** `--from=<stage>`: copied out of another stage, not from the context. */
  from?: string;
  line: number;
}

export interface DockerfileStage {
  name?: string;
  /** The last WORKDIR (absolute, posix); `/` when none is set. */
  workdir: string;
  copies: CopyInstruction[];
  env: Record<string, string>;
  entrypoint?: string[];
}

/** A Dockerfile the local twin cannot read: `problems` name their line. */
export class DockerfileError extends Error {
  override name = 'DockerfileError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
  }
}

/** Logical lines: comments dropped, `\` continuations joined; each with the line number it starts on. */
function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !current)) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    current = current ? { ...current, text: `${current.text} ${part}` } : { text: part, line: i + 1 };
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

/** `["a", "b"]` → ['a', 'b']; undefined when the text is not a JSON array of strings (the shell form). */
function execForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `KEY=value KEY2="v 2"` or the legacy `KEY value`. */
function envPairs(text: string): [string, string][] {
  const unquote = (v: string) => (/^".*"$|^'.*'$/.test(v) ? v.slice(1, -1) : v);
  if (!/^[^\s=]+=/.test(text)) {
    const [key = '', ...rest] = text.split(/\s+/);
    return [[key, rest.join(' ')]];
  }
  return [...text.matchAll(/([^\s=]+)=("[^"]*"|'[^']*'|\S*)/g)].map((m) => [m[1] ?? '', unquote(m[2] ?? '')]);
}

/** Parses a Dockerfile's text into its stages (the last one is the image). Throws DockerfileError. */
export function parseDockerfile(text: string, file = 'Dockerfile'): DockerfileStage[] {
  const stages: DockerfileStage[] = [];
  const problems: string[] = [];
  for (const { text: lineText, line } of logicalLines(text)) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(lineText) ?? [];
    const instruction = keyword.toUpperCase();
    const stage = stages.at(-1);
    if (instruction === 'FROM') {
      const name = /\s+AS\s+(\S+)$/i.exec(rest)?.[1];
      stages.push({ ...(name ? { name } : {}), workdir: '/', copies: [], env: {} });
      continue;
    }
    if (!stage) {
      if (instruction !== 'ARG') problems.push(`line ${line}: ${instruction} before the first FROM`);
      continue;
    }
    if (instruction === 'WORKDIR') stage.workdir = posix.resolve(stage.workdir, rest);
    else if (instruction === 'ENV') for (const [k, v] of envPairs(rest)) stage.env[k] = v;
    else if (instruction === 'ENTRYPOINT') {
      const argv = execForm(rest);
      if (!argv || argv.length === 0)
        problems.push(`line ${line}: ENTRYPOINT must be the exec form, a JSON array such as ["python", "main.py"]`);
      else stage.entrypoint = argv;
    } else if (instruction === 'COPY' || instruction === 'ADD') {
      const words = rest.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      const paths = execForm(rest.replace(/^(--\S+\s+)*/, '')) ?? words.filter((w) => !w.startsWith('--'));
      const dest = paths.pop();
      if (!dest || paths.length === 0) problems.push(`line ${line}: ${instruction} needs a source and a destination`);
      else
        stage.copies.push({
          instruction,
          sources: paths,
          dest,
          workdir: stage.workdir,
          line,
          ...(from ? { from } : {}),
        });
    }
  }
  if (stages.length === 0) problems.push('no FROM instruction');
  if (problems.length > 0) throw new DockerfileError(file, problems);
  return stages;
}
