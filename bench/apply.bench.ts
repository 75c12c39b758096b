/**
 * `schedules apply` of 5,000 time schedules (optionally other sizes): wall time and storage calls of the
 * first apply (every schedule created: definition stored, state and due marker written, next run
 * planned) and of the same apply repeated (nothing to store; every state read back for the result),
 * beside the floor measured in the same run against the same store: creating one blob per schedule,
 * 32 at a time, and nothing else (an apply that stores one definition per schedule must at least do
 * that). The ratio apply / floor is the figure that does not depend on how loaded the machine is.
 * Progress of the apply goes to stderr as the CLI prints it. The run fails when a schedule is left
 * without its state and next run.
 *
 *   npm run bench -- apply
 *   npm run bench -- apply --sizes 1000,5000        (default 5000)
 *   npm run bench -- apply --store memory           (auto | mariadb | memory | azure; default auto)
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { count, progressPrinter, type ProgressLine } from '../src/cli/progress';
import { ScheduleOperations, type ApplyProgress } from '../src/schedules/operations';
import { ScheduleRegistry } from '../src/schedules/registry';
import { ScheduleStateStore } from '../src/schedules/stateStore';
import { BlobJsonStore } from '../src/storage/blobJson';
import { OperationCounter } from '../src/storage/operationCounter';
import { mapLimit } from '../src/util/mapLimit';
import { benchStorage, storageChoice, type BenchStorage, type StorageChoice } from './benchStorage';

/** Storage calls per schedule of a first apply: definition create, state read (404), marker, state create. */
const GOAL_CALLS_PER_CREATED = 4;
/** Of a repeated apply: one state read each (plus a few for the index and catalog). */
const GOAL_CALLS_PER_UNCHANGED = 1;
const T0 = new Date('2026-06-01T00:00:00Z');

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

function options(): { sizes: number[]; store: StorageChoice } {
  const { values } = parseArgs({
    options: { sizes: { type: 'string', default: '5000' }, store: { type: 'string', default: 'auto' } },
  });
  const sizes = values.sizes.split(',').map((s) => Number(s.trim().replaceAll('_', '')));
  const bad = sizes.find((n) => !Number.isInteger(n) || n < 1);
  if (bad !== undefined)
    throw new Error(`--sizes ${values.sizes}: each size must be a whole number of schedules, e.g. --sizes 1000,5000`);
  return { sizes, store: storageChoice(values.store) };
}

async function measureSize(storage: BenchStorage, total: number): Promise<boolean> {
  const tag = `[${count(total)} schedules, ${storage.shortLabel}]`;
  const azurite = await storage.start();
  try {
    const counter = new OperationCounter();
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const store = new ScheduleStateStore(BlobJsonStore.forContainer(service, azurite.containers.states, counter));
    await store.ensureContainer();
    const floorBlobs = new BlobJsonStore(service.getContainerClient('floor'));
    await floorBlobs.ensureContainer();
    const schedules = Array.from({ length: total }, (_, i) => ({
      name: `s-${String(i).padStart(5, '0')}`,
      pipeline_id: 'pub-bench',
      experiment_name: 'bench',
      recurrence: {
        frequency: 'Day',
        interval: 1,
        time_of_day: `${i % 24}:${String(i % 60).padStart(2, '0')}`,
        time_zone: 'W. Europe Standard Time',
        start_time: '2026-05-01T00:00:00',
      },
    }));
    const file = { path: 'bench.json', text: JSON.stringify({ schedules }) };
    const ops = new ScheduleOperations({
      registry: new ScheduleRegistry({ store, files: [], clock: () => T0 }),
      store,
    });
    const printer = progressPrinter((line) => console.error(`${tag} ${line}`));
    const lines = new Map<ApplyProgress['stage'], ProgressLine>();
    const lineOf = (stage: ApplyProgress['stage']): ProgressLine =>
      lines.get(stage) ?? lines.set(stage, (done, all) => `${stage} ${count(done)}/${count(all)}`).get(stage)!;
    const progress = (p: ApplyProgress): void => printer(lineOf(p.stage), p.done, p.total);

    // Floor: one blob per schedule, 32 at a time, nothing else.
    let t = performance.now();
    await mapLimit(schedules, 32, (s) => floorBlobs.createIfAbsent(`${s.name}.json`, s));
    const floorMs = performance.now() - t;

    let ok = true;
    for (const round of ['first apply', 'repeated apply'] as const) {
      counter.reset();
      t = performance.now();
      const result = await ops.apply([file], { now: T0, progress });
      const ms = performance.now() - t;
      if (!result.ok) throw new Error(`${tag} ${round} failed: ${result.error.message}`);
      const missing = result.value.schedules.filter((s) => !s.nextRun);
      if (missing.length > 0)
        throw new Error(
          `${tag} ${round}: ${missing.length} schedules without a next run (${missing
            .slice(0, 3)
            .map((s) => s.name)
            .join(', ')})`,
        );
      const perSchedule = counter.total / total;
      const goal = round === 'first apply' ? GOAL_CALLS_PER_CREATED : GOAL_CALLS_PER_UNCHANGED;
      const met = perSchedule <= goal + 10 / total;
      ok &&= met;
      console.log(
        `${tag} ${round}: ${seconds(ms)} (${(ms / floorMs).toFixed(1)}× the floor of ${seconds(floorMs)}), ${count(counter.total)} storage calls ${JSON.stringify(counter.snapshot())}, ` +
          `${perSchedule.toFixed(2)} per schedule (goal ≤ ${goal}: ${met ? 'met' : 'NOT met'}); every schedule has its next run`,
      );
    }
    return ok;
  } finally {
    await azurite.stop();
  }
}

async function main(): Promise<void> {
  const { sizes, store } = options();
  const storage = benchStorage(store);
  console.log(`apply benchmark on ${storage.label}; ${cpus().length} CPUs, load ${load()}`);
  let ok = true;
  for (const size of sizes) ok = (await measureSize(storage, size)) && ok;
  process.exitCode = ok ? 0 : 1;
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
