#!/usr/bin/env node
// The CLI is compiled ahead of time (npm's `prepare` runs `npm run build`) so it starts fast.
require('../dist/functions/src/cli/main.js');
