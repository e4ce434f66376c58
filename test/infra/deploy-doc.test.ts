// docs/deploy.md, walked as a user would: every command exists and runs from the folder the page says.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { buildProgram } from '../../functions/src/cli/main';
import { docCommands, inlineCliCommands, shellWords, type DocCommand } from './deploy-doc';
import { TerraformConfig } from './terraform-config';

const DOC = 'docs/deploy.md';

// Subcommands another branch is adding. Listed so the page can refer to them; the test below fails once one exists,
// so it moves out of this list and its options get checked too.
const PENDING = new Set<string>([]);

interface Facts {
  scripts: Set<string>;
  outputs: Set<string>;
  variables: Set<string>;
  cli: Map<string, Set<string>>;
  globalOptions: Set<string>;
}

/** Problems with one command, given what exists and the files earlier commands of the page created. */
function problems(c: DocCommand, f: Facts, created: Set<string> = new Set()): string[] {
  const out: string[] = [];
  const at = (p: string) => normalize(join(c.folder, p));
  const [cmd, sub] = c.words;
  const where = `${c.text} (in ${c.folder})`;
  if (!existsSync(c.folder) || !statSync(c.folder).isDirectory()) return [`${where}: folder does not exist`];
  if (cmd === 'npm') {
    if (!existsSync(at('package.json'))) out.push(`${where}: no package.json there`);
    if (sub === 'run' && !f.scripts.has(c.words[2] ?? '')) out.push(`${where}: no npm script ${c.words[2]}`);
  }
  if (cmd === 'npx' && sub === 'vertex-retrain') {
    if (c.folder !== '.') out.push(`${where}: the CLI reads .env.vertex from the repository root`);
    const name = c.words[2] ?? '';
    const options = f.cli.get(name);
    if (options === undefined && !PENDING.has(name)) out.push(`${where}: no subcommand ${name}`);
    for (const w of c.words.slice(3)) {
      const opt = /^(--[a-z-]+)/.exec(w)?.[1];
      if (opt && options && !options.has(opt) && !f.globalOptions.has(opt))
        out.push(`${where}: ${name} has no option ${opt}`);
    }
  }
  if (cmd === 'terraform') {
    if (!existsSync(at('versions.tf'))) out.push(`${where}: no Terraform configuration there`);
    if (sub === 'output') {
      const name = c.words.slice(2).find((w) => !w.startsWith('-'));
      if (name && !f.outputs.has(name)) out.push(`${where}: no output ${name}`);
    }
    c.words.forEach((w, i) => {
      if (w === '-var') {
        const v = c.words[i + 1]?.split('=')[0] ?? '';
        if (!f.variables.has(v)) out.push(`${where}: no variable ${v}`);
      }
    });
  }
  // Paths: relative words with a slash or a file extension that are not options, URLs, placeholders or values.
  const args = c.words.slice(1);
  args.forEach((w, i) => {
    if (w.startsWith('-') || /[<>$:=@*{]/.test(w) || w === 'SUBST' || !/\//.test(w)) return;
    if (/^(projects|roles|gs)\//.test(w) || /^[A-Z]/.test(w)) return;
    const isDestination = cmd === 'cp' && i === args.length - 1;
    const target = isDestination ? dirname(w) : w;
    if (isDestination) created.add(at(w));
    else if (created.has(at(w))) return;
    if (!existsSync(at(target))) out.push(`${where}: ${target} does not exist relative to ${c.folder}`);
  });
  if (c.redirect !== undefined) {
    if (!existsSync(at(dirname(c.redirect)))) out.push(`${where}: the folder of ${c.redirect} does not exist`);
    created.add(at(c.redirect));
  }
  return out;
}

describe('docs/deploy.md: every command exists and runs from the folder it says', () => {
  let facts: Facts;
  let commands: DocCommand[];

  before(async () => {
    const tf = await TerraformConfig.load();
    const program = buildProgram();
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    facts = {
      scripts: new Set(Object.keys(pkg.scripts)),
      outputs: new Set(Object.keys(tf.outputs())),
      variables: new Set(Object.keys(tf.variables())),
      cli: new Map(program.commands.map((c) => [c.name(), new Set(c.options.map((o) => o.long ?? ''))])),
      globalOptions: new Set([...program.options.map((o) => o.long ?? ''), '--help']),
    };
    const md = readFileSync(DOC, 'utf8');
    commands = [...docCommands(md), ...inlineCliCommands(md)];
  });

  it('finds the commands (every block names its folder)', () => {
    assert.ok(commands.length >= 15, `only ${commands.length} commands`);
    assert.ok(commands.some((c) => c.folder === 'terraform'));
  });

  it('every npm script, CLI subcommand and option, Terraform output and variable, and path exists', () => {
    const created = new Set<string>();
    assert.deepEqual(
      commands.flatMap((c) => problems(c, facts, created)),
      [],
    );
  });

  it('the pending subcommands are still pending (move them out of PENDING once they exist)', () => {
    assert.deepEqual(
      [...PENDING].filter((p) => facts.cli.has(p)),
      [],
    );
  });

  it('teardown: undeploy comes before terraform destroy, and force_destroy is applied before it', () => {
    const words = commands.map((c) => c.words.join(' '));
    const undeploy = words.findIndex((w) => w.startsWith('npx vertex-retrain undeploy'));
    const force = words.findIndex((w) => /^terraform apply .*force_destroy_buckets=true/.test(w));
    const destroy = words.findIndex((w) => w.startsWith('terraform destroy'));
    assert.ok(undeploy >= 0 && force > undeploy && destroy > force, JSON.stringify({ undeploy, force, destroy }));
  });

  describe('the checks themselves', () => {
    const f: Facts = {
      scripts: new Set(['build']),
      outputs: new Set(['drop_path']),
      variables: new Set(['force_destroy_buckets']),
      cli: new Map([['runs', new Set(['--json'])]]),
      globalOptions: new Set(['--env']),
    };
    const cases: [string, string, RegExp | null][] = [
      ['.', 'npm run build', null],
      ['.', 'npm run nope', /no npm script nope/],
      ['.', 'npx vertex-retrain runs --env vertex --json', null],
      ['.', 'npx vertex-retrain runz', /no subcommand runz/],
      ['.', 'npx vertex-retrain runs --jsn', /no option --jsn/],
      ['terraform', 'npx vertex-retrain runs', /repository root/],
      ['terraform', 'terraform output -raw drop_path', null],
      ['terraform', 'terraform output -raw drop_pth', /no output drop_pth/],
      ['.', 'terraform output -raw drop_path', /no Terraform configuration/],
      ['terraform', 'terraform destroy -var nope=true', /no variable nope/],
      ['terraform', 'gcloud storage cp trainer/data/train.csv SUBST', /trainer\/data\/train.csv does not exist/],
      ['terraform', 'gcloud storage cp ../trainer/data/train.csv SUBST', null],
      ['.', 'cp terraform/terraform.tfvars.example terraform/terraform.tfvars', null],
    ];
    for (const [folder, line, expected] of cases) {
      it(`${folder}: ${line} → ${expected ? String(expected) : 'fine'}`, () => {
        const got = problems({ folder, words: shellWords(line), text: line }, f);
        if (expected === null) assert.deepEqual(got, []);
        else
          assert.ok(
            got.some((p) => expected.test(p)),
            JSON.stringify(got),
          );
      });
    }

    it('a file an earlier command created counts as existing', () => {
      const created = new Set<string>();
      const run = (line: string) => problems({ folder: '.', words: shellWords(line), text: line }, f, created);
      assert.ok(run('vi terraform/made-up.tfvars').length > 0);
      assert.deepEqual(run('cp terraform/terraform.tfvars.example terraform/made-up.tfvars'), []);
      assert.deepEqual(run('vi terraform/made-up.tfvars'), []);
    });

    it('splits blocks into commands with their folder and substitutions', () => {
      const md =
        '```sh\n# in: terraform/\nterraform init && gcloud storage cp ../a "$(terraform output -raw drop_path)"\n```\n';
      assert.deepEqual(
        docCommands(md).map((c) => [c.folder, c.words.join(' ')]),
        [
          ['terraform', 'terraform init'],
          ['terraform', 'terraform output -raw drop_path'],
          ['terraform', 'gcloud storage cp ../a SUBST'],
        ],
      );
      assert.throws(() => docCommands('```sh\nls\n```\n'), /# in:/);
    });
  });
});
