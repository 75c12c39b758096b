'use strict';
/**
 * Starts a built Functions app the way the Node.js worker does and answers one event, in a fresh
 * process, reporting where the time went and which packages were loaded when (bench/coldstart.bench.ts,
 * test/performance/startup.test.ts). NODE_PATH must point at this folder (the stand-in
 * `@azure/functions-core`); the current directory is the app's.
 *
 *   node run-app.js <job.json> <out.json>
 *
 * job: { appRoot, bare?, invoke?: { function, kind: 'http' | 'timer' | 'blob', input }, repeat?, startTelemetry?, terminate? }
 *  - bare: only `require('@azure/functions')` (a function app with nothing in it), then stop;
 *  - otherwise: require package.json `main`'s files in the worker's order, run the appStart hooks (the
 *    worker runs them before the first invocation), then, with `invoke`, call that function's callback
 *    with a trigger built by @azure/functions' own classes (`HttpRequest`, `InvocationContext`) and run the
 *    postInvocation hooks; `repeat` more invocations after it, three times (resident set and heap after each, after GC); `startTelemetry` then waits for
 *    the app to start Application Insights (its postInvocation hook sets a timer; `telemetrySdkLoad` is
 *    the SDK's load, wall and CPU); `terminate` runs the appTerminate hooks (the app flushes its telemetry
 *    there). CPU times (`*CpuMs`, process.cpuUsage) say what the process itself spent, whatever the load.
 *
 * Timing of the invocation: `moduleLoadMs` is time spent in top-level `require` calls, `networkMs` the
 * union of the intervals between an HTTP request's start and its response's headers (diagnostics_channel
 * `http.client.request.start` / `http.client.response.finish`: every client here, @azure/identity,
 * the storage SDK, the Azure ML client, goes through node:http/https), `setupMs` the rest (first-use
 * set-up: clients, caches, parsing, the app's own work).
 */
const started = performance.now();
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const diagnostics = require('node:diagnostics_channel');

let depth = 0;
let loadMs = 0;
/** Wall and CPU time of the top-level `require('applicationinsights')` (the app starts the SDK from a timer). */
const sdkLoad = {};
const originalLoad = Module._load;
Module._load = function timedLoad(...args) {
  if (depth > 0) return originalLoad.apply(this, args);
  const t = performance.now();
  const cpu = process.cpuUsage();
  depth++;
  try {
    return originalLoad.apply(this, args);
  } finally {
    depth--;
    loadMs += performance.now() - t;
    if (args[0] === 'applicationinsights') {
      sdkLoad.wallMs = performance.now() - t;
      sdkLoad.cpuMs = cpuMsSince(cpu);
    }
  }
};

/** CPU time (user + system) of this process since `start` (a process.cpuUsage() value), in ms. */
function cpuMsSince(start) {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

const requests = new Map();
const intervals = [];
diagnostics.subscribe('http.client.request.start', ({ request }) => requests.set(request, performance.now()));
diagnostics.subscribe('http.client.response.finish', ({ request }) => {
  const start = requests.get(request);
  if (start === undefined) return;
  requests.delete(request);
  intervals.push([start, performance.now()]);
});

/** Total length of the union of the intervals (and of requests still open) inside [from, to]. */
function networkBetween(from, to) {
  const all = [...intervals, ...[...requests.values()].map((s) => [s, to])]
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of all) {
    if (a > end) {
      total += b - a;
      end = b;
    } else if (b > end) {
      total += b - end;
      end = b;
    }
  }
  return total;
}

/** The built app's SDK files (dist/sdk-*.js, scripts/bundle.mjs) by absolute path, and the packages each holds. */
let sdkBundles = {};
function readSdkBundles(appRoot) {
  const manifest = path.join(appRoot, 'dist', 'sdk-bundles.json');
  if (!fs.existsSync(manifest)) return {};
  const files = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  return Object.fromEntries(Object.entries(files).map(([file, pkgs]) => [path.join(appRoot, 'dist', file), pkgs]));
}

/** Packages loaded from node_modules (`@scope/name` or `name`), read from require.cache. */
function packagesFromNodeModules() {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const i = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    if (i < 0) continue;
    const parts = file.slice(i + 14).split(path.sep);
    names.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
  }
  return [...names].sort();
}

/** The app's SDK files loaded (`sdk-storage.js`, ...). */
function sdkFilesLoaded() {
  return Object.keys(sdkBundles)
    .filter((file) => require.cache[file])
    .map((file) => path.basename(file))
    .sort();
}

/** Packages loaded, from node_modules or from one of the app's SDK files. */
function loadedPackages() {
  const names = new Set(packagesFromNodeModules());
  for (const file of Object.keys(sdkBundles)) if (require.cache[file]) for (const p of sdkBundles[file]) names.add(p);
  return [...names].sort();
}

const rssMb = () => process.memoryUsage().rss / 1024 / 1024;
const collect = () => {
  if (global.gc) {
    global.gc();
    global.gc();
  }
};

async function invokeOnce(fns, job, core, n) {
  const { HttpRequest, InvocationContext } = fns;
  const { invoke } = job;
  const callback = core.__recorded.callbacks.get(invoke.function);
  if (!callback)
    throw new Error(
      `no function "${invoke.function}" registered (have ${[...core.__recorded.callbacks.keys()].join(', ')})`,
    );
  const logs = [];
  const context = new InvocationContext({
    invocationId: `bench-${n}`,
    functionName: invoke.function,
    ...(invoke.kind === 'blob' ? { triggerMetadata: invoke.input.triggerMetadata } : {}),
    logHandler: (level, ...args) => logs.push(`${level}: ${args.join(' ')}`),
  });
  let trigger;
  if (invoke.kind === 'http') {
    const i = invoke.input;
    trigger = new HttpRequest({
      method: i.method,
      url: i.url,
      body: { string: i.body },
      headers: i.headers,
      params: i.params ?? {},
      query: {},
    });
  } else if (invoke.kind === 'timer') {
    trigger = {
      isPastDue: false,
      scheduleStatus: {
        last: new Date(Date.now() - 60_000).toISOString(),
        next: new Date(Date.now() + 60_000).toISOString(),
        lastUpdated: new Date().toISOString(),
      },
    };
  } else {
    trigger = invoke.input.blob;
  }
  let result;
  let error;
  try {
    result = await callback(trigger, context);
  } catch (e) {
    error = String(e && e.message ? e.message : e);
  }
  // The worker runs the postInvocation hooks before it sends the answer (they are part of it).
  await postInvocation(core, { invocationContext: context, inputs: [trigger], result, error, hookData: {} });
  const status = result && typeof result === 'object' && 'status' in result ? result.status : undefined;
  return { status, error, logs };
}

async function postInvocation(core, hookContext) {
  for (const h of core.__recorded.hooks.filter((x) => x.hookName === 'postInvocation')) await h.callback(hookContext);
}

async function main() {
  const [jobFile, outFile] = process.argv.slice(2);
  const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
  const out = {};
  if (job.bare) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    require(path.join(job.appRoot, 'node_modules', '@azure', 'functions'));
    out.loadMs = performance.now() - t;
    out.loadCpuMs = cpuMsSince(cpu);
    out.packages = loadedPackages();
    fs.writeFileSync(outFile, JSON.stringify(out));
    process.exit(0);
  }
  sdkBundles = readSdkBundles(job.appRoot);
  const { expandGlob } = require('./load-app.js');
  const pkg = JSON.parse(fs.readFileSync(path.join(job.appRoot, 'package.json'), 'utf8'));
  const files = expandGlob(job.appRoot, pkg.main);
  const core = require('@azure/functions-core');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const file of files) require(file);
  out.loadMs = performance.now() - t0;
  out.loadCpuMs = cpuMsSince(cpu0);
  out.sinceProcessStartMs = performance.now();
  out.driverOverheadMs = t0 - started;
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  for (const h of core.__recorded.hooks.filter((x) => x.hookName === 'appStart'))
    await h.callback({ hookData: {}, appHookData: {} });
  out.appStartMs = performance.now() - t1;
  out.appStartCpuMs = cpuMsSince(cpu1);
  out.packagesAtStart = loadedPackages();
  collect();
  out.rssAfterStartMb = rssMb();
  out.heapUsedAfterStartMb = process.memoryUsage().heapUsed / 1024 / 1024;
  if (job.invoke) {
    const fns = require(path.join(job.appRoot, 'node_modules', '@azure', 'functions'));
    const loadBefore = loadMs;
    const t2 = performance.now();
    const cpu2 = process.cpuUsage();
    const first = await invokeOnce(fns, job, core, 0);
    const t3 = performance.now();
    out.invocation = {
      totalMs: t3 - t2,
      cpuMs: cpuMsSince(cpu2),
      moduleLoadMs: loadMs - loadBefore,
      networkMs: networkBetween(t2, t3),
      status: first.status,
      error: first.error,
      logs: first.logs.slice(0, 20),
    };
    out.invocation.setupMs = Math.max(
      0,
      out.invocation.totalMs - out.invocation.moduleLoadMs - out.invocation.networkMs,
    );
    out.packagesAtFirstAnswer = loadedPackages();
    out.sdkFilesAtFirstAnswer = sdkFilesLoaded();
    out.nodeModulesAtFirstAnswer = packagesFromNodeModules();
    if (job.repeat) {
      out.rss = [];
      for (let round = 0; round < 3; round++) {
        for (let n = 1; n <= job.repeat; n++) {
          const r = await invokeOnce(fns, job, core, round * job.repeat + n);
          if (r.error) throw new Error(`invocation ${n} failed: ${r.error}`);
        }
        collect();
        out.rss.push({
          invocations: (round + 1) * job.repeat + 1,
          rssMb: rssMb(),
          heapUsedMb: process.memoryUsage().heapUsed / 1024 / 1024,
        });
      }
    }
  }
  if (job.startTelemetry) {
    // The app starts Application Insights from a timer its postInvocation hook sets (src/index.ts): run
    // the hooks if nothing was invoked, then give the timer time to fire.
    if (!job.invoke)
      await postInvocation(core, {
        invocationContext: undefined,
        inputs: [],
        result: undefined,
        error: undefined,
        hookData: {},
      });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    out.telemetrySdkLoad = sdkLoad;
  }
  if (job.terminate) {
    const t5 = performance.now();
    for (const h of core.__recorded.hooks.filter((x) => x.hookName === 'appTerminate'))
      await h.callback({ hookData: {}, appHookData: {} });
    out.terminateMs = performance.now() - t5;
  }
  out.packagesAtEnd = loadedPackages();
  fs.writeFileSync(outFile, JSON.stringify(out));
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(2);
});
