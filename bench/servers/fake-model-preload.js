// BENCH ONLY, loaded with `node --require` in front of dist/trainer/src/serve.js while the real model module has not
// landed: replaces the placeholder predictorFromArtifact with a stand-in that does comparable work per instance
// (reads and checks every passenger field, ~15 features, a dot product and a sigmoid). The bench labels every
// figure measured this way as FAKE. Everything else (serve.js, config, routes, model.json read) is the real code.
const artifact = require('../../dist/trainer/src/artifact.js');
const { InstanceError } = require('../../dist/trainer/src/predictor.js');

const num = (v, index, field, min, max) => {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?\d+\.?\d*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < min || n > max)
    throw new InstanceError(index, field, `not a number in [${min}, ${max}]`);
  return n;
};
const str = (v, index, field) => {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new InstanceError(index, field, 'must be a string');
  return v;
};

artifact.predictorFromArtifact = (text) => {
  const { weights, intercept } = JSON.parse(text);
  const x = new Float64Array(weights.length);
  return {
    info: { schemaVersion: 0, modelVersion: 'FAKE-bench-predictor' },
    predict(instances) {
      return instances.map((p, i) => {
        if (typeof p !== 'object' || p === null || Array.isArray(p))
          throw new InstanceError(i, '', 'must be an object');
        const pclass = num(p.Pclass, i, 'Pclass', 1, 3) ?? 3;
        const sex = str(p.Sex, i, 'Sex');
        const age = num(p.Age, i, 'Age', 0, 120) ?? 28;
        const sibSp = num(p.SibSp, i, 'SibSp', 0, 20) ?? 0;
        const parch = num(p.Parch, i, 'Parch', 0, 20) ?? 0;
        const fare = num(p.Fare, i, 'Fare', 0, 10000) ?? 14;
        const name = str(p.Name, i, 'Name');
        const cabin = str(p.Cabin, i, 'Cabin');
        const embarked = str(p.Embarked, i, 'Embarked');
        str(p.Ticket, i, 'Ticket');
        x.fill(0);
        x[0] = pclass === 1 ? 1 : 0;
        x[1] = pclass === 2 ? 1 : 0;
        x[2] = sex === 'female' ? 1 : 0;
        x[3] = (age - 29.7) / 14.5;
        x[4] = age < 13 ? 1 : 0;
        x[5] = sibSp;
        x[6] = parch;
        x[7] = Math.log1p(fare);
        x[8] = cabin ? 1 : 0;
        x[9] = embarked === 'C' ? 1 : 0;
        x[10] = embarked === 'Q' ? 1 : 0;
        x[11] = /\bMrs?\./.test(name) ? 1 : 0;
        x[12] = /\bMiss\./.test(name) ? 1 : 0;
        x[13] = /\bMaster\./.test(name) ? 1 : 0;
        x[14] = sibSp + parch === 0 ? 1 : 0;
        let z = intercept;
        for (let k = 0; k < x.length; k++) z += weights[k] * x[k];
        const probability = 1 / (1 + Math.exp(-z));
        return { survived: probability >= 0.5 ? 1 : 0, probability };
      });
    },
  };
};
