// Runs every benchmark in bench/ (files named *.bench.ts), one process each, in name order.
// Each prints its own figures beside the reference it measured in the same run.
//   npm run bench -- tick                          (only the benchmarks whose file name contains "tick")
//   npm run bench -- tick --sizes 1000,10000,50000 (from the first --option on, passed to each benchmark)
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('--'));
const only = firstOption === -1 ? args : args.slice(0, firstOption);
const options = firstOption === -1 ? [] : args.slice(firstOption);
const dir = join(import.meta.dirname, '..', 'bench');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(dir, file), ...options], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
