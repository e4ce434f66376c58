import assert from 'node:assert/strict';
import request from 'supertest';
import { UnknownFieldError } from '../../../trainer/src/predictor';
import { checkingFields, fieldChecker } from '../../../trainer/src/server/instance-fields';
import { createPredictionServer, type PredictionServer } from '../../../trainer/src/server/prediction-server';
import { FakePredictor } from './fake-predictor';

const FIELDS = { expected: ['Pclass', 'Sex', 'Age', 'SibSp'], ignored: ['PassengerId'] };

describe('server/instance-fields', () => {
  const check = fieldChecker(FIELDS);
  const thrown = (instance: unknown, index = 0): UnknownFieldError => {
    try {
      check(instance, index);
    } catch (error) {
      if (error instanceof UnknownFieldError) return error;
      throw error;
    }
    assert.fail(`no error for ${JSON.stringify(instance)}`);
  };

  it('accepts expected and ignored fields, any subset of them, and leaves non-objects to the model', () => {
    for (const ok of [{}, { Pclass: 1 }, { Pclass: 1, Sex: 'male', Age: null, SibSp: 0, PassengerId: 9 }, null, 3, []])
      check(ok, 0);
  });

  const table: [string, unknown, string[], RegExp][] = [
    [
      'misspelled by case',
      { pclass: 1, sex: 'female', age: 30 },
      ['pclass', 'sex', 'age'],
      /"pclass" \(did you mean "Pclass"\?\), "sex" \(did you mean "Sex"\?\), "age" \(did you mean "Age"\?\)/,
    ],
    [
      'another data set',
      { Foo: 1 },
      ['Foo'],
      /^instances\[4\]: unknown field "Foo"; expected columns: Pclass, Sex, Age, SibSp \(PassengerId also accepted, and ignored\)$/,
    ],
    ['punctuation', { sib_sp: 1, Pclass: 2 }, ['sib_sp'], /"sib_sp" \(did you mean "SibSp"\?\)/],
    [
      'prototype keys',
      JSON.parse('{"__proto__": 1, "constructor": 2}'),
      ['__proto__', 'constructor'],
      /"__proto__", "constructor"/,
    ],
  ];
  for (const [what, instance, unknown, message] of table) {
    it(`names every unknown field and the expected columns: ${what}`, () => {
      const error = thrown(instance, 4);
      assert.deepEqual(error.unknownFields, unknown);
      assert.deepEqual(error.expectedFields, FIELDS.expected);
      assert.equal(error.index, 4);
      assert.equal(error.field, unknown[0]);
      assert.match(error.message, message);
    });
  }

  describe('through the server', () => {
    let server: PredictionServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });
    const start = async () => {
      const fake = new FakePredictor();
      server = createPredictionServer({ loadPredictor: async () => checkingFields(fake, FIELDS) });
      const base = await server.listen({ port: 0, host: '127.0.0.1' });
      await server.loaded;
      return { base, fake };
    };

    it('400 naming the unknown fields and listing the expected ones; the model is not called', async () => {
      const { base, fake } = await start();
      const res = await request(base)
        .post('/predict')
        .send({
          instances: [
            { Sex: 'male', Pclass: 1 },
            { pclass: 1, sex: 'female', age: 30 },
          ],
        })
        .expect(400);
      assert.deepEqual(res.body.error.unknownFields, ['pclass', 'sex', 'age']);
      assert.deepEqual(res.body.error.expectedFields, FIELDS.expected);
      assert.equal(res.body.error.index, 1);
      assert.equal(res.body.error.field, 'pclass');
      assert.match(res.body.error.message, /^instances\[1\]: unknown fields "pclass"/);
      assert.equal(fake.calls, 0);
      const foo = await request(base)
        .post('/predict')
        .send({ instances: [{ Foo: 1 }] })
        .expect(400);
      assert.deepEqual(foo.body.error.unknownFields, ['Foo']);
    });

    it('known fields, with optional ones missing, still predict', async () => {
      const { base } = await start();
      const res = await request(base)
        .post('/predict')
        .send({ instances: [{ Sex: 'female', Pclass: 1, PassengerId: 3 }] })
        .expect(200);
      assert.equal(res.body.predictions.length, 1);
    });
  });
});
