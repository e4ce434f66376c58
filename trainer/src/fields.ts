// The Titanic columns and how one value of each is read. The same readers check CSV cells (training, the data-drop
// check) and serving-request fields, so a value the trainer accepts is exactly a value the server accepts.

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

// Generous sanity bounds: they catch unit mix-ups and typos without rejecting any plausible passenger.
export const MAX_AGE = 120;
export const MAX_RELATIVES = 20;
export const MAX_FARE = 10_000;

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

function inRange(raw: unknown, min: number, max: number, integer: boolean): number {
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

/** Reads the label: 0 or 1 (also "0"/"1"). Missing → undefined. */
export function readSurvived(raw: unknown): 0 | 1 | undefined {
  if (isMissing(raw)) return undefined;
  const value = toNumber(raw);
  if (value !== 0 && value !== 1) throw new FieldError(`${show(raw)} is not a valid label (expected 0 or 1)`);
  return value;
}

/** Reads every passenger field that can appear in a CSV row or a request instance. Missing → undefined. */
export const readers = {
  PassengerId: (raw: unknown): number | undefined =>
    isMissing(raw) ? undefined : inRange(raw, 1, Number.MAX_SAFE_INTEGER, true),
  Pclass: (raw: unknown): 1 | 2 | 3 | undefined => {
    if (isMissing(raw)) return undefined;
    const value = toNumber(raw);
    if (value !== 1 && value !== 2 && value !== 3) throw new FieldError(`${show(raw)} is not a class (1, 2 or 3)`);
    return value;
  },
  Name: (raw: unknown): string => (isMissing(raw) ? '' : text(raw)),
  Sex: (raw: unknown): 'male' | 'female' | undefined => {
    if (isMissing(raw)) return undefined;
    const value = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
    if (value !== 'male' && value !== 'female') throw new FieldError(`${show(raw)} is not "male" or "female"`);
    return value;
  },
  Age: (raw: unknown): number | undefined => (isMissing(raw) ? undefined : inRange(raw, 0, MAX_AGE, false)),
  SibSp: (raw: unknown): number | undefined => (isMissing(raw) ? undefined : inRange(raw, 0, MAX_RELATIVES, true)),
  Parch: (raw: unknown): number | undefined => (isMissing(raw) ? undefined : inRange(raw, 0, MAX_RELATIVES, true)),
  Ticket: (raw: unknown): string => (isMissing(raw) ? '' : text(raw)),
  Fare: (raw: unknown): number | undefined => (isMissing(raw) ? undefined : inRange(raw, 0, MAX_FARE, false)),
  Cabin: (raw: unknown): string => (isMissing(raw) ? '' : text(raw)),
  Embarked: (raw: unknown): 'C' | 'Q' | 'S' | undefined => {
    if (isMissing(raw)) return undefined;
    const value = typeof raw === 'string' ? raw.trim().toUpperCase() : raw;
    if (value !== 'C' && value !== 'Q' && value !== 'S') throw new FieldError(`${show(raw)} is not a port (C, Q or S)`);
    return value;
  },
} as const;

/** The passenger fields, in the order they are read (a request instance uses the same names as the CSV header). */
export const PASSENGER_FIELDS = COLUMNS.filter(
  (c): c is Exclude<Column, 'PassengerId' | 'Survived'> => c !== 'PassengerId' && c !== 'Survived',
) satisfies readonly (keyof typeof readers)[];

/** Columns a training or scoring row may not leave empty (the model needs them; Kaggle's files always have them). */
export const NON_EMPTY: ReadonlySet<Column> = new Set([
  'PassengerId',
  'Survived',
  'Pclass',
  'Name',
  'Sex',
  'SibSp',
  'Parch',
]);
