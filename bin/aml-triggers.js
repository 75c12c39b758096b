#!/usr/bin/env node
'use strict';
// Command-line entry: `aml-triggers next ...`, `aml-triggers schedules ...`. Needs `npm run build` first.
const { main } = require('../dist/src/cli/main.js');
main(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(line + '\n'),
  stderr: (line) => process.stderr.write(line + '\n'),
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
}).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(String(error && error.stack || error) + '\n'); process.exitCode = 1; },
);
