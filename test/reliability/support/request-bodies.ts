// Seeded generator of prediction request bodies: valid ones in many spellings, and everything a careless or hostile
// client sends. Each case carries the exact status the server must answer, so the fuzzing checks more than "no 5xx".
import { readFileSync } from 'node:fs';
import type { Prng } from '../../support/prng';
import type { LabelledPassenger } from '../../../trainer/src/fields';
import { parseTrainingSet } from '../../../trainer/src/preprocess';
import { MAX_BODY_BYTES } from '../../../trainer/src/server/prediction-server';
import { TRAINING_CSV } from './trained-model';

export interface BodyCase {
  kind: string;
  body: Buffer;
  /** 200, 400 or 413. Any body over the limit must get 413 whatever it holds. */
  expect: number;
  /** Sent with chunked transfer encoding (no Content-Length), so the limit is found while reading. */
  chunked: boolean;
  /** For a 200: how many predictions the answer must hold. */
  instances?: number;
}

/** Relative frequencies of the kinds (per 100 cases). */
const WEIGHTS = {
  valid: 30,
  unicode: 6,
  prototypeKeys: 6,
  envelopeProtoOnly: 1,
  many: 2,
  longString: 3,
  badField: 18,
  badInstance: 4,
  badEnvelope: 9,
  notJson: 9,
  deep: 3,
  huge: 2,
  atLimit: 1,
  empty: 2,
  parametersOk: 4,
} as const;
type Kind = keyof typeof WEIGHTS;

let passengers: LabelledPassenger[] | undefined;
const reference = (): LabelledPassenger[] => (passengers ??= parseTrainingSet(readFileSync(TRAINING_CSV)));

/** A real passenger as a request instance, in one of the spellings the server accepts (numbers as text, case…). */
function instance(rng: Prng): Record<string, unknown> {
  const p = rng.pick(reference());
  const num = (v: number | undefined) =>
    v === undefined ? rng.pick([undefined, null, '', ' ']) : rng.pick([v, String(v), ` ${v} `, v]);
  const out: Record<string, unknown> = {
    Pclass: num(p.pclass),
    Name: rng.chance(0.9) ? p.name : undefined,
    Sex: p.sex && rng.pick([p.sex, p.sex.toUpperCase(), ` ${p.sex} `, p.sex]),
    Age: num(p.age),
    SibSp: num(p.sibSp),
    Parch: num(p.parch),
    Ticket: rng.chance(0.95) ? p.ticket : 12345,
    Fare: num(p.fare),
    Cabin: p.cabin || rng.pick([undefined, '', null]),
    Embarked: p.embarked && rng.pick([p.embarked, p.embarked.toLowerCase()]),
  };
  if (rng.chance(0.1)) Object.assign(out, { Survived: p.survived, PassengerId: p.passengerId, extra: { a: [1] } });
  for (const key of Object.keys(out)) if (out[key] === undefined || rng.chance(0.03)) delete out[key];
  return out;
}

const instances = (rng: Prng, n: number) => Array.from({ length: n }, () => instance(rng));
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const envelope = (list: unknown[]) => json({ instances: list });

const UNICODE_NAMES = [
  'Ødegaard, Mr. Ólafur Ñuñez',
  '山田, Mr. 太郎',
  'محمد, Mr. علي',
  'Zoë, Mrs. A\u0308nne (e\u0301)',
  'Emoji, Miss. 🚢🧊 \u{1F468}\u200D\u{1F469}\u200D\u{1F467}',
  'Nul, Mr. a\u0000b',
  'Bidi, Mr. \u202Eevil\u202C',
];
const NUMERIC = ['Pclass', 'Age', 'SibSp', 'Parch', 'Fare'] as const;
const BAD_NUMBERS: unknown[] = ['NaN', 'Infinity', '-Infinity', 'abc', '1,5', '0x10', '1e999', true, [], {}, -1, 1e6];
const BAD_BY_FIELD: Record<string, unknown[]> = {
  Pclass: [0, 4, 2.5, 'first'],
  SibSp: [2.5, 21],
  Parch: [0.5, 99],
  Age: [121, -0.1],
  Fare: [10_001, -3],
  Sex: ['m', 'unknown', 1, ['male']],
  Embarked: ['X', 'Southampton', 5],
  Name: [{}, [], true],
  Ticket: [{ no: 1 }, false],
  Cabin: [[], true],
};

function badField(rng: Prng): Buffer {
  const list = instances(rng, rng.int(1, 5));
  const field = rng.pick(Object.keys(BAD_BY_FIELD));
  const bad = (NUMERIC as readonly string[]).includes(field)
    ? rng.pick([...BAD_NUMBERS, ...(BAD_BY_FIELD[field] ?? [])])
    : rng.pick(BAD_BY_FIELD[field] as unknown[]);
  (list[rng.int(0, list.length - 1)] as Record<string, unknown>)[field] = bad;
  return envelope(list);
}

function deep(rng: Prng): Buffer {
  const depth = rng.int(10_000, 100_000);
  const variant = rng.int(0, 3);
  if (variant === 0) return Buffer.from('['.repeat(depth)); // 100k unclosed brackets
  if (variant === 1) return Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  if (variant === 2) return Buffer.from(`{"instances":[${'['.repeat(depth)}${']'.repeat(depth)}]}`);
  return Buffer.from(`{"instances":[{"Name":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}`);
}

function notJson(rng: Prng): Buffer {
  const valid = JSON.stringify({ instances: instances(rng, 2) });
  return rng.pick([
    () => Buffer.from(valid.slice(0, rng.int(1, valid.length - 1))),
    () => Buffer.from(Array.from({ length: rng.int(1, 4096) }, () => rng.int(0, 255))),
    () => Buffer.concat([Buffer.from('{"instances":[{"Name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]')]),
    () => Buffer.from(`${valid}x`),
    () => Buffer.from(valid.replaceAll('"', "'")),
    () => Buffer.from('{"instances":[{"Age":NaN}]}'),
    () => Buffer.from(`// comment\n${valid}`),
    () => Buffer.from('{"instances":[{"Age":0x10}]}'),
  ])();
}

/** One case of the given kind. */
function make(kind: Kind, rng: Prng): Omit<BodyCase, 'chunked'> {
  const ok = (list: unknown[], body = envelope(list)) => ({ kind, body, expect: 200, instances: list.length });
  const bad = (body: Buffer | string) => ({ kind, body: Buffer.from(body), expect: 400 });
  switch (kind) {
    case 'valid':
      return ok(instances(rng, rng.int(1, 10)));
    case 'unicode': {
      const list = instances(rng, rng.int(1, 3)).map((i) => ({ ...i, Name: rng.pick(UNICODE_NAMES) }));
      // A lone surrogate can only be sent escaped: it is valid JSON and a valid (if odd) JS string.
      return ok(list, Buffer.from(JSON.stringify({ instances: list }).replace('"Name":"', '"Name":"\\ud800')));
    }
    case 'prototypeKeys': {
      const list = instances(rng, rng.int(1, 3));
      (list[0] as Record<string, unknown>).Sex ??= 'male'; // the first instance gets keys spliced in: never empty
      const text = JSON.stringify({ instances: list })
        .replace(
          '{"instances"',
          '{"__proto__":{"polluted":1,"instances":[]},"constructor":{"prototype":{"x":1}},"instances"',
        )
        .replace(
          '[{',
          '[{"__proto__":{"Pclass":"x","polluted":1},"constructor":{"name":"y"},"Name":"Doe, constructor. J",',
        );
      return ok(list, Buffer.from(text));
    }
    case 'envelopeProtoOnly':
      return bad(`{"__proto__":{"instances":${JSON.stringify(instances(rng, 1))}}}`);
    case 'many': {
      const list = Array.from({ length: rng.int(2_000, 20_000) }, () => ({
        Sex: rng.pick(['male', 'female']),
        Pclass: rng.int(1, 3),
      }));
      return ok(list);
    }
    case 'longString': {
      const n = rng.int(100_000, 1_000_000);
      const list = instances(rng, 1);
      const field = rng.pick(['Name', 'Name', 'Ticket', 'Cabin', 'Sex']);
      (list[0] as Record<string, unknown>)[field] = rng.pick([
        `Doe,${' '.repeat(n)}x`,
        'é'.repeat(n / 2),
        'a'.repeat(n),
      ]);
      return field === 'Sex' ? bad(envelope(list)) : ok(list);
    }
    case 'badField':
      return bad(badField(rng));
    case 'badInstance':
      return bad(envelope([...instances(rng, rng.int(0, 2)), rng.pick([1, 'x', null, [], [1, 2], true])]));
    case 'badEnvelope':
      return bad(
        rng.pick([
          '[]',
          '1',
          '"x"',
          'null',
          'true',
          '{}',
          '{"instances":{}}',
          '{"instances":"a"}',
          '{"instances":null}',
          '{"instances":[]}',
          '{"Instances":[{}]}',
          `{"instances":[{}],"parameters":${rng.pick(['5', '"x"', '[]', 'true'])}}`,
        ]),
      );
    case 'notJson':
      return bad(notJson(rng));
    case 'deep':
      return bad(deep(rng));
    case 'empty':
      return bad(rng.pick(['', ' ', '\n\r\t ']));
    case 'parametersOk':
      return ok([{}], Buffer.from(`{"instances":[{}],"parameters":${rng.pick(['null', '{}', '{"confidence":0.5}'])}}`));
    case 'atLimit': {
      const list = instances(rng, 3);
      const text = JSON.stringify({ instances: list });
      const over = rng.chance(0.5) ? 1 : 0; // exactly the limit (200) or one byte over (413)
      return { ...ok(list, Buffer.from(text + ' '.repeat(MAX_BODY_BYTES - text.length + over))) };
    }
    case 'huge': {
      const size = rng.pick([MAX_BODY_BYTES + rng.int(1, 4096), rng.int(2, 5) * 1024 * 1024]);
      const text = JSON.stringify({ instances: instances(rng, 1) });
      return {
        kind,
        body: Buffer.from(text.replace('}]}', `,"pad":"${'x'.repeat(size - text.length)}"}]}`)),
        expect: 413,
      };
    }
  }
}

/** The i-th case is a function of the generator's state only: the same seed gives the same bodies in the same order. */
export function nextBodyCase(rng: Prng): BodyCase {
  const made = make(rng.weighted(WEIGHTS), rng);
  const expect = made.body.length > MAX_BODY_BYTES ? 413 : made.expect;
  return { ...made, expect, chunked: rng.chance(0.2) };
}
