// The contract's JSON Schemas for checking what the trainer writes. The contract helper's schemas
// (functions/src/contract/schemas/*.schema.json) are used when they are in the tree; until that branch is merged,
// this folder's *-draft.schema.json files stand in: this side's reading of the contract draft (delete them then).
// Only tests read functions/ here: the trainer's own code never does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

export type ContractSchema = 'metrics' | 'outcome';

/** The schema file used for `name`, and whether it is the contract's own. */
export function schemaFile(name: ContractSchema): { path: string; contract: boolean } {
  const contract = join('functions/src/contract/schemas', `${name}.schema.json`);
  if (existsSync(contract)) return { path: contract, contract: true };
  return { path: join(__dirname, `${name}-draft.schema.json`), contract: false };
}

/** Validates `value` against the schema; returns the problems (empty when valid). */
const compiled = new Map<ContractSchema, ValidateFunction>();

export function schemaProblems(name: ContractSchema, value: unknown): string[] {
  let validate = compiled.get(name);
  if (!validate) {
    validate = new Ajv2020({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(schemaFile(name).path, 'utf8')),
    );
    compiled.set(name, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${e.message} ${JSON.stringify(e.params)}`);
}
