// A deliberately small evaluator for the Terraform expressions the functions' environment is made of, so the infra
// tests can turn `local.function_environment` into the strings a deployment would hand the functions, and feed them
// to the functions' own config parser. It knows string templates, `var.*`, `local.*`, resource attributes (written
// ones from the resource body, computed ones from COMPUTED below; `x[0].attr` of a counted resource),
// `tostring/upper/lower`, `split("sep", x)[n]`, `c ? a : b`, `a && b`, `!a`, and `==`/`!=` against `""` or `null`.
// Anything else throws "cannot evaluate", so a new kind of expression fails the test instead of being guessed.
import type { Block, TerraformConfig } from './terraform-config';

/** Values for `var.*`. */
export type VariableValues = Record<string, string | number | boolean | null>;

/** A sample deployment: values for `var.*`, and for locals computed from files (content hashes) that this
 * evaluator does not compute. Variables not given fall back to their defaults. */
export interface Sample {
  vars: VariableValues;
  locals?: Record<string, string>;
}

type Ctx = { config: TerraformConfig; vars: VariableValues; locals: Record<string, string>; depth: number };

/** Attributes the provider computes, as the provider documents them, for the resource types the environment uses. */
const COMPUTED: Record<string, (body: Block, ctx: Ctx) => string> = {
  'google_service_account.email': (b, c) =>
    `${evalValue(b.account_id, c)}@${String(varValue('project_id', c))}.iam.gserviceaccount.com`,
  'google_service_account.id': (b, c) =>
    `projects/${String(varValue('project_id', c))}/serviceAccounts/${COMPUTED['google_service_account.email']!(b, c)}`,
  'google_pubsub_topic.id': (b, c) => `projects/${String(varValue('project_id', c))}/topics/${evalValue(b.name, c)}`,
  // random_integer picks within [min, max]; any value in range is as good as another for shape checks.
  'random_integer.result': (b) => String(b.min),
  // The provider's id of a trigger: projects/{{project}}/locations/{{location}}/triggers/{{trigger_id}}, the id a
  // UUID the API assigns (a fixed sample one here).
  'google_cloudbuild_trigger.id': (b, c) =>
    `projects/${String(varValue('project_id', c))}/locations/${evalValue(b.location, c)}/triggers/${SAMPLE_TRIGGER_UUID}`,
};

/** The trigger id evaluated deployments get (the API assigns a UUID). */
export const SAMPLE_TRIGGER_UUID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

type Value = string | number | boolean | null;

/** `text` split at the first `token` that is outside quotes, parentheses and brackets; undefined if none. */
function splitTopLevel(text: string, token: string): [string, string] | undefined {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (depth === 0 && text.startsWith(token, i))
      return [text.slice(0, i).trim(), text.slice(i + token.length).trim()];
  }
  return undefined;
}

/** Whether a resource with `count` has at least one instance. */
function instanceCount(body: Block, ctx: Ctx): number {
  if (!('count' in body)) throw new Error('cannot index a resource without count');
  return Number(evalValue(body.count, ctx));
}

function varValue(name: string, ctx: Ctx): Value {
  if (name in ctx.vars) return ctx.vars[name]!;
  const declared = ctx.config.variables()[name];
  if (declared === undefined) throw new Error(`var.${name} is not declared`);
  if (!('default' in declared)) throw new Error(`var.${name} has no default and no sample value`);
  return declared.default as Value;
}

/** The text between `${` at `start` and its matching `}` (braces inside quoted strings included). */
function interpolationEnd(text: string, start: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
      else if (ch === '$' && text[i + 1] === '{') {
        const end = interpolationEnd(text, i + 1);
        i = end;
      }
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  throw new Error(`unbalanced interpolation in ${text}`);
}

/** Evaluates a template string as hcl2json renders it: literal text with `${expr}` parts. */
function evalTemplate(text: string, ctx: Ctx): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      const end = interpolationEnd(text, i + 1);
      out += String(evalExpr(text.slice(i + 2, end).trim(), ctx));
      i = end;
    } else out += text[i];
  }
  return out;
}

/** Evaluates one expression (the inside of `${...}`). */
export function evalExpr(expr: string, ctx: Ctx): Value {
  if (ctx.depth > 40) throw new Error(`cannot evaluate ${expr}: references loop`);
  const inner: Ctx = { ...ctx, depth: ctx.depth + 1 };
  let m: RegExpExecArray | null;
  const ternary = splitTopLevel(expr, ' ? ');
  if (ternary) {
    const branches = splitTopLevel(ternary[1], ' : ');
    if (!branches) throw new Error(`cannot evaluate ${expr}`);
    const cond = evalExpr(ternary[0], inner);
    if (typeof cond !== 'boolean') throw new Error(`cannot evaluate ${expr}: condition is not a bool`);
    return evalExpr(cond ? branches[0] : branches[1], inner);
  }
  const and = splitTopLevel(expr, ' && ');
  if (and) return evalExpr(and[0], inner) === true && evalExpr(and[1], inner) === true;
  for (const op of [' == ', ' != '] as const) {
    const sides = splitTopLevel(expr, op);
    if (sides && (sides[1] === '""' || sides[1] === 'null')) {
      const left = evalExpr(sides[0], inner);
      const equal = sides[1] === 'null' ? left === null : left === '';
      return op === ' == ' ? equal : !equal;
    }
  }
  if (expr.startsWith('!')) return evalExpr(expr.slice(1), inner) !== true;
  if (expr === 'null') return null;
  if (expr === 'true' || expr === 'false') return expr === 'true';
  if ((m = /^split\("([^"]*)",\s*(.+)\)\[(\d+)\]$/s.exec(expr))) {
    const part = String(evalExpr(m[2]!.trim(), inner)).split(m[1]!)[Number(m[3])];
    if (part === undefined) throw new Error(`cannot evaluate ${expr}: no element ${m[3]}`);
    return part;
  }
  if ((m = /^([a-z0-9_]+)\.([a-z0-9_]+)\[0\]\.([a-z0-9_]+)$/.exec(expr))) {
    const [, type, name, attr] = m as unknown as [string, string, string, string];
    const body = ctx.config.resource(`${type}.${name}`).body;
    if (instanceCount(body, inner) < 1) throw new Error(`cannot evaluate ${expr}: ${type}.${name} has no instance`);
    return evalExpr(`${type}.${name}.${attr}`, inner);
  }
  if ((m = /^"((?:[^"\\]|\\.)*)"$/.exec(expr))) return evalTemplate(m[1]!, inner);
  if (/^-?\d+(\.\d+)?$/.test(expr)) return Number(expr);
  if ((m = /^(tostring|upper|lower)\((.*)\)$/s.exec(expr))) {
    const arg = evalExpr(m[2]!.trim(), inner);
    if (arg === null) throw new Error(`cannot evaluate ${expr}: null argument`);
    const v = String(arg);
    return m[1] === 'upper' ? v.toUpperCase() : m[1] === 'lower' ? v.toLowerCase() : v;
  }
  if ((m = /^var\.([a-z_][a-z0-9_]*)$/.exec(expr))) return varValue(m[1]!, inner);
  if ((m = /^local\.([a-z_][a-z0-9_]*)$/.exec(expr))) {
    const given = ctx.locals[m[1]!];
    return given ?? evalValue(ctx.config.local(m[1]!), inner);
  }
  if ((m = /^([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(expr))) {
    const [, type, name, attr] = m as unknown as [string, string, string, string];
    const body = ctx.config.resource(`${type}.${name}`).body;
    if (attr in body) return evalValue(body[attr], inner);
    const computed = COMPUTED[`${type}.${attr}`];
    if (computed) return computed(body, inner);
    throw new Error(`cannot evaluate ${expr}: ${type}.${attr} is neither set nor a known computed attribute`);
  }
  throw new Error(`cannot evaluate ${expr}`);
}

/** Evaluates an attribute value as hcl2json gives it (a template string, or a plain number/bool). */
export function evalValue(value: unknown, ctx: Ctx): Value {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (typeof value !== 'string') throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
  // A value that is exactly one interpolation keeps its type (a number stays a number until tostring()).
  if (value.startsWith('${') && interpolationEnd(value, 1) === value.length - 1) {
    return evalExpr(value.slice(2, -1).trim(), ctx);
  }
  return evalTemplate(value, ctx);
}

/** Every entry of a map-valued local, evaluated to strings with the given variable values. */
export function evaluateStringMap(config: TerraformConfig, local: string, sample: Sample): Record<string, string> {
  const map = config.local(local) as Record<string, unknown>;
  const ctx: Ctx = { config, vars: sample.vars, locals: sample.locals ?? {}, depth: 0 };
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(evalValue(v, ctx))]));
}

/** One attribute of one resource (set in its body, or computed by the provider), evaluated. */
export function evaluateAttribute(config: TerraformConfig, address: string, attr: string, sample: Sample) {
  return evalExpr(`${address}.${attr}`, { config, vars: sample.vars, locals: sample.locals ?? {}, depth: 0 });
}

/** One expression (without `${}`), evaluated for a sample deployment. */
export function evaluateExpression(config: TerraformConfig, expr: string, sample: Sample): Value {
  return evalExpr(expr, { config, vars: sample.vars, locals: sample.locals ?? {}, depth: 0 });
}

/** A map-valued attribute (as hcl2json gives it), every entry evaluated to a string. */
export function evaluateMapValue(config: TerraformConfig, map: unknown, sample: Sample): Record<string, string> {
  const ctx: Ctx = { config, vars: sample.vars, locals: sample.locals ?? {}, depth: 0 };
  return Object.fromEntries(
    Object.entries(map as Record<string, unknown>).map(([k, v]) => [k, String(evalValue(v, ctx))]),
  );
}
