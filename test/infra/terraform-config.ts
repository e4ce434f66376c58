// Loads the Terraform configuration under terraform/ as JSON (HCL parsed by @cdktf/hcl2json, a WASM build of
// HashiCorp's parser: offline, no terraform binary needed) and offers small lookups over it for the infra tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const TERRAFORM_DIR = 'terraform';

/** One block's attributes as hcl2json renders them: expressions become `${...}` strings, nested blocks arrays. */
export type Block = Record<string, unknown>;

/** A parsed .tf file. */
export interface TerraformFile {
  file: string;
  json: {
    resource?: Record<string, Record<string, Block[]>>;
    data?: Record<string, Record<string, Block[]>>;
    locals?: Block[];
    variable?: Record<string, Block[]>;
    output?: Record<string, Block[]>;
    terraform?: Block[];
    provider?: Record<string, Block[]>;
  };
}

/** A resource with its address, e.g. `google_storage_bucket.data`. */
export interface Resource {
  type: string;
  name: string;
  address: string;
  file: string;
  body: Block;
}

/** Every `.tf` file under terraform/ (not recursive: the configuration is one flat root module). */
export function terraformFiles(dir = TERRAFORM_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()
    .map((f) => join(dir, f));
}

/** Parses one HCL text; rejects with the parser's message (file, line, column) on a syntax error. */
export async function parseHcl(file: string, text: string): Promise<TerraformFile> {
  return { file, json: (await parse(file, text)) as TerraformFile['json'] };
}

/** The whole configuration, parsed once. */
export class TerraformConfig {
  private constructor(readonly files: TerraformFile[]) {}

  /** Parses every .tf file in `dir`. */
  static async load(dir = TERRAFORM_DIR): Promise<TerraformConfig> {
    const files = await Promise.all(terraformFiles(dir).map((f) => parseHcl(f, readFileSync(f, 'utf8'))));
    return new TerraformConfig(files);
  }

  /** A configuration made of already-parsed files (tests of the checks themselves use samples). */
  static fromFiles(files: TerraformFile[]): TerraformConfig {
    return new TerraformConfig(files);
  }

  /** All managed resources, optionally of one type. */
  resources(type?: string): Resource[] {
    const out: Resource[] = [];
    for (const { file, json } of this.files) {
      for (const [t, byName] of Object.entries(json.resource ?? {})) {
        if (type !== undefined && t !== type) continue;
        for (const [name, bodies] of Object.entries(byName)) {
          for (const body of bodies) out.push({ type: t, name, address: `${t}.${name}`, file, body });
        }
      }
    }
    return out;
  }

  /** The resource at `type.name`; throws when absent so a test fails with the address in the message. */
  resource(address: string): Resource {
    const found = this.resources().find((r) => r.address === address);
    if (found === undefined) throw new Error(`terraform has no resource ${address}`);
    return found;
  }

  /** The data source at `type.name` (e.g. `archive_file.trainer_source`); throws when absent. */
  dataSource(address: string): Resource {
    for (const { file, json } of this.files) {
      for (const [type, byName] of Object.entries(json.data ?? {})) {
        for (const [name, [body]] of Object.entries(byName)) {
          if (body && `${type}.${name}` === address) return { type, name, address, file, body };
        }
      }
    }
    throw new Error(`terraform has no data source ${address}`);
  }

  /** The value of `local.<name>`; throws when absent or defined twice. */
  local(name: string): unknown {
    const hits = this.files.flatMap(({ json }) => (json.locals ?? []).filter((l) => name in l).map((l) => l[name]));
    if (hits.length !== 1) throw new Error(`local.${name} is defined ${hits.length} times`);
    return hits[0];
  }

  /** Variable declarations by name. */
  variables(): Record<string, Block> {
    const out: Record<string, Block> = {};
    for (const { json } of this.files) {
      for (const [name, [body]] of Object.entries(json.variable ?? {})) if (body) out[name] = body;
    }
    return out;
  }

  /** Output declarations by name. */
  outputs(): Record<string, Block> {
    const out: Record<string, Block> = {};
    for (const { json } of this.files) {
      for (const [name, [body]] of Object.entries(json.output ?? {})) if (body) out[name] = body;
    }
    return out;
  }
}

/** The single nested block `name` of `body` (hcl2json renders blocks as one-element arrays). */
export function block(body: Block, name: string): Block {
  const value = body[name];
  if (!Array.isArray(value) || value.length !== 1) throw new Error(`expected exactly one ${name} block`);
  return value[0] as Block;
}
