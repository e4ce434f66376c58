// A stand-in prediction server for the twin tests, following the Vertex custom container contract.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const model = JSON.parse(readFileSync(join(process.env.AIP_STORAGE_URI as string, 'model.json'), 'utf8')) as object;
createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === process.env.AIP_HEALTH_ROUTE) return res.end('{}');
    if (req.method === 'POST' && req.url === process.env.AIP_PREDICT_ROUTE) {
      const { instances } = JSON.parse(body) as { instances: unknown[] };
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ predictions: instances.map(() => ({ model, pid: process.pid })) }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
}).listen(Number(process.env.AIP_HTTP_PORT), process.env.SERVE_HOST);
