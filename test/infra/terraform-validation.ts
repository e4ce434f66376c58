// Runs a variable's `validation { condition = ... }` in JS, for the forms variables.tf uses: `can(regex("re", var.x))`,
// `contains([...], var.x)`, `startswith(var.x, "s")`, `floor(var.x)`, `null`, comparisons, `&&`, `||` and `!`. The regexes use
// nothing where RE2 (Terraform) and JS differ. Any other function or reference throws, so an unsupported condition
// fails the test that uses it rather than being approximated.

const STRING = String.raw`"(?:[^"\\]|\\.)*"`;

/** A predicate equivalent to the condition, for a variable named `name`. */
export function validationPredicate(name: string, condition: string): (value: unknown) => boolean {
  const ref = `var\\.${name}\\b`;
  let js = condition
    .replace(new RegExp(String.raw`can\(regex\((${STRING}),\s*${ref}\)\)`, 'g'), '__re($1, v)')
    .replace(new RegExp(String.raw`contains\((\[[^\]]*\]),\s*${ref}\)`, 'g'), '$1.includes(v)')
    .replace(new RegExp(String.raw`startswith\(${ref},\s*(${STRING})\)`, 'g'), 'String(v).startsWith($1)')
    .replace(/\bfloor\(/g, 'Math.floor(')
    .replace(new RegExp(ref, 'g'), 'v')
    .replace(/([^=!<>])==([^=])/g, '$1===$2')
    .replace(/!=([^=])/g, '!==$1');
  const leftover = js
    .replace(new RegExp(STRING, 'g'), '')
    .replace(/\b(v|__re|includes|String|startsWith|Math|floor|null)\b/g, '')
    .replace(/[\d.\s()[\],!<>=&|]/g, '');
  if (leftover !== '') throw new Error(`cannot run validation of var.${name}: ${condition} (left: ${leftover})`);
  js = `return (${js});`;
  const fn = new Function('v', '__re', js) as (v: unknown, re: (s: string, v: unknown) => boolean) => boolean;
  const re = (source: string, v: unknown) => typeof v === 'string' && new RegExp(source).test(v);
  return (value) => {
    try {
      return fn(value, re) === true;
    } catch {
      return false; // Terraform rejects a value the condition cannot be evaluated on.
    }
  };
}
