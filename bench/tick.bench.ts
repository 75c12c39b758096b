/**
 * One schedule tick at 1,000 and 10,000 schedules (optionally more), 100 of them due: wall time and
 * storage calls of the busy tick and of the idle tick, beside the floor measured in the same run
 * against the same store: reading the 100 due states once, all at once, and nothing else (a tick that
 * keeps one state blob per schedule must at least do that). The ratio tick / floor is the figure that
 * does not depend on how loaded the machine is.
 *
 * Storage: Azurite with its blob metadata in a throw-away MariaDB when `mariadbd` is installed (as on
 * Azure Storage, a call costs the same whatever the number of blobs), else in-memory Azurite (whose
 * cost per call grows with the blob count), said beside every figure. See bench/benchStorage.ts.
 *
 * Per size: a fresh store; N time schedules, 100 every 15 minutes (due at 00:15, 00:30, ...), the rest
 * daily at 12:00 (not due); their states are written in parallel batches through the state store's own
 * sync (progress on stderr). Then three ticks at 00:15:01, 00:30:01, 00:45:01 each find the 100 due
 * schedules and submit one run each (real client, real HTTP to the loopback Azure ML), each preceded by
 * the floor (so that each ratio compares two figures taken under the same load) and followed by an idle
 * tick 30 s later; medians of 3.
 *
 *   npm run bench -- tick
 *   npm run bench -- tick --sizes 1000,10000,50000     (default 1000,10000)
 *   npm run bench -- tick --store memory               (auto | mariadb | memory | azure; default auto)
 *   BENCH_STORAGE_CONNECTION_STRING='…' npm run bench -- tick --store azure   (a real account; run it in the
 *                                                      account's region; containers aml-triggers-bench-* deleted at the end)
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createPipelineClient } from '../src/aml/client';
import type { PipelineTarget } from '../src/aml/types';
import { ScheduleRegistry } from '../src/schedules/registry';
import { ScheduleStateStore } from '../src/schedules/stateStore';
import { mapLimit } from '../src/util/mapLimit';
import { DEFAULT_TICK_SETTINGS, runTick, type TickDeps, type TickReport } from '../src/schedules/tick';
import { BlobJsonStore } from '../src/storage/blobJson';
import { OperationCounter } from '../src/storage/operationCounter';
import { noTelemetry } from '../src/telemetry';
import { startFakeAml } from '../test/support/fakeAml';
import { startFakeMsi, type FakeMsi } from '../test/support/fakeMsi';
import { benchStorage, storageChoice, type BenchStorage, type StorageChoice } from './benchStorage';
import { cpuSince, cpuSnapshot, type CpuSpent } from './processCpu';
import { benchScheduleFiles } from './benchSchedules';

const DUE = 100;
/** Reads of the targets' status blob per busy tick (every bench schedule names a target). */
const TARGET_STATUS_READS = 1;
const GOAL_MS = 200;
const GOAL_FLOOR_RATIO = 2;
const GOAL_CALLS_PER_DUE = 6;
const GOAL_IDLE_CALLS = 2;
const SETUP_BATCH = 1000;
const WS = {
  subscriptionId: '7e1c2d3f-0000-4000-8000-00000000beef',
  resourceGroup: 'rg-bench',
  workspaceName: 'mlw-bench',
};
const T0 = new Date('2026-06-01T00:00:00Z');

const at = (iso: string): Date => new Date(iso);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const millis = (ms: number): string => (ms >= 10_000 ? seconds(ms) : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`);
const count = (n: number): string => n.toLocaleString('en-US');
/** Wall time and CPU (this process and its storage servers) of one measured stretch, and what it returned. */
async function timedCpu<T>(run: () => Promise<T>): Promise<{ ms: number; cpu: CpuFigures; value: T }> {
  const before = cpuSnapshot();
  const start = performance.now();
  const value = await run();
  const ms = performance.now() - start;
  return { ms, cpu: cpuFigures(cpuSince(before)), value };
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

interface SizeResult {
  readonly total: number;
  readonly setupMs: number;
  readonly busyMs: number;
  readonly busyOps: number;
  /**
   * The busy tick's calls per due occurrence: its calls less those a tick makes once whatever is due
   * (the idle tick's, the batch request that deletes the due markers the tick replaced, and the one read
   * of the targets' status blob, made once per tick when something due names a target: tick.ts
   * readTargetStatuses).
   */
  readonly perDue: number;
  readonly idleMs: number;
  readonly idleOps: number;
  /** The idle tick's two steps measured alone right after it: the registry's sync, the due-index listing. */
  readonly idleSyncMs: number;
  readonly idleListMs: number;
  /** Reading the due schedules' states once, all at once, and nothing else (right before each busy tick). */
  readonly floorMs: number;
  /** Median over the busy ticks of tick / the floor measured just before it. */
  readonly ratio: number;
  /**
   * The same storage calls as the busy tick (its kinds and counts, bodies of its sizes) issued all at
   * once, with no dependency between them and none of the app's work: what the storage server alone
   * needs for the tick's calls. Measured right after each busy tick.
   */
  readonly sameCallsMs: number;
  /** Median over the busy ticks of tick / the same calls at once measured right after it. */
  readonly sameRatio: number;
  /** CPU spent (medians): by the bench process (app + SDKs + loopback Azure ML) and by the storage servers. */
  readonly cpu: { readonly floor: CpuFigures; readonly tick: CpuFigures; readonly same: CpuFigures };
  /** One state read at a time, this store's own cost per call at this size. */
  readonly perCallMs: number;
}

/** CPU ms of one measured stretch: this process, Azurite (a `node` child), MariaDB (`mariadbd`, when used). */
interface CpuFigures {
  readonly app: number;
  readonly azurite: number;
  readonly db: number;
}

const cpuFigures = (spent: CpuSpent): CpuFigures => ({
  app: spent.self,
  azurite: spent.children['node'] ?? 0,
  db: spent.children['mariadbd'] ?? 0,
});

const medianCpu = (xs: readonly CpuFigures[]): CpuFigures => ({
  app: median(xs.map((x) => x.app)),
  azurite: median(xs.map((x) => x.azurite)),
  db: median(xs.map((x) => x.db)),
});

/** The storage servers' part only when they run here (not with `--store azure`). */
const cpuText = (c: CpuFigures): string =>
  `app ${millis(c.app)}${c.azurite > 0 ? ` + Azurite ${millis(c.azurite)}` : ''}${c.db > 0 ? ` + MariaDB ${millis(c.db)}` : ''}`;

/** Bodies of the sizes the tick writes: a state (replaces) and a claim (creates, upserts). */
interface ReferenceBodies {
  readonly state: unknown;
  readonly small: unknown;
}

/**
 * Prepares (not timed) and returns the run of the reference "the same calls at once": the calls of
 * `mix` (kinds and counts as the tick's counter recorded them) against a container of their own, all
 * started together. Reads read the due states (`readOne`); replaces overwrite blobs created beforehand (If-Match on
 * their ETags); creates and upserts write new names; the list reads one page of about the due count; a
 * batch deletes that many blobs created beforehand.
 */
async function prepareSameCalls(
  service: BlobServiceClient,
  container: string,
  run: number,
  mix: Readonly<Partial<Record<string, number>>>,
  readOne: (i: number) => Promise<unknown>,
  bodies: ReferenceBodies,
): Promise<() => Promise<void>> {
  const blobs = BlobJsonStore.forContainer(service, container);
  await blobs.ensureContainer();
  const prefix = `run-${run}/`;
  const n = (kind: string): number => mix[kind] ?? 0;
  const known = new Set(['read', 'replace', 'create', 'upsert', 'list', 'batch']);
  const unknown = Object.keys(mix).filter((k) => !known.has(k) && (mix[k] ?? 0) > 0);
  if (unknown.length > 0)
    throw new Error(`the busy tick made calls the reference does not model: ${unknown.join(', ')}`);
  const replaceTargets = await mapLimit(
    Array.from({ length: n('replace') }, (_, i) => `${prefix}replace-${i}`),
    64,
    async (name) => ({ name, etag: (await blobs.upsert(name, bodies.state)).etag }),
  );
  const deleteTargets = Array.from({ length: n('batch') * DUE }, (_, i) => `${prefix}delete-${i}`);
  await mapLimit(deleteTargets, 64, (name) => blobs.upsert(name, bodies.small));
  return async () => {
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < n('read'); i++) calls.push(readOne(i));
    for (const t of replaceTargets) calls.push(blobs.replaceIfMatch(t.name, bodies.state, t.etag));
    for (let i = 0; i < n('create'); i++) calls.push(blobs.createIfAbsent(`${prefix}create-${i}`, bodies.small));
    for (let i = 0; i < n('upsert'); i++) calls.push(blobs.upsert(`${prefix}upsert-${i}`, bodies.small));
    for (let i = 0; i < n('list'); i++) calls.push(blobs.list(`${prefix}delete-`, { limit: DUE, pageSize: DUE }));
    for (let b = 0; b < n('batch'); b++) calls.push(blobs.deleteMany(deleteTargets.slice(b * DUE, (b + 1) * DUE)));
    await Promise.all(calls);
  };
}

function options(): { sizes: number[]; store: StorageChoice } {
  const { values } = parseArgs({
    options: { sizes: { type: 'string', default: '1000,10000' }, store: { type: 'string', default: 'auto' } },
  });
  const sizes = values.sizes.split(',').map((s) => Number(s.trim().replaceAll('_', '')));
  const bad = sizes.find((n) => !Number.isInteger(n) || n < DUE);
  if (bad !== undefined)
    throw new Error(
      `--sizes ${values.sizes}: each size must be a whole number of schedules of at least ${DUE} (the due ones); for example --sizes 1000,10000,50000`,
    );
  return { sizes, store: storageChoice(values.store) };
}

/** `total` time schedules of which DUE are due each quarter hour, in a store of their own. */
async function measureSize(msi: FakeMsi, storage: BenchStorage, total: number): Promise<SizeResult> {
  const tag = `[${count(total)} schedules, ${storage.shortLabel}]`;
  const azurite = await storage.start();
  const aml = await startFakeAml({ validateToken: msi.validateToken, keepAliveTimeoutMs: 10 * 60_000 });
  aml.addPipeline({ id: 'pp-bench', kind: 'published', workspace: WS });
  const client = createPipelineClient({ env: { ...msi.env, AML_CREDENTIAL: 'managedidentity' } });
  try {
    const counter = new OperationCounter();
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const store = new ScheduleStateStore(BlobJsonStore.forContainer(service, azurite.containers.states, counter), {
      concurrency: 64,
    });
    await store.ensureContainer();

    const schedules = Array.from({ length: total }, (_, i) =>
      i < DUE
        ? {
            name: `due-${String(i).padStart(5, '0')}`,
            target: 'bench',
            recurrence: { frequency: 'Minute', interval: 15, start_time: '2026-06-01T00:00:00Z' },
          }
        : {
            name: `later-${String(i).padStart(5, '0')}`,
            target: 'bench',
            recurrence: { frequency: 'Day', interval: 1, time_of_day: '12:00', start_time: '2026-05-01T00:00:00Z' },
          },
    );
    const files = benchScheduleFiles(schedules);
    const registry = new ScheduleRegistry({ store, files, clock: () => T0, resyncIntervalMs: 24 * 3600_000 });
    const targets = new Map<string, PipelineTarget>([
      [
        'bench',
        {
          name: 'bench',
          endpointUrl: aml.submitUrl(WS, { published: 'pp-bench' }),
          experimentName: 'bench',
          parameterAssignments: {},
          dataPathAssignments: {},
        },
      ],
    ]);
    const deps: TickDeps = {
      store,
      registry,
      client,
      targets: () => targets,
      telemetry: noTelemetry,
      log: { info: () => undefined, warn: () => undefined, error: (l) => console.error(l) },
      settings: { ...DEFAULT_TICK_SETTINGS, owner: 'bench' },
    };

    // Set-up: the states (and their due markers and the catalog), written by the store's own sync in
    // batches; each batch keeps the catalog entries of the earlier ones, so the tick's sync finds
    // nothing to do.
    const setupStart = performance.now();
    const { definitions } = await registry.fileDefinitions();
    for (let done = 0; done < definitions.length; done += SETUP_BATCH) {
      await store.syncAll(definitions.slice(done, done + SETUP_BATCH), T0, { orphans: 'keep' });
      const written = Math.min(done + SETUP_BATCH, definitions.length);
      const elapsed = performance.now() - setupStart;
      const left = ((definitions.length - written) * elapsed) / written;
      console.error(
        `${tag} set-up: ${count(written)} / ${count(definitions.length)} states written, ${seconds(elapsed)}${written < definitions.length ? `, about ${seconds(left)} left` : ''}`,
      );
    }
    const synced = await registry.sync(T0);
    if ((synced.synced?.created.length ?? 0) + (synced.synced?.updated.length ?? 0) > 0)
      throw new Error(
        `${tag} the registry's sync found states to write after the set-up: ${JSON.stringify(synced.synced)}`,
      );
    const setupMs = performance.now() - setupStart;

    // Warm-up: the first submission resolves the token; not measured.
    await runTick(at('2026-06-01T00:00:30Z'), deps);

    const measure = async (
      now: string,
    ): Promise<{
      ms: number;
      cpu: CpuFigures;
      mix: Readonly<Partial<Record<string, number>>>;
      ops: number;
      batches: number;
      snapshot: string;
      report: TickReport;
    }> => {
      counter.reset();
      const { ms, cpu, value: report } = await timedCpu(() => runTick(at(now), deps));
      return {
        ms,
        cpu,
        mix: counter.snapshot(),
        ops: counter.total,
        batches: counter.count('batch'),
        snapshot: JSON.stringify(counter.snapshot()),
        report,
      };
    };

    // Floor: one read of each due schedule's state, all at once, measured right before each busy tick so
    // that both see the same load; the ratio is taken per pair.
    const dueNames = schedules.slice(0, DUE).map((d) => d.name);
    const floor = (): Promise<{ ms: number; cpu: CpuFigures }> =>
      timedCpu(() => mapLimit(dueNames, DUE, (name) => store.states.get(name)));
    const bodies: ReferenceBodies = {
      state: (await store.states.get(dueNames[0]!))?.state,
      small: { occurrence: T0.toISOString(), owner: 'bench', submittingAt: T0.toISOString() },
    };

    const busy: {
      ms: number;
      ops: number;
      batches: number;
      cpu: CpuFigures;
      floorMs: number;
      floorCpu: CpuFigures;
      sameMs: number;
      sameCpu: CpuFigures;
    }[] = [];
    const idle: { ms: number; ops: number; listMs: number; syncMs: number }[] = [];
    const timed = async (run: () => Promise<unknown>): Promise<number> => (await timedCpu(run)).ms;
    let references = 0;
    for (const quarter of ['00:15', '00:30', '00:45']) {
      const floored = await floor();
      const tick = await measure(`2026-06-01T${quarter}:01Z`);
      if (tick.report.submitted.length !== DUE || tick.report.errors.length > 0) {
        throw new Error(
          `${tag} tick at ${quarter} submitted ${tick.report.submitted.length} (expected ${DUE}); errors: ${JSON.stringify(tick.report.errors.slice(0, 3))}`,
        );
      }
      const sameCalls = await prepareSameCalls(
        service,
        azurite.containers.reference,
        references++,
        tick.mix,
        (i) => store.states.get(dueNames[i % DUE]!),
        bodies,
      );
      const same = await timedCpu(sameCalls);
      busy.push({
        ...tick,
        floorMs: floored.ms,
        floorCpu: floored.cpu,
        sameMs: same.ms,
        sameCpu: same.cpu,
      });
      const idleAt = at(`2026-06-01T${quarter}:31Z`);
      const quiet = await measure(idleAt.toISOString());
      if (quiet.report.submitted.length !== 0)
        throw new Error(`${tag} the idle tick at ${quarter}:31 submitted ${quiet.report.submitted.length}`);
      // Where the idle tick's time goes: its two steps again, alone (the registry's check of the
      // definitions, in process plus one read; the due-index listing, one call).
      const syncMs = await timed(() => registry.sync(idleAt));
      const listMs = await timed(() => store.states.findDue(idleAt, deps.settings.maxDuePerTick));
      idle.push({ ...quiet, listMs, syncMs });
      console.log(
        `${tag} floor ${millis(floored.ms)} (CPU: ${cpuText(floored.cpu)}); tick ${quarter}:01: ${tick.report.due} due, ${tick.report.submitted.length} submitted, ${millis(tick.ms)} (${(tick.ms / floored.ms).toFixed(1)}× the floor, CPU: ${cpuText(tick.cpu)}), ${tick.ops} storage calls ${tick.snapshot}; ` +
          `the same calls at once ${millis(same.ms)} (CPU: ${cpuText(same.cpu)}); ` +
          `idle tick ${quarter}:31: ${millis(quiet.ms)}, ${quiet.ops} calls (alone: registry sync ${millis(syncMs)}, due-index listing ${millis(listMs)})`,
      );
    }
    if (aml.submissions.length !== 3 * DUE)
      throw new Error(
        `${tag} the loopback Azure ML received ${aml.submissions.length} submissions, expected ${3 * DUE}`,
      );

    // This store's cost per call at this size: 50 reads of a state, one at a time.
    const sample = schedules[Math.floor(total / 2)]!.name;
    const t = performance.now();
    for (let i = 0; i < 50; i++) await store.states.get(sample);
    const perCallMs = (performance.now() - t) / 50;

    const result: SizeResult = {
      total,
      setupMs,
      busyMs: median(busy.map((b) => b.ms)),
      busyOps: median(busy.map((b) => b.ops)),
      perDue: median(busy.map((b, i) => (b.ops - b.batches - TARGET_STATUS_READS - idle[i]!.ops) / DUE)),
      idleMs: median(idle.map((b) => b.ms)),
      idleOps: median(idle.map((b) => b.ops)),
      idleSyncMs: median(idle.map((b) => b.syncMs)),
      idleListMs: median(idle.map((b) => b.listMs)),
      floorMs: median(busy.map((b) => b.floorMs)),
      ratio: median(busy.map((b) => b.ms / b.floorMs)),
      sameCallsMs: median(busy.map((b) => b.sameMs)),
      sameRatio: median(busy.map((b) => b.ms / b.sameMs)),
      cpu: {
        floor: medianCpu(busy.map((b) => b.floorCpu)),
        tick: medianCpu(busy.map((b) => b.cpu)),
        same: medianCpu(busy.map((b) => b.sameCpu)),
      },
      perCallMs,
    };
    console.log(
      `${tag} busy ${millis(result.busyMs)}, idle ${millis(result.idleMs)}, floor ${millis(result.floorMs)}, tick/floor ${result.ratio.toFixed(1)}, same calls at once ${millis(result.sameCallsMs)}, tick/same calls ${result.sameRatio.toFixed(2)}, one call ${millis(perCallMs)} (set-up ${seconds(setupMs)})`,
    );
    return result;
  } finally {
    client.close();
    await aml.close();
    await azurite.stop();
  }
}

function printTable(head: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

function report(storage: BenchStorage, results: readonly SizeResult[], conditions: string): void {
  const rows = results.map((r) => [
    count(r.total),
    millis(r.busyMs),
    `${count(r.busyOps)} (${r.perDue.toFixed(1)} per due)`,
    millis(r.idleMs),
    String(r.idleOps),
    `${millis(r.idleSyncMs)} / ${millis(r.idleListMs)}`,
    millis(r.floorMs),
    `${r.ratio.toFixed(1)}×`,
    millis(r.sameCallsMs),
    `${r.sameRatio.toFixed(2)}×`,
    millis(r.perCallMs),
  ]);
  const head = [
    `schedules (${storage.shortLabel})`,
    `busy tick (${DUE} due)`,
    'storage calls',
    'idle tick',
    'calls',
    'idle alone: sync / listing',
    `floor (${DUE} reads at once)`,
    'tick / floor',
    'same calls at once',
    'tick / same calls',
    'one call',
  ];
  console.log('');
  console.log(
    `Storage: ${storage.label}. ${conditions}. Medians of 3 ticks, each just after its floor and just before the same calls at once; wall time includes the ${DUE} Azure ML submissions (loopback); the ratios are medians of the 3 ticks' ratios.`,
  );
  printTable(head, rows);
  console.log('');
  console.log(
    `CPU spent (medians of 3): app = this process (the app, the Azure SDKs, the loopback Azure ML)${storage.kind === 'azure' ? '' : '; Azurite serves requests on one thread, so its CPU is a lower bound of the wall time of what it serves'}.`,
  );
  printTable(
    [`schedules`, 'floor: CPU', 'busy tick: CPU', 'same calls at once: CPU', 'Azurite busy during the tick'],
    results.map((r) => [
      count(r.total),
      cpuText(r.cpu.floor),
      cpuText(r.cpu.tick),
      cpuText(r.cpu.same),
      storage.kind === 'azure' ? 'not here' : `${Math.round((100 * r.cpu.tick.azurite) / r.busyMs)}% of its wall time`,
    ]),
  );
  console.log('');
  for (const r of results) {
    const perDue = r.perDue;
    const fast = r.busyMs <= GOAL_MS || r.ratio <= GOAL_FLOOR_RATIO;
    console.log(
      `goals at ${count(r.total)} schedules [${storage.label}]: busy tick ≤ ${GOAL_MS} ms or ≤ ${GOAL_FLOOR_RATIO}× the floor: ${fast ? 'met' : 'NOT met'}; ` +
        `≤ ${GOAL_CALLS_PER_DUE} calls per due occurrence: ${perDue <= GOAL_CALLS_PER_DUE ? 'met' : 'NOT met'} (${perDue.toFixed(1)}); ` +
        `idle tick ≤ ${GOAL_IDLE_CALLS} calls: ${r.idleOps <= GOAL_IDLE_CALLS ? 'met' : 'NOT met'} (${r.idleOps})`,
    );
  }
}

async function main(): Promise<void> {
  const { sizes, store } = options();
  const storage = benchStorage(store);
  const started = performance.now();
  const loadBefore = load();
  console.log(
    `tick bench on ${storage.label}; sizes ${sizes.map(count).join(', ')}; ${cpus().length} cores, load average (1/5/15 min) ${loadBefore}`,
  );
  // One managed-identity endpoint for the whole run: MSAL keeps the endpoint it found per process.
  const msi = await startFakeMsi();
  Object.assign(process.env, msi.env);
  const results: SizeResult[] = [];
  try {
    for (const total of sizes) results.push(await measureSize(msi, storage, total));
  } finally {
    await msi.close();
  }
  report(
    storage,
    results,
    `${cpus().length} cores; load average (1/5/15 min) ${loadBefore} at the start, ${load()} at the end; whole run ${seconds(performance.now() - started)}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
