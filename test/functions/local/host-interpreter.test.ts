// The host interpreter probe on a fake PATH: folders holding stand-in `python3`/`python` scripts that answer the
// probe as an interpreter with or without the modules would, so each case is one machine the stack may meet.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import {
  HostPrograms,
  HostRequirementError,
  hostCommand,
  resolveHostPrograms,
} from '../../../functions/src/local/host-interpreter';

const REQUIRES = [
  { command: 'python3', module: 'sklearn', install: 'apt-get install python3-sklearn' },
  { command: 'python3', module: 'jsonschema', install: 'apt-get install python3-jsonschema' },
];

describe('local/host-interpreter', () => {
  let dir: string;
  let calls: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'probe-'));
    calls = join(dir, 'calls.log');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** `<dir>/<folder>/<name>`: answers {"major": major, "missing": [those of its args in `lacks`]}, logs its call. */
  async function fakeInterpreter(folder: string, name: string, major: number, lacks: string[]): Promise<string> {
    const file = join(dir, folder, name);
    await mkdir(dirname(file), { recursive: true });
    // Only what the probe asked about counts as missing (its module names follow the -c script).
    await writeFile(
      file,
      `#!/bin/sh\necho "${file}" >> "${calls}"\nshift 2\nout=""\nfor m in "$@"; do case " ${lacks.join(' ')} " in *" $m "*) out="$out\${out:+, }\\"$m\\"";; esac; done\necho "{\\"major\\": ${major}, \\"missing\\": [$out]}"\n`,
    );
    await chmod(file, 0o755);
    return file;
  }
  const path = (...folders: string[]) => folders.map((f) => join(dir, f)).join(delimiter);
  const probed = async () => (await readFile(calls, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);

  it('skips a python3 without the modules (first on PATH) for a later one that has them', async () => {
    const shim = await fakeInterpreter('pyenv', 'python3', 3, ['sklearn']);
    const debian = await fakeInterpreter('usr-bin', 'python3', 3, []);
    const found = await resolveHostPrograms(['python', 'python3'], REQUIRES, { path: path('pyenv', 'usr-bin') });
    assert.equal(found.get('python'), debian);
    assert.equal(found.get('python3'), debian);
    assert.deepEqual(await probed(), [shim, debian], 'each interpreter probed once, in PATH order');
  });

  it('without requirements takes the first Python 3, and skips a Python 2 `python`', async () => {
    await fakeInterpreter('old', 'python', 2, []);
    const three = await fakeInterpreter('new', 'python', 3, []);
    const found = await resolveHostPrograms(['python'], [], { path: path('old', 'new') });
    assert.equal(found.get('python'), three);
  });

  it('names the missing module, every interpreter tried and the package to install', async () => {
    const a = await fakeInterpreter('a', 'python3', 3, ['sklearn']);
    const b = await fakeInterpreter('b', 'python3', 3, ['sklearn', 'jsonschema']);
    await assert.rejects(resolveHostPrograms(['python'], REQUIRES, { path: path('a', 'b') }), (err: Error) => {
      assert.ok(err instanceof HostRequirementError);
      assert.match(err.message, /none on PATH has the modules it needs \(sklearn, jsonschema\)/);
      assert.ok(err.message.includes(`${a} lacks sklearn; ${b} lacks sklearn, jsonschema`), err.message);
      assert.match(err.message, /Install them with `apt-get install python3-sklearn python3-jsonschema`/);
      return true;
    });
  });

  it('with no python3 on PATH at all, says to install it (the trainer’s packages bring it)', async () => {
    await mkdir(join(dir, 'empty'));
    await assert.rejects(
      resolveHostPrograms(['python'], REQUIRES, { path: path('empty') }),
      /no python3 on PATH: install it with `apt-get install python3-sklearn python3-jsonschema`/,
    );
    await assert.rejects(resolveHostPrograms(['python3'], [], { path: path('empty') }), /`apt-get install python3`/);
  });

  it('says why a candidate that does not run was passed over', async () => {
    const broken = join(dir, 'broken', 'python3');
    await mkdir(dirname(broken));
    await writeFile(broken, '#!/bin/sh\nexit 3\n');
    await chmod(broken, 0o755);
    await assert.rejects(
      resolveHostPrograms(['python'], [], { path: path('broken') }),
      new RegExp(`no python3 on PATH that works \\(${broken} does not run`),
    );
  });

  it('probes one real file once, whatever links to it', async () => {
    const real = await fakeInterpreter('real', 'python3', 3, []);
    await mkdir(join(dir, 'link'));
    await symlink(real, join(dir, 'link', 'python3'));
    await fakeInterpreter('real', 'python', 3, ['sklearn']);
    const found = await resolveHostPrograms(['python'], [], { path: path('link', 'real') });
    assert.equal(found.get('python'), join(dir, 'link', 'python3'));
    assert.deepEqual(await probed(), [real]);
  });

  it('maps node to this Node, leaves unknown programs to PATH, and rewrites a command', async () => {
    const found = await resolveHostPrograms(['node', 'java'], [], { path: '' });
    assert.equal(found.get('node'), process.execPath);
    assert.equal(found.has('java'), false);
    assert.deepEqual(hostCommand(['python', 'serve.py', '--x'], new Map([['python', '/p/python3']])), [
      '/p/python3',
      'serve.py',
      '--x',
    ]);
    assert.deepEqual(hostCommand(['java', '-jar', 'x'], new Map()), ['java', '-jar', 'x']);
  });

  it('HostPrograms remembers a resolved program, and retries one that failed', async () => {
    await mkdir(join(dir, 'later'));
    const host = new HostPrograms(async () => REQUIRES, { path: path('later') });
    await assert.rejects(host.check([['python', 'main.py']]), HostRequirementError);
    const file = await fakeInterpreter('later', 'python3', 3, []);
    await host.check([
      ['python', 'main.py'],
      ['python', 'serve.py'],
    ]);
    assert.deepEqual(await host.command(['python', 'serve.py']), [file, 'serve.py']);
    assert.equal((await probed()).length, 1, 'resolved once');
  });

  it('the real probe script runs on a real Python 3 of this machine', async function () {
    const python = ['/usr/bin/python3', '/bin/python3', '/usr/local/bin/python3'].find((p) => {
      try {
        return execFileSync(p, ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8' }).trim() === '3';
      } catch {
        return false;
      }
    });
    if (!python) this.skip();
    const path = dirname(python as string);
    const found = await resolveHostPrograms(['python'], [{ command: 'python3', module: 'json' }], { path });
    assert.match(found.get('python') ?? '', /python3?$/);
    await assert.rejects(
      resolveHostPrograms(['python'], [{ command: 'python3', module: 'no_such_module_x', install: 'pip install x' }], {
        path,
      }),
      /lacks no_such_module_x.*Install them with `pip install x`/,
    );
  });
});
