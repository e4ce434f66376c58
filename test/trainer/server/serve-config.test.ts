import assert from 'node:assert/strict';
import { readServeConfig, ServeConfigError } from '../../../trainer/src/server/serve-config';

describe('serve config', () => {
  const storage = { AIP_STORAGE_URI: 'gs://vertex-managed/model/' };

  it('uses the contract defaults: port 8080, /health, /predict, all interfaces', () => {
    assert.deepEqual(readServeConfig(storage, []), {
      port: 8080,
      host: '0.0.0.0',
      healthRoute: '/health',
      predictRoute: '/predict',
      storageUri: 'gs://vertex-managed/model/',
    });
  });

  it('honours AIP_HTTP_PORT, AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE', () => {
    const config = readServeConfig(
      {
        ...storage,
        AIP_HTTP_PORT: '7080',
        AIP_HEALTH_ROUTE: '/v1/endpoints/1/deployedModels/2',
        AIP_PREDICT_ROUTE: '/v1/endpoints/1/deployedModels/2:predict',
      },
      [],
    );
    assert.equal(config.port, 7080);
    assert.equal(config.healthRoute, '/v1/endpoints/1/deployedModels/2');
    assert.equal(config.predictRoute, '/v1/endpoints/1/deployedModels/2:predict');
  });

  it('treats empty variables as unset', () => {
    const config = readServeConfig({ ...storage, AIP_HTTP_PORT: '', AIP_HEALTH_ROUTE: ' ', SERVE_HOST: '' }, []);
    assert.equal(config.port, 8080);
    assert.equal(config.healthRoute, '/health');
    assert.equal(config.host, '0.0.0.0');
  });

  it('binds --host over SERVE_HOST over 0.0.0.0', () => {
    assert.equal(readServeConfig({ ...storage, SERVE_HOST: '127.0.0.1' }, []).host, '127.0.0.1');
    assert.equal(readServeConfig({ ...storage, SERVE_HOST: '127.0.0.1' }, ['--host', '::1']).host, '::1');
    assert.equal(readServeConfig(storage, ['--host=127.0.0.1']).host, '127.0.0.1');
  });

  for (const [name, env, argv, message] of [
    ['no AIP_STORAGE_URI', {}, [], /AIP_STORAGE_URI is not set/],
    ['a port that is not a number', { ...storage, AIP_HTTP_PORT: '80a' }, [], /AIP_HTTP_PORT must be .* "80a"/],
    ['port 0', { ...storage, AIP_HTTP_PORT: '0' }, [], /AIP_HTTP_PORT/],
    ['a port above 65535', { ...storage, AIP_HTTP_PORT: '65536' }, [], /AIP_HTTP_PORT/],
    ['a route without a leading slash', { ...storage, AIP_PREDICT_ROUTE: 'predict' }, [], /AIP_PREDICT_ROUTE must/],
    ['a route with a wildcard', { ...storage, AIP_HEALTH_ROUTE: '/h/*' }, [], /AIP_HEALTH_ROUTE must/],
    ['an unknown flag', storage, ['--port', '1'], /usage: serve/],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => readServeConfig(env, argv),
        (err: Error) => err instanceof ServeConfigError && message.test(err.message),
      );
    });
  }
});
