// The Titanic columns and how one value of each is read. The same readers check CSV cells (training, the data-drop
// check) and serving-request fields, so a value the trainer accepts is exactly a value the server accepts.

import { allowedValues, NON_NULLABLE_COLUMNS, numericRule, REQUIRED_COLUMNS } from './dataset-rules';

/** Every column a training file must have, in Kaggle's order. `Survived` is not required for scoring. */
export const COLUMNS = [
  'PassengerId',
  'Survived',
  'Pclass',
  'Name',
  'Sex',
  'Age',
  'SibSp',
  'Parch',
  'Ticket',
  'Fare',
  'Cabin',
  'Embarked',
] as const;
export type Column = (typeof COLUMNS)[number];
// The code reads these columns by name; the schema says which a file must carry. They must be the same list.
if (COLUMNS.join() !== REQUIRED_COLUMNS.join()) {
  throw new Error(
    `trainer/dataset.schema.json requires ${REQUIRED_COLUMNS.join(', ')}; the trainer reads ${COLUMNS.join(', ')}`,
  );
}

/** One passenger as the model sees it. Optional fields are missing values (imputed by the features). */
export interface Passenger {
  pclass?: 1 | 2 | 3;
  name: string;
  sex?: 'male' | 'female';
  age?: number;
  sibSp?: number;
  parch?: number;
  ticket: string;
  fare?: number;
  cabin: string;
  embarked?: 'C' | 'Q' | 'S';
}

/** A training row: a passenger with its id and label. */
export interface LabelledPassenger extends Passenger {
  passengerId: number;
  survived: 0 | 1;
}

/** A value that is present but not acceptable; the message never echoes more than a short prefix of it. */
export class FieldError extends Error {
  override name = 'FieldError';
}

// Plain decimal notation only: "abc", "-", "1,5", "0x10", "Infinity" are not numbers here (Number() would accept some).
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** "1, 2 or 3": the allowed values for an error message. */
const oneOf = (values: readonly unknown[], quote = false): string => {
  const shown = values.map((v) => (quote ? JSON.stringify(v) : String(v)));
  return shown.length < 2 ? shown.join('') : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
};

/** A short, printable rendering of a bad value for error messages (bounded, so a huge field is not echoed). */
export function show(raw: unknown): string {
  const text = typeof raw === 'string' ? JSON.stringify(raw) : typeof raw === 'object' ? typeof raw : String(raw);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** True for a missing value: absent, null, or an empty / blank string. */
export function isMissing(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

function toNumber(raw: unknown): number {
  if (typeof raw === 'number') {
    if (Number.isFinite(raw)) return raw;
  } else if (typeof raw === 'string') {
    const text = raw.trim();
    if (NUMBER.test(text)) return Number(text);
  }
  throw new FieldError(`${show(raw)} is not a number`);
}

// The numeric columns' bounds, from dataset.schema.json: generous sanity checks that catch unit mix-ups and typos.
const BOUNDS = {
  PassengerId: numericRule('PassengerId'),
  Age: numericRule('Age'),
  SibSp: numericRule('SibSp'),
  Parch: numericRule('Parch'),
  Fare: numericRule('Fare'),
} as const;

/** A number within the schema's bounds for `column` (minimum, maximum, integer). */
function inRange(raw: unknown, column: keyof typeof BOUNDS): number {
  const { min, max, integer } = BOUNDS[column];
  const value = toNumber(raw);
  if (integer && !Number.isInteger(value)) throw new FieldError(`${show(raw)} is not a whole number`);
  if (value < min || value > max) throw new FieldError(`${show(raw)} is out of range [${min}, ${max}]`);
  return value;
}

function text(raw: unknown): string {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  throw new FieldError(`${show(raw)} is not text`);
}

// The allowed values of the categorical columns and the label, from dataset.schema.json.
const LABELS = allowedValues<0 | 1>('Survived');
const CLASSES = allowedValues<1 | 2 | 3>('Pclass');
const SEXES = allowedValues<'male' | 'female'>('Sex');
const PORTS = allowedValues<'C' | 'Q' | 'S'>('Embarked');

/** Reads the label: 0 or 1 (also "0"/"1"). Missing → undefined. */
export function readSurvived(raw: unknown): 0 | 1 | undefined {
  if (isMissing(raw)) return undefined;
  const value = toNumber(raw) as 0 | 1;
  if (!LABELS.includes(value)) throw new FieldError(`${show(raw)} is not a valid label (expected ${oneOf(LABELS)})`);
  return value;
}

/** Reads every passenger field that can appear in a CSV row or a request instance. Missing → undefined. */
export const readers = {
  PassengerId: (raw: unknown): number | undefined => (isMissing(raw) ? undefined : inRange(raw, 'PassengerId')),
  Pclass: (raw: unknown): 1 | 2 | 3 | undefined => {
    if (isMissing(raw)) return undefined;
    const value = toNumber(raw) as 1 | 2 | 3;
    if (!CLASSES.includes(value)) throw new FieldError(`${show(raw)} is not a class (${oneOf(CLASSES)})`);
    return value;
  },
  Name: (raw: unknown): string => (isMissing(raw) ? '' : text(raw)),
  Sex: (raw: unknown): 'male' | 'female' | undefined => {
    if (isMissing(raw)) return undefined;
    const value = (typeof raw === 'string' ? raw.trim().toLowerCase() : raw) as 'male' | 'female';
    if (!SEXES.includes(value)) throw new FieldError(`${show(raw)} is not ${oneOf(SEXES, true)}`);
    return value;
  },
  Age: (raw: unknown): number | undefined => (isMissing(raw) ? undefined : inRange(raw, 'Age')),
  SibSp: (raw: unknown): number | undefined => (isMissing(raw) ? undefined : inRange(raw, 'SibSp')),
  Parch: (raw: unknown): number | undefined => (isMissing(raw) ? undefined : inRange(raw, 'Parch')),
  Ticket: (raw: unknown): string => (isMissing(raw) ? '' : text(raw)),
  Fare: (raw: unknown): number | undefined => (isMissing(raw) ? undefined : inRange(raw, 'Fare')),
  Cabin: (raw: unknown): string => (isMissing(raw) ? '' : text(raw)),
  Embarked: (raw: unknown): 'C' | 'Q' | 'S' | undefined => {
    if (isMissing(raw)) return undefined;
    const value = (typeof raw === 'string' ? raw.trim().toUpperCase() : raw) as 'C' | 'Q' | 'S';
    if (!PORTS.includes(value)) throw new FieldError(`${show(raw)} is not a port (${oneOf(PORTS)})`);
    return value;
  },
} as const;

/** The passenger fields, in the order they are read (a request instance uses the same names as the CSV header). */
export const PASSENGER_FIELDS = COLUMNS.filter(
  (c): c is Exclude<Column, 'PassengerId' | 'Survived'> => c !== 'PassengerId' && c !== 'Survived',
) satisfies readonly (keyof typeof readers)[];

/** Columns a training or scoring row may not leave empty: dataset.schema.json's non-nullable required columns. */
export const NON_EMPTY = NON_NULLABLE_COLUMNS as ReadonlySet<Column>;

/** Codes of the categorical columns in a PassengerTable (0 is "missing" in each). */
export const SEX_CODES = [undefined, 'male', 'female'] as const;
export const PORT_CODES = [undefined, 'C', 'Q', 'S'] as const;
const sexCode = (sex: Passenger['sex']): number => (sex === 'male' ? 1 : sex === 'female' ? 2 : 0);
const portCode = (port: Passenger['embarked']): number => (port === 'C' ? 1 : port === 'Q' ? 2 : port === 'S' ? 3 : 0);

/**
 * Passengers as columns (typed arrays, one entry per row), what training computes on: no object per row. Missing
 * numbers are NaN, missing codes 0. Names are kept as their title only (all the model reads of a name), tickets as
 * an index into `tickets`. `names` and `cabins` (the full text) are kept only when asked (the row-object API).
 */
export interface PassengerTable {
  length: number;
  passengerId: Float64Array;
  /** 0/1; 0 for scoring rows without a label. */
  survived: Uint8Array;
  /** 1, 2, 3; 0 missing. */
  pclass: Uint8Array;
  /** Index into SEX_CODES. */
  sex: Uint8Array;
  age: Float64Array;
  sibSp: Float64Array;
  parch: Float64Array;
  fare: Float64Array;
  /** 1 when the cabin is known. */
  cabin: Uint8Array;
  /** Index into PORT_CODES. */
  embarked: Uint8Array;
  /** Index into `titles`: titleOf(name), '' for none. */
  title: Int32Array;
  titles: string[];
  /** Index into `tickets`; -1 for an empty ticket. */
  ticket: Int32Array;
  tickets: string[];
  names?: string[];
  cabins?: string[];
}

type Columns = Omit<PassengerTable, 'length' | 'titles' | 'tickets' | 'names' | 'cabins'>;
const COLUMN_TYPES = {
  passengerId: Float64Array,
  survived: Uint8Array,
  pclass: Uint8Array,
  sex: Uint8Array,
  age: Float64Array,
  sibSp: Float64Array,
  parch: Float64Array,
  fare: Float64Array,
  cabin: Uint8Array,
  embarked: Uint8Array,
  title: Int32Array,
  ticket: Int32Array,
} as const;

/** Appends rows to growing typed arrays (capacity doubles), interning titles and tickets. */
export class TableBuilder {
  length = 0;
  private columns: Columns;
  private readonly titleIds = new Map<string, number>();
  private readonly ticketIds = new Map<string, number>();
  private readonly names?: string[];
  private readonly cabins?: string[];

  constructor(
    private readonly titleOf: (name: string) => string,
    keepText = false,
    private capacity = 1024,
  ) {
    this.columns = this.allocate(capacity);
    if (keepText) [this.names, this.cabins] = [[], []];
  }

  private allocate(capacity: number): Columns {
    const fresh = Object.fromEntries(
      Object.entries(COLUMN_TYPES).map(([key, Type]) => {
        const column = new Type(capacity);
        const old = this.columns?.[key as keyof Columns];
        if (old) column.set(old);
        return [key, column];
      }),
    );
    return fresh as unknown as Columns;
  }

  private intern(ids: Map<string, number>, key: string): number {
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  }

  /** Adds one passenger (positional, so no object is made per row). */
  add(
    passengerId: number,
    survived: 0 | 1 | undefined,
    pclass: Passenger['pclass'],
    name: string,
    sex: Passenger['sex'],
    age: number | undefined,
    sibSp: number | undefined,
    parch: number | undefined,
    ticket: string,
    fare: number | undefined,
    cabin: string,
    embarked: Passenger['embarked'],
  ): void {
    if (this.length === this.capacity) this.columns = this.allocate((this.capacity *= 2));
    const c = this.columns;
    const i = this.length++;
    c.passengerId[i] = passengerId;
    c.survived[i] = survived ?? 0;
    c.pclass[i] = pclass ?? 0;
    c.sex[i] = sexCode(sex);
    c.age[i] = age ?? NaN;
    c.sibSp[i] = sibSp ?? NaN;
    c.parch[i] = parch ?? NaN;
    c.fare[i] = fare ?? NaN;
    c.cabin[i] = cabin ? 1 : 0;
    c.embarked[i] = portCode(embarked);
    c.title[i] = this.intern(this.titleIds, this.titleOf(name));
    c.ticket[i] = ticket ? this.intern(this.ticketIds, ticket) : -1;
    this.names?.push(name);
    this.cabins?.push(cabin);
  }

  /** The table (columns trimmed to the rows added). */
  build(): PassengerTable {
    const trimmed = Object.fromEntries(
      Object.entries(this.columns).map(([key, column]) => [key, (column as Float64Array).slice(0, this.length)]),
    ) as unknown as Columns;
    const table: PassengerTable = {
      length: this.length,
      ...trimmed,
      titles: [...this.titleIds.keys()],
      tickets: [...this.ticketIds.keys()],
    };
    if (this.names) [table.names, table.cabins] = [this.names, this.cabins];
    return table;
  }
}

const orUndefined = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v);

/** Row `i` of a table built with its text kept, as a row object (the compatibility API; not the hot path). */
export function rowOf(table: PassengerTable, i: number, labelled: boolean): LabelledPassenger {
  const ticket = table.ticket[i] as number;
  const row: LabelledPassenger = {
    passengerId: table.passengerId[i] as number,
    survived: (labelled ? table.survived[i] : 0) as 0 | 1,
    pclass: (table.pclass[i] || undefined) as Passenger['pclass'],
    name: table.names?.[i] ?? '',
    sex: SEX_CODES[table.sex[i] as number],
    age: orUndefined(table.age[i] as number),
    sibSp: orUndefined(table.sibSp[i] as number),
    parch: orUndefined(table.parch[i] as number),
    ticket: ticket < 0 ? '' : (table.tickets[ticket] as string),
    fare: orUndefined(table.fare[i] as number),
    cabin: table.cabins?.[i] ?? '',
    embarked: PORT_CODES[table.embarked[i] as number],
  };
  if (!labelled) delete (row as Partial<LabelledPassenger>).survived;
  return row;
}
