// Which program of this machine runs an image's command in local mode. A `node` command runs on the Node running
// the stack; a `python`/`python3` command on a Python 3 from PATH that has the modules the trainer declares
// (trainer.yaml `local.requires`): every python3/python on PATH is probed, in PATH order, since the first one is not
// always the one with the packages (a pyenv shim before Debian's /usr/bin/python3 with python3-sklearn). When none
// fits, the error says exactly what to install, before the stack starts anything.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, realpath } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/** A trainer.yaml `local.requires` entry: a host command, optionally a module it must import, and how to get it. */
export interface HostRequirement {
  command: string;
  module?: string;
  install?: string;
}

/** What the host lacks; the message names every missing piece and the install command. */
export class HostRequirementError extends Error {
  override name = 'HostRequirementError';
}

/** Runs `file args` and resolves its stdout; rejects if it cannot run or exits non-zero. */
export type Runner = (file: string, args: string[]) => Promise<string>;

const run: Runner = async (file, args) =>
  (await promisify(execFile)(file, args, { timeout: 15_000, encoding: 'utf8' })).stdout;

export interface ProbeOptions {
  /** The PATH to search (default: this process's). */
  path?: string;
  runner?: Runner;
}

/** An interpreter family: the image programs it serves, the host names to look for, how to ask for modules. */
interface Family {
  label: string;
  programs: readonly string[];
  hostNames: readonly string[];
  /** Arguments that make the interpreter print `{"major": N, "missing": [...]}` for the modules given after them. */
  probeArgs: (modules: string[]) => string[];
  major: number;
  /** When nothing says how to install it. */
  install: string;
}

const PYTHON: Family = {
  label: 'python3',
  programs: ['python', 'python3'],
  hostNames: ['python3', 'python'],
  // find_spec locates a module without importing it: quick even for scikit-learn.
  probeArgs: (modules) => [
    '-c',
    'import importlib.util as u, json, sys; print(json.dumps({"major": sys.version_info[0], "missing": [m for m in sys.argv[1:] if u.find_spec(m) is None]}))',
    ...modules,
  ],
  major: 3,
  install: 'apt-get install python3',
};

const FAMILIES: readonly Family[] = [PYTHON];

function familyOf(program: string): Family | undefined {
  return FAMILIES.find((f) => f.programs.includes(program));
}

/** Executable files named `names` in the PATH's folders, in PATH order, one per real file. */
async function candidates(names: readonly string[], path: string): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const dir of path.split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = join(dir, name);
      if (
        !(await access(file, constants.X_OK).then(
          () => true,
          () => false,
        ))
      )
        continue;
      const real = await realpath(file).catch(() => file);
      if (seen.has(real)) continue;
      seen.add(real);
      found.push(file);
    }
  }
  return found;
}

interface Probed {
  file: string;
  /** undefined: it did not run or is not the right major version. */
  missing?: string[];
  why?: string;
}

async function probe(family: Family, file: string, modules: string[], runner: Runner): Promise<Probed> {
  try {
    const answer = JSON.parse((await runner(file, family.probeArgs(modules))).trim()) as {
      major?: number;
      missing?: string[];
    };
    if (answer.major !== family.major) return { file, why: `is version ${answer.major}, not ${family.major}` };
    return { file, missing: answer.missing ?? [] };
  } catch (err) {
    return { file, why: `does not run (${(err as Error).message.split('\n')[0]})` };
  }
}

/**
 * The host executable for each program the image commands start (`python` → `/usr/bin/python3`); `node` maps to
 * this process's Node. Programs of no known family are left to PATH as they are. Throws HostRequirementError naming
 * what to install when a family has no interpreter with every required module.
 */
export async function resolveHostPrograms(
  programs: readonly string[],
  requires: readonly HostRequirement[] = [],
  opts: ProbeOptions = {},
): Promise<Map<string, string>> {
  const path = opts.path ?? process.env.PATH ?? '';
  const runner = opts.runner ?? run;
  const resolved = new Map<string, string>();
  const problems: string[] = [];
  const byFamily = new Map<Family, string | undefined>();
  for (const program of new Set(programs)) {
    if (program === 'node') {
      resolved.set(program, process.execPath);
      continue;
    }
    const family = familyOf(program);
    if (!family) continue;
    if (byFamily.has(family)) {
      const file = byFamily.get(family);
      if (file) resolved.set(program, file);
      continue;
    }
    byFamily.set(family, undefined);
    const mine = requires.filter((r) => familyOf(r.command) === family);
    const modules = [...new Set(mine.flatMap((r) => (r.module ? [r.module] : [])))];
    const installs = [...new Set(mine.flatMap((r) => (r.install ? [r.install] : [])))];
    const found = await candidates(family.hostNames, path);
    const probed: Probed[] = [];
    for (const file of found) {
      const p = await probe(family, file, modules, runner);
      probed.push(p);
      if (p.missing?.length === 0) break;
    }
    const fit = probed.find((p) => p.missing?.length === 0);
    if (fit) {
      resolved.set(program, fit.file);
      byFamily.set(family, fit.file);
      continue;
    }
    const usable = probed.filter((p) => p.missing);
    const install = installs.length > 0 ? joinInstalls(installs) : family.install;
    if (usable.length === 0) {
      const tried = probed.map((p) => `${p.file} ${p.why}`).join('; ');
      problems.push(
        `the trainer runs \`${program}\` and this machine has no ${family.label} on PATH${tried ? ` that works (${tried})` : ''}: install it with \`${install}\``,
      );
      continue;
    }
    const lacking = modules.filter((m) => usable.some((p) => p.missing?.includes(m)));
    const hints = mine.flatMap((r) => (r.module && r.install && lacking.includes(r.module) ? [r.install] : []));
    const lines = usable.map((p) => `${p.file} lacks ${p.missing?.join(', ')}`);
    problems.push(
      `the trainer runs \`${program}\` with this machine's ${family.label}, and none on PATH has the modules it needs (${lacking.join(', ')}): ${lines.join('; ')}. Install them with \`${hints.length > 0 ? joinInstalls([...new Set(hints)]) : install}\``,
    );
  }
  if (problems.length > 0) throw new HostRequirementError(problems.join('\n'));
  return resolved;
}

/** `apt-get install a` + `apt-get install b` → `apt-get install a b`; other commands are kept apart. */
function joinInstalls(installs: string[]): string {
  const apt = /^(?:sudo )?apt(?:-get)? install (?:-y )?/;
  const packages = installs.filter((i) => apt.test(i)).map((i) => i.replace(apt, ''));
  const others = installs.filter((i) => !apt.test(i));
  return [...(packages.length > 0 ? [`apt-get install ${packages.join(' ')}`] : []), ...others].join(' && ');
}

/** An image command with its program replaced by the host's (`['python', 'serve.py']` → `['/usr/bin/python3', …]`). */
export function hostCommand(command: readonly string[], programs: ReadonlyMap<string, string>): string[] {
  const [program = '', ...args] = command;
  return [programs.get(program) ?? program, ...args];
}

/**
 * The host programs of one stack: resolved once per program and remembered (a trainer's requirements do not change
 * while a stack runs). `requires` is read when first needed (the trainer manifest's `local.requires`).
 */
export class HostPrograms {
  private readonly resolved = new Map<string, Promise<string>>();

  constructor(
    private readonly requires: () => Promise<readonly HostRequirement[]> = () => Promise.resolve([]),
    private readonly opts: ProbeOptions = {},
  ) {}

  /** Resolves every program the commands start, now; throws HostRequirementError naming what to install. */
  async check(commands: readonly (readonly string[])[]): Promise<void> {
    const programs = [...new Set(commands.map((c) => c[0] ?? ''))].filter((p) => p && !this.resolved.has(p));
    if (programs.length === 0) return;
    const found = await resolveHostPrograms(programs, await this.requires(), this.opts);
    for (const program of programs) this.resolved.set(program, Promise.resolve(found.get(program) ?? program));
  }

  /** The command with its program replaced by the host's; throws HostRequirementError if the host lacks it. */
  async command(command: readonly string[]): Promise<string[]> {
    const [program = ''] = command;
    let file = this.resolved.get(program);
    if (!file) {
      file = this.requires()
        .then((requires) => resolveHostPrograms([program], requires, this.opts))
        .then((found) => found.get(program) ?? program);
      // A failed probe is not remembered: the user may install the package and retry.
      file.catch(() => this.resolved.delete(program));
      this.resolved.set(program, file);
    }
    return hostCommand(command, new Map([[program, await file]]));
  }
}
