'use strict';
/**
 * Loads a built Functions app the way the Node.js worker does, with the stand-in `@azure/functions-core`
 * (NODE_PATH must point at this folder, which holds `@azure/functions-core`), and writes what was registered as JSON.
 *
 *   node load-app.js <appRoot> <outFile>
 *
 * Files: package.json `main`, a glob relative to appRoot (brace lists, `*`, `**`), in the worker's order
 * (see expandGlob). Start-up is considered finished once every file is loaded
 * and pending microtasks / immediates ran; later registrations are reported in `late`.
 */
const fs = require('node:fs');
const path = require('node:path');

function expandBraces(pattern) {
  const match = /\{([^{}]*)\}/.exec(pattern);
  if (!match) return [pattern];
  const before = pattern.slice(0, match.index);
  const after = pattern.slice(match.index + match[0].length);
  return match[1].split(',').flatMap((option) => expandBraces(before + option + after));
}

function segmentRegex(segment) {
  const escaped = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

/**
 * Files matching `pattern`, in the order the worker loads them. The worker (src/startApp.ts) runs
 * `globby(main, { cwd })` and requires the files in the order returned: fast-glob expands the braces,
 * answers static patterns (no wildcard, e.g. `dist/src/index.js`) before dynamic ones, and walks each
 * folder before its subfolders. So the entry file is loaded first; within one folder the real order is
 * the filesystem's, here alphabetical.
 */
function expandGlob(root, pattern) {
  const found = [];
  const seen = new Set();
  const add = (file) => {
    if (!seen.has(file)) {
      seen.add(file);
      found.push(file);
    }
  };
  const patterns = expandBraces(pattern);
  const isDynamic = (p) => /[*?]/.test(p);
  for (const single of [...patterns.filter((p) => !isDynamic(p)), ...patterns.filter(isDynamic)]) {
    const parts = single.split('/').filter((p) => p !== '' && p !== '.');
    const matches = [];
    const walk = (dir, index) => {
      if (index === parts.length) {
        if (fs.existsSync(dir) && fs.statSync(dir).isFile()) matches.push(dir);
        return;
      }
      const part = parts[index];
      if (part === '**') {
        walk(dir, index + 1);
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return;
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          if (entry.isDirectory() && entry.name !== 'node_modules') walk(path.join(dir, entry.name), index);
        }
        return;
      }
      if (!/[*?]/.test(part)) {
        walk(path.join(dir, part), index + 1);
        return;
      }
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return;
      const regex = segmentRegex(part);
      for (const name of fs.readdirSync(dir)) if (regex.test(name)) walk(path.join(dir, name), index + 1);
    };
    walk(root, 0);
    const depth = (f) => f.split(path.sep).length;
    matches.sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
    matches.forEach(add);
  }
  return found;
}

async function main() {
  const [appRoot, outFile] = process.argv.slice(2);
  if (!appRoot || !outFile) throw new Error('usage: node load-app.js <appRoot> <outFile>');
  const pkg = JSON.parse(fs.readFileSync(path.join(appRoot, 'package.json'), 'utf8'));
  const main = pkg.main;
  if (typeof main !== 'string' || main === '') throw new Error('package.json has no "main"');
  const files = expandGlob(appRoot, main);
  const core = require('@azure/functions-core');
  const errors = [];
  for (const file of files) {
    try {
      require(file);
    } catch (error) {
      errors.push({ file: path.relative(appRoot, file), message: String(error && error.stack ? error.stack : error) });
    }
  }
  await new Promise((resolve) => setImmediate(resolve));
  core.__recorded.finishedStartup = true;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const recorded = core.__recorded;
  const model = recorded.programmingModel;
  fs.writeFileSync(
    outFile,
    JSON.stringify({
      main,
      files: files.map((f) => path.relative(appRoot, f).split(path.sep).join('/')),
      programmingModel: model ? { name: model.name, version: model.version } : undefined,
      functions: recorded.functions,
      hooks: recorded.hooks.map((h) => h.hookName),
      duplicates: recorded.duplicates,
      late: recorded.late,
      errors,
      logs: recorded.logs,
    }),
  );
  // Timers or servers the app may have started must not keep the loader alive.
  process.exit(0);
}

module.exports = { expandGlob };

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(String(error && error.stack ? error.stack : error));
    process.exit(2);
  });
}
