#!/usr/bin/env node
'use strict';
// Command-line entry: `aml-triggers next ...`, `aml-triggers schedules ...`. Needs `npm run build` first.
const { main } = require('../dist/src/cli/main.js');
// Ctrl+C / SIGTERM ask long-running commands (`tick --watch`) to stop after what they are doing; a
// second one stops at once.
const stop = new AbortController();
const onSignal = (signal) => {
  if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
main(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(line + '\n'),
  stderr: (line) => process.stderr.write(line + '\n'),
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
  signal: stop.signal,
}).then(
  (code) => {
    process.exitCode = code;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  },
  (error) => {
    process.stderr.write(String((error && error.stack) || error) + '\n');
    process.exitCode = 1;
  },
);
