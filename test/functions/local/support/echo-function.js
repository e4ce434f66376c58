// A trivial function for the function-server tests: records every CloudEvent it receives (to $ECHO_FILE) and
// fails or crashes on demand, so the tests see what arrives over HTTP.
const functions = require('@google-cloud/functions-framework');
const { appendFileSync } = require('node:fs');

functions.cloudEvent('echo', (event) => {
  appendFileSync(
    process.env.ECHO_FILE,
    JSON.stringify({
      id: event.id,
      type: event.type,
      source: event.source,
      subject: event.subject,
      data: event.data,
      pid: process.pid,
    }) + '\n',
  );
  if (event.data && event.data.fail) throw new Error('asked to fail');
  if (event.data && event.data.crash) process.exit(3);
});
