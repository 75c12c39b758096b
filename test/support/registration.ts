/**
 * Registration contract harness: loads the BUILT app (package.json `main` glob under dist/) in a child
 * `node` whose NODE_PATH provides a stand-in `@azure/functions-core` (functions-core-stub/), exactly the
 * module the Functions worker injects, and returns what `registerFunction(metadata, callback)` received:
 * `{ name, bindings: { [bindingName]: { type, direction, ...options } }, retryOptions? }` per function
 * (@azure/functions src/converters/toCoreFunctionMetadata.ts).
 *
 * Tests call `ensureBuilt()` in `beforeAll` (it runs `tsc -p tsconfig.json` and scripts/bundle.mjs only
 * when dist/ is missing or older than src/) and then `loadRegistrations()`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const APP_ROOT = resolve(__dirname, '..', '..');
const STUB_PATH = resolve(__dirname, 'functions-core-stub');
const LOADER = join(STUB_PATH, 'load-app.js');

export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out' | string;
  [option: string]: unknown;
}

export interface RegisteredFunction {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: Record<string, unknown>;
}

export interface LoadedApp {
  /** package.json `main` as written. */
  main: string;
  /** Files the glob matched, relative to the app root, in load order. */
  files: string[];
  programmingModel?: { name: string; version: string };
  functions: RegisteredFunction[];
  /** Hook names registered (appStart, preInvocation, ...). */
  hooks: string[];
  /** Function names registered more than once (the host refuses these). */
  duplicates: string[];
  /** Registrations attempted after start-up finished (the worker throws for these). */
  late: string[];
  /** Files that threw while loading. */
  errors: Array<{ file: string; message: string }>;
  logs: Array<{ level: string; category: string; message: string }>;
}

function newestMtime(path: string, ext: RegExp): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return ext.test(path) ? stat.mtimeMs : 0;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name), ext));
  return newest;
}

/**
 * The binding of a given type (e.g. 'httpTrigger', 'http', 'timerTrigger', 'blobTrigger'). Binding *names*
 * carry a hash suffix added by @azure/functions (src/addBindingName.ts), so look bindings up by type.
 */
export function bindingOfType(fn: RegisteredFunction, type: string): BindingMetadata | undefined {
  return Object.values(fn.bindings).find((b) => b.type === type);
}

/** The function's trigger binding (direction 'in', type ending in 'Trigger'). */
export function triggerOf(fn: RegisteredFunction): BindingMetadata | undefined {
  return Object.values(fn.bindings).find((b) => b.direction === 'in' && /Trigger$/.test(b.type));
}

function isStale(root: string): boolean {
  const srcTime = newestMtime(join(root, 'src'), /\.(ts|json)$/);
  const distTime = newestMtime(join(root, 'dist', 'src'), /\.js$/);
  const bundleTime = newestMtime(join(root, 'dist', 'app.js'), /\.js$/);
  return distTime === 0 || distTime < srcTime || bundleTime < distTime;
}

/**
 * Builds with `tsc -p tsconfig.json` when dist/src is missing or older than src/. Type errors are tolerated
 * (tsc still emits; other helpers may be mid-edit). Test files run in parallel processes, so the build is
 * serialised with a lock directory (stale after two minutes) and staleness is checked again inside it.
 */
export async function ensureBuilt(root = APP_ROOT): Promise<void> {
  if (!isStale(root)) return;
  const lock = join(tmpdir(), `aml-triggers-build-${createHash('sha1').update(root).digest('hex').slice(0, 12)}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = existsSync(lock) ? Date.now() - statSync(lock).mtimeMs : 0;
      if (age > 120_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() - started > 180_000) throw new Error(`Timed out waiting for the build lock ${lock}`);
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if (!isStale(root)) return;
    try {
      await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
        cwd: root,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      if (!existsSync(join(root, 'dist', 'src'))) throw error;
    }
    // package.json `main` is the bundle of dist/src (npm run build does the same).
    await run(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Loads the built app with the stand-in functions-core and reports everything it registered. */
export async function loadApp(options: { root?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LoadedApp> {
  const root = options.root ?? APP_ROOT;
  const dir = mkdtempSync(join(tmpdir(), 'registrations-'));
  const outFile = join(dir, 'out.json');
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, ...(options.env ?? {}), NODE_PATH: STUB_PATH };
    // Never let the child think it runs inside a worker or under vitest's own loaders.
    delete env.NODE_OPTIONS;
    // The worker's cwd is the app folder, where a user's config/schedules may be: run in an empty folder
    // instead so only the settings given here count (tests pass SCHEDULES_PATH when they want schedules).
    await run(process.execPath, [LOADER, root, outFile], {
      cwd: dir,
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 30_000,
    });
    return JSON.parse(readFileSync(outFile, 'utf8')) as LoadedApp;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What `registerFunction` received for every function of the built app. Throws when a file failed to
 * load, a name was registered twice, or a registration came after start-up: each breaks the real host.
 */
export async function loadRegistrations(
  options: { root?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RegisteredFunction[]> {
  const loaded = await loadApp(options);
  const problems: string[] = [];
  if (loaded.files.length === 0)
    problems.push(`package.json main "${loaded.main}" matched no built file (no functions found)`);
  for (const e of loaded.errors) problems.push(`${e.file} failed to load: ${e.message}`);
  for (const name of loaded.duplicates) problems.push(`function "${name}" registered more than once`);
  for (const name of loaded.late) problems.push(`function "${name}" registered after start-up`);
  if (problems.length > 0) throw new Error(`The built app does not load cleanly:\n- ${problems.join('\n- ')}`);
  return loaded.functions;
}
