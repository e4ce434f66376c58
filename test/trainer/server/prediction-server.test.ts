import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import sinon from 'sinon';
import request from 'supertest';
import { InstanceError, type Predictor } from '../../../trainer/src/predictor';
import {
  createPredictionServer,
  MAX_BODY_BYTES,
  type PredictionServer,
  type PredictionServerOptions,
} from '../../../trainer/src/server/prediction-server';
import { deferred, FakePredictor } from './fake-predictor';

const passenger = (over: Record<string, unknown> = {}) => ({
  PassengerId: 892,
  Pclass: 3,
  Name: 'Kelly, Mr. James',
  Sex: 'male',
  Age: 34.5,
  SibSp: 0,
  Parch: 0,
  Ticket: '330911',
  Fare: 7.8292,
  Cabin: null,
  Embarked: 'Q',
  ...over,
});

describe('prediction server', () => {
  let server: PredictionServer | undefined;
  let base = '';

  async function start(options: Partial<PredictionServerOptions> = {}): Promise<PredictionServer> {
    const fake = new FakePredictor();
    server = createPredictionServer({ loadPredictor: async () => fake, ...options });
    base = await server.listen({ port: 0, host: '127.0.0.1' });
    await server.loaded;
    return server;
  }

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe('model loading and health', () => {
    it('answers 503 on health and predict while the model loads, then 200 once it is loaded', async () => {
      const load = deferred<Predictor>();
      server = createPredictionServer({ loadPredictor: () => load.promise });
      base = await server.listen({ port: 0, host: '127.0.0.1' });

      const loading = await request(base).get('/health').expect(503);
      assert.deepEqual(loading.body, { status: 'loading' });
      await request(base)
        .post('/predict')
        .send({ instances: [passenger()] })
        .expect(503)
        .expect('retry-after', '10');

      load.resolve(new FakePredictor());
      assert.equal((await server.loaded).status, 'ready');
      const ready = await request(base).get('/health').expect(200);
      assert.deepEqual(ready.body, { status: 'ready', model: { schemaVersion: 1, modelVersion: 'fake-1' } });
      await request(base).head('/health').expect(200);
    });

    it('keeps answering 503 with the reason when loading fails, and logs it', async () => {
      const logger = { info: sinon.spy(), error: sinon.spy() };
      server = createPredictionServer({
        loadPredictor: async () => {
          throw new Error('gs://bucket/model.json: no such object');
        },
        logger,
      });
      base = await server.listen({ port: 0, host: '127.0.0.1' });
      const state = await server.loaded;
      assert.equal(state.status, 'failed');

      const res = await request(base).get('/health').expect(503);
      assert.deepEqual(res.body, { status: 'failed', error: { message: 'gs://bucket/model.json: no such object' } });
      await request(base)
        .post('/predict')
        .send({ instances: [passenger()] })
        .expect(503);
      sinon.assert.calledOnce(logger.error);
      assert.match(String(logger.error.firstCall.args[1]), /failed to load/);
    });
  });

  describe('predict', () => {
    it('returns one prediction per instance, in request order', async () => {
      await start();
      const instances = [
        passenger({ Sex: 'female', Pclass: 1 }),
        passenger(),
        passenger({ Sex: 'female', Pclass: 3 }),
        passenger({ Pclass: 1 }),
      ];
      const res = await request(base).post('/predict').send({ instances }).expect(200).expect('content-type', /json/);
      assert.deepEqual(res.body, { predictions: new FakePredictor().predict(instances) });
      assert.deepEqual(
        res.body.predictions.map((p: { survived: number }) => p.survived),
        [1, 0, 1, 0],
      );
    });

    it('accepts parameters (an object, or null) and any content type carrying JSON', async () => {
      await start();
      await request(base)
        .post('/predict')
        .send({ instances: [passenger()], parameters: {} })
        .expect(200);
      await request(base)
        .post('/predict')
        .send({ instances: [passenger()], parameters: { confidenceThreshold: 0.5 } })
        .expect(200);
      await request(base)
        .post('/predict')
        .send({ instances: [passenger()], parameters: null })
        .expect(200);
      await request(base)
        .post('/predict')
        .set('content-type', 'text/plain')
        .send(JSON.stringify({ instances: [passenger()] }))
        .expect(200);
    });

    it('answers 400 naming the instance index and field the predictor rejects', async () => {
      await start();
      const res = await request(base)
        .post('/predict')
        .send({ instances: [passenger(), passenger(), passenger({ Pclass: 'first' })] })
        .expect(400);
      assert.deepEqual(res.body.error, {
        message: 'instances[2].Pclass: must be 1, 2 or 3',
        index: 2,
        field: 'Pclass',
      });
    });

    const badEnvelopes: [string, string | object, RegExp, string?][] = [
      ['non-JSON', 'survived?', /not valid JSON/],
      ['truncated JSON', '{"instances": [{"Sex": "male"', /not valid JSON/],
      ['a JSON array', [passenger()], /must be a JSON object/],
      ['a JSON string', '"hello"', /must be a JSON object/],
      ['JSON null', 'null', /must be a JSON object/],
      ['no instances', { parameters: {} }, /"instances" is missing/, 'instances'],
      ['instances not an array', { instances: passenger() }, /must be an array/, 'instances'],
      ['instances empty', { instances: [] }, /must not be empty/, 'instances'],
      ['parameters not an object', { instances: [passenger()], parameters: 3 }, /"parameters" must be/, 'parameters'],
    ];
    for (const [name, body, message, field] of badEnvelopes) {
      it(`answers 400 for ${name}`, async () => {
        await start();
        const req = request(base).post('/predict').set('content-type', 'application/json');
        const res = await req.send(typeof body === 'string' ? body : JSON.stringify(body)).expect(400);
        assert.match(res.body.error.message, message);
        assert.equal(res.body.error.field, field);
      });
    }

    it('answers 400 for an empty body, with or without a content type', async () => {
      await start();
      const typed = await request(base).post('/predict').set('content-type', 'application/json').expect(400);
      assert.match(typed.body.error.message, /empty/);
      const untyped = await request(base).post('/predict').expect(400);
      assert.match(untyped.body.error.message, /empty/);
      const blank = await request(base).post('/predict').send(' \r\n').expect(400);
      assert.match(blank.body.error.message, /empty/);
    });

    it('answers 413 for a 1.6 MB body', async () => {
      await start();
      const filler = 'x'.repeat(1.6e6);
      assert.ok(filler.length > MAX_BODY_BYTES);
      const res = await request(base)
        .post('/predict')
        .send({ instances: [passenger({ Name: filler })] })
        .expect(413);
      assert.match(res.body.error.message, /larger than/);
    });

    it('answers 413 for an oversized chunked body (no Content-Length), then keeps serving', async () => {
      await start();
      const url = new URL(`${base}/predict`);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 1.6e6) {
            sent += chunk.length;
            if (!req.write(chunk)) return req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      assert.equal(status, 413);
      await request(base).get('/health').expect(200);
    });

    it('finishes a request in flight when closed, and refuses new connections', async () => {
      await start();
      const url = new URL(`${base}/predict`);
      const body = JSON.stringify({ instances: [passenger()] });
      let closed = false;
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', headers: { 'content-length': body.length } }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          void server?.close().then(() => (closed = true));
          setTimeout(() => {
            assert.equal(closed, false, 'close() must wait for the request in flight');
            req.end(body.slice(10));
          }, 50);
        }, 50);
      });
      const res = await response;
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.text).predictions.length, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(closed, true);
      await assert.rejects(request(base).get('/health'), /ECONNREFUSED/);
      server = undefined;
    });

    it('answers 500 without details (and logs) when the predictor fails for a reason other than the input', async () => {
      const logger = { info: sinon.spy(), error: sinon.spy() };
      const broken: Predictor = {
        info: { schemaVersion: 1, modelVersion: 'broken' },
        predict: () => {
          throw new TypeError('weights is undefined');
        },
      };
      await start({ loadPredictor: async () => broken, logger });
      const res = await request(base)
        .post('/predict')
        .send({ instances: [passenger()] })
        .expect(500);
      assert.deepEqual(res.body, { error: { message: 'internal error' } });
      sinon.assert.calledOnce(logger.error);
      await request(base).get('/health').expect(200);
    });

    it('answers 500 when the predictor returns a different number of predictions than instances', async () => {
      const short: Predictor = { info: { schemaVersion: 1, modelVersion: 'short' }, predict: () => [] };
      await start({ loadPredictor: async () => short });
      await request(base)
        .post('/predict')
        .send({ instances: [passenger()] })
        .expect(500);
    });
  });

  describe('routes', () => {
    it('answers 404 for unknown paths, before reading the body', async () => {
      await start();
      const res = await request(base).get('/nope').expect(404);
      assert.match(res.body.error.message, /no route GET \/nope/);
      await request(base).post('/predict/extra').set('content-type', 'application/json').send('garbage').expect(404);
      await request(base)
        .post('/')
        .send({ instances: [passenger()] })
        .expect(404);
    });

    it('answers 405 with Allow for a wrong method on a known route, whatever the body', async () => {
      await start();
      const get = await request(base).get('/predict').expect(405).expect('allow', 'POST');
      assert.match(get.body.error.message, /GET is not allowed on \/predict/);
      await request(base).post('/health').send({}).expect(405).expect('allow', 'GET, HEAD');
      await request(base).put('/predict').set('content-type', 'application/json').send('garbage').expect(405);
      await request(base).delete('/health').expect(405);
    });

    it('matches routes on the path only: a query string is ignored, a trailing slash is another path', async () => {
      await start();
      await request(base).get('/health?probe=1').expect(200);
      await request(base)
        .post('/predict?x=1')
        .send({ instances: [passenger()] })
        .expect(200);
      await request(base).get('/health/').expect(404);
    });

    it('serves custom routes, including Vertex default routes containing a colon, and only those', async () => {
      const healthRoute = '/v1/endpoints/123/deployedModels/456';
      const predictRoute = '/v1/endpoints/123/deployedModels/456:predict';
      await start({ healthRoute, predictRoute });
      await request(base).get(healthRoute).expect(200);
      const res = await request(base)
        .post(predictRoute)
        .send({ instances: [passenger()] })
        .expect(200);
      assert.equal(res.body.predictions.length, 1);
      await request(base).get('/health').expect(404);
      await request(base).post('/predict').send({}).expect(404);
      await request(base).post(`${healthRoute}:other`).send({}).expect(404);
    });
  });

  it('survives a barrage of bad requests: every answer is 4xx and the server still serves', async () => {
    await start();
    const bodies = [
      '',
      '{',
      '[]',
      '{"instances": null}',
      '{"instances": {"length": 1}}',
      '{"instances": [null]}',
      '{"instances": [1, "x", true]}',
      '{"instances": [[]]}',
      '{"instances": [{"Sex": {"$gt": ""}}]}',
      '{"instances": [{"Sex": "male", "Pclass": 1e999}]}',
      '{"__proto__": {"instances": [1]}}',
      '{"constructor": {"prototype": {"instances": 1}}}',
      '{"instances": [{"Sex": "\\ud800", "Pclass": 1}], "x": "\u0000"}',
      '['.repeat(700_000) + ']'.repeat(700_000),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1'),
    ];
    const statuses = await Promise.all(
      bodies.flatMap((body) =>
        ['application/json', 'text/plain', 'application/x-www-form-urlencoded'].map(
          async (type) => (await request(base).post('/predict').set('content-type', type).send(body)).status,
        ),
      ),
    );
    for (const status of statuses) assert.ok(status >= 400 && status < 500, `status ${status}`);

    // Malformed HTTP on a raw socket: node's parser rejects it, the server lives on.
    const url = new URL(base);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () =>
        socket.end('POST /predict HTTP/1.1\r\nContent-Length: x\r\n\r\n{'),
      );
      socket.on('data', () => {});
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });

    await request(base).get('/health').expect(200);
    await request(base)
      .post('/predict')
      .send({ instances: [passenger()] })
      .expect(200);
  });

  it('rejects an instance error thrown for a later instance even if earlier ones were fine (no partial answer)', async () => {
    const predictor: Predictor = {
      info: { schemaVersion: 1, modelVersion: 'x' },
      predict: (instances) => {
        throw new InstanceError(instances.length - 1, 'Age', 'must be a number');
      },
    };
    await start({ loadPredictor: async () => predictor });
    const res = await request(base)
      .post('/predict')
      .send({ instances: [passenger(), passenger()] })
      .expect(400);
    assert.deepEqual(res.body, { error: { message: 'instances[1].Age: must be a number', index: 1, field: 'Age' } });
  });
});
