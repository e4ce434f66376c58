import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ArtifactError,
  buildArtifact,
  parseArtifact,
  predictorFromArtifact,
  serializeArtifact,
} from '../../trainer/src/artifact';
import { InstanceError } from '../../trainer/src/predictor';
import { parseScoringSet, parseTrainingSet } from '../../trainer/src/preprocess';
import { fitModel, probabilities } from '../../trainer/src/train';

const rows = parseTrainingSet(readFileSync('test/fixtures/titanic/train.csv'));
const context = { codeVersion: 'test', seed: 42, trainingData: { uri: 'train.csv', sha256: 'x', rows: 891 } };
const text = serializeArtifact(buildArtifact(fitModel(rows, 42), context));
const predictor = predictorFromArtifact(text);
// A request instance as a client sends it: CSV field names, values as strings or numbers.
const jack = {
  Pclass: 3,
  Name: 'Dawson, Mr. Jack',
  Sex: 'male',
  Age: 20,
  SibSp: 0,
  Parch: 0,
  Ticket: 'A/5 1',
  Fare: 7.25,
};
const rose = { Pclass: '1', Name: 'Bukater, Miss. Rose', Sex: 'female', Age: '17', SibSp: 0, Parch: 1, Fare: '100' };

function instanceError(instances: unknown[]): InstanceError {
  try {
    predictor.predict(instances);
  } catch (error) {
    assert.ok(error instanceof InstanceError);
    return error;
  }
  assert.fail('expected an InstanceError');
}

describe('trainer/artifact', () => {
  it('same data and seed give a byte-identical artifact, with no clock in it', () => {
    const again = serializeArtifact(buildArtifact(fitModel(rows, 42), context));
    assert.equal(again, text);
    assert.doesNotMatch(text, /20\d\d-\d\d-\d\dT/);
    assert.match(parseArtifact(text).modelVersion, /^[0-9a-f]{16}$/);
  });

  it('round-trips: predictions from the loaded artifact match the in-memory model', () => {
    const fitted = fitModel(rows, 42);
    const expected = probabilities(fitted, rows);
    const csvLike = rows.map((r) => ({
      Pclass: r.pclass,
      Name: r.name,
      Sex: r.sex,
      Age: r.age,
      SibSp: r.sibSp,
      Parch: r.parch,
      Ticket: r.ticket,
      Fare: r.fare,
      Cabin: r.cabin,
      Embarked: r.embarked,
    }));
    const got = predictorFromArtifact(text).predict(csvLike);
    got.forEach((p, i) => assert.ok(Math.abs(p.probability - (expected[i] as number)) < 1e-9));
    const accuracy = got.filter((p, i) => p.survived === rows[i]?.survived).length / rows.length;
    assert.ok(accuracy > 0.8, `training accuracy ${accuracy}`);
  });

  it('titles and tickets named like Object.prototype members survive the round trip (serving = training)', () => {
    // 20 passengers titled "__proto__" / "constructor" (kept titles: >= 8 each, some without Age or Sex) and three
    // whole tickets renamed "__proto__", "constructor", "prototype".
    const renamedTickets = new Map([
      ['347082', '__proto__'],
      ['CA. 2343', 'constructor'],
      ['382652', 'prototype'],
    ]);
    const odd = rows.map((r, i) => ({
      ...r,
      name: i < 20 ? r.name.replace(/,\s*[^.]+\./, i < 10 ? ', __proto__.' : ', constructor.') : r.name,
      sex: i % 10 === 0 ? undefined : r.sex,
      age: i % 5 === 0 ? undefined : r.age,
      ticket: renamedTickets.get(r.ticket) ?? r.ticket,
    }));
    const fitted = fitModel(odd, 42);
    assert.ok(fitted.features.titles.includes('__proto__') && fitted.features.titles.includes('constructor'));
    const expected = probabilities(fitted, odd);
    expected.forEach((p, i) => assert.ok(Number.isFinite(p), `row ${i}: ${p}`));
    const loaded = predictorFromArtifact(serializeArtifact(buildArtifact(fitted, context)));
    const got = loaded.predict(
      odd.map((r) => ({ Pclass: r.pclass, Name: r.name, Sex: r.sex, Age: r.age, Ticket: r.ticket, Fare: r.fare })),
    );
    // The same passengers without SibSp/Parch/Cabin/Embarked, in memory: identical to what the artifact serves.
    const bare = probabilities(
      fitted,
      odd.map((r) => ({ ...r, sibSp: undefined, parch: undefined, cabin: '', embarked: undefined })),
    );
    got.forEach((p, i) => assert.ok(Math.abs(p.probability - (bare[i] as number)) < 1e-9, `row ${i}`));
  });

  it('scores in order, strings or numbers, with sensible direction', () => {
    const [j, r] = predictor.predict([jack, rose]);
    assert.ok(j && r);
    assert.equal(j.survived, 0);
    assert.equal(r.survived, 1);
    assert.ok(r.probability > j.probability);
    assert.deepEqual(predictor.predict([rose, jack]), [r, j]);
  });

  it('handles unseen values and missing fields', () => {
    const [dona, bigFamily, bare, allMissing] = predictor.predict([
      { ...rose, Name: 'Oliva y Ocana, Dona. Fermina' },
      { ...jack, Parch: 9, SibSp: 1 },
      { Sex: 'female' },
      {},
    ]);
    for (const p of [dona, bigFamily, bare, allMissing]) {
      assert.ok(p && p.probability > 0 && p.probability < 1 && Number.isFinite(p.probability));
    }
    assert.equal(parseScoringSet(readFileSync('test/fixtures/titanic/test.csv')).length, 418);
  });

  it('rejects bad instances naming index and field', () => {
    const cases: [unknown, string][] = [
      [{ ...jack, Sex: 'dog' }, 'Sex'],
      [{ ...jack, Age: -3 }, 'Age'],
      [{ ...jack, Pclass: 7 }, 'Pclass'],
      [{ ...jack, Fare: 'abc' }, 'Fare'],
      [{ ...jack, Embarked: 'X' }, 'Embarked'],
      [{ ...jack, Name: { first: 'x' } }, 'Name'],
      ['jack', '(instance)'],
      [null, '(instance)'],
      [[3, 'male'], '(instance)'],
    ];
    for (const [bad, field] of cases) {
      const error = instanceError([jack, bad]);
      assert.equal(error.index, 1);
      assert.equal(error.field, field);
    }
  });

  it('refuses an artifact it cannot read, saying why', () => {
    const json = JSON.parse(text) as Record<string, unknown>;
    assert.throws(() => predictorFromArtifact('{'), ArtifactError);
    assert.throws(
      () => predictorFromArtifact(JSON.stringify({ ...json, schemaVersion: 1 })),
      /schemaVersion 1 is not supported \(this code reads 2\)/,
    );
    const stats = json.features as { womenChildrenByTicket: unknown[] };
    const groups = [...stats.womenChildrenByTicket, ['X1', 2, 3]];
    assert.throws(
      () => predictorFromArtifact(JSON.stringify({ ...json, features: { ...stats, womenChildrenByTicket: groups } })),
      /malformed at features\.womenChildrenByTicket\.\d+: survivors cannot exceed members/,
    );
    assert.throws(
      () => predictorFromArtifact(JSON.stringify({ ...json, model: { intercept: 0 } })),
      /malformed at model/,
    );
    const features = { ...(json.features as object), titles: ['Mr'] };
    assert.throws(() => predictorFromArtifact(JSON.stringify({ ...json, features })), /do not match/);
  });
});
