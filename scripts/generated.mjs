// A generated file, committed: write it, or (with --check) fail when the committed copy is out of date.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

export function writeOrCheck(file, text, regenerate, argv = process.argv) {
  const name = relative(process.cwd(), file) || file;
  if (argv.includes('--check')) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current !== text) {
      console.error(`${name} is out of date: run \`${regenerate}\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${name} is up to date.`);
  } else {
    writeFileSync(file, text);
    console.log(`Wrote ${file}`);
  }
}
