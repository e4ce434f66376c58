import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseHcl, terraformFiles } from './terraform-config';

// Every .tf file must be valid HCL. The parser is HashiCorp's own (compiled to WASM in @cdktf/hcl2json), so this
// catches what `terraform validate` would reject as syntax, without a terraform binary or network.
describe('terraform files', () => {
  const files = terraformFiles();

  it('exist', () => {
    assert.ok(files.length >= 10, `expected the configuration split over files, found ${files.join(', ')}`);
  });

  for (const file of files) {
    it(`${file} parses as HCL`, async () => {
      const parsed = await parseHcl(file, readFileSync(file, 'utf8'));
      assert.ok(Object.keys(parsed.json).length > 0, `${file} is empty`);
    });
  }

  it('the parse check rejects broken HCL, naming file and line', async () => {
    await assert.rejects(parseHcl('broken.tf', 'resource "x" "y" {\n  a = \n'), /broken\.tf:\d+/);
  });

  const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  const haveTerraform = terraform.status === 0;
  it(`terraform fmt -check -recursive terraform${haveTerraform ? '' : ' (SKIPPED: no terraform binary on the PATH)'}`, function () {
    if (!haveTerraform) this.skip();
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', 'terraform'], { encoding: 'utf8' });
    assert.equal(fmt.status, 0, `terraform fmt would change:\n${fmt.stdout}${fmt.stderr}`);
  });
});
