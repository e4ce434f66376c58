// The ceiling for the prediction server benchmark: plain node:http that reads each request body and answers a
// constant JSON prediction, on any route (so the health poll works too). No parsing, no routing, no model.
const { Buffer } = require('node:buffer');
const { createServer } = require('node:http');

const body = JSON.stringify({ predictions: [{ survived: 0, probability: 0.1 }] });
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => res.writeHead(200, headers).end(body));
});
server.listen(Number(process.env.AIP_HTTP_PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
