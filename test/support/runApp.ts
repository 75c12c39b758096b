/**
 * Starts the BUILT app in a fresh `node` the way the Functions worker does and answers one event
 * (test/support/functions-core-stub/run-app.js says what a job can ask and what comes back). Used by
 * bench/coldstart.bench.ts and test/performance/startup.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APP_ROOT } from './registration';

const run = promisify(execFile);
export const STUB_PATH = join(APP_ROOT, 'test', 'support', 'functions-core-stub');

export interface RunAppJob {
  readonly bare?: boolean;
  readonly invoke?: { readonly function: string; readonly kind: 'http' | 'timer' | 'blob'; readonly input: unknown };
  readonly repeat?: number;
  readonly startTelemetry?: boolean;
  readonly terminate?: boolean;
}

export interface RunAppResult {
  loadMs: number;
  loadCpuMs: number;
  appStartMs?: number;
  appStartCpuMs?: number;
  packagesAtStart?: string[];
  packagesAtFirstAnswer?: string[];
  /** The built app's SDK files loaded at the first answer (dist/sdk-*.js, scripts/bundle.mjs). */
  sdkFilesAtFirstAnswer?: string[];
  /** Packages loaded from node_modules at the first answer (the rest came from the app's own files). */
  nodeModulesAtFirstAnswer?: string[];
  packagesAtEnd?: string[];
  rssAfterStartMb?: number;
  heapUsedAfterStartMb?: number;
  invocation?: {
    totalMs: number;
    cpuMs: number;
    moduleLoadMs: number;
    networkMs: number;
    setupMs: number;
    status?: number;
    error?: string;
    logs: string[];
  };
  telemetrySdkLoad?: { wallMs?: number; cpuMs?: number };
  terminateMs?: number;
  rss?: Array<{ invocations: number; rssMb: number; heapUsedMb: number }>;
}

/** Runs `job` in a child with exactly `env` (plus NODE_PATH to the stand-in functions-core), in `cwd`. */
export async function runApp(
  job: RunAppJob,
  options: { env: NodeJS.ProcessEnv; cwd: string; nodeArgs?: string[] },
): Promise<RunAppResult> {
  const dir = mkdtempSync(join(tmpdir(), 'run-app-'));
  try {
    const jobFile = join(dir, 'job.json');
    const outFile = join(dir, 'out.json');
    writeFileSync(jobFile, JSON.stringify({ appRoot: APP_ROOT, ...job }));
    try {
      await run(process.execPath, [...(options.nodeArgs ?? []), join(STUB_PATH, 'run-app.js'), jobFile, outFile], {
        cwd: options.cwd,
        env: { ...options.env, NODE_PATH: STUB_PATH },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (e) {
      throw new Error(`run-app failed: ${(e as { stderr?: string }).stderr || String(e)}`);
    }
    return JSON.parse(readFileSync(outFile, 'utf8')) as RunAppResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
