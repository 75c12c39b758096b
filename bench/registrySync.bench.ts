/**
 * The timer's idle registry sync at 1,000, 10,000 and 50,000 schedules, beside its floor measured in the
 * same run: one read of `definitions/index.json` (the one request the sync makes when nothing changed).
 * Nothing else may grow with the schedule count (issue 16: it was 29 → 590 ms from 1k to 50k, the merged
 * definition list and its fingerprint rebuilt on every tick; they are now kept per index ETag).
 *
 * In-memory Azurite, a container per size holding only the catalog (a full sync's catalog is written
 * directly, so the first sync writes no state and the index read costs the same at every size).
 *
 *   npm run bench -- registrySync
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEFINITIONS_INDEX_BLOB } from '../src/schedules/blobNames';
import { ScheduleRegistry } from '../src/schedules/registry';
import { ScheduleStateStore } from '../src/schedules/stateStore';
import { BlobJsonStore } from '../src/storage/blobJson';
import { startAzurite } from '../test/support/azuriteProcess';
import { benchScheduleFiles } from './benchSchedules';

const SIZES = [1000, 10_000, 50_000];
const ROUNDS = 9;
const T0 = new Date('2026-06-01T00:00:00Z');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const azurite = await startAzurite();
  try {
    console.log(
      `idle registry sync, in-memory Azurite; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}; medians of ${ROUNDS}`,
    );
    for (const total of SIZES) {
      const store = new ScheduleStateStore(
        BlobJsonStore.forContainer(BlobServiceClient.fromConnectionString(azurite.connectionString), `sync-${total}`),
      );
      await store.ensureContainer();
      const schedules = Array.from({ length: total }, (_, i) => ({
        name: `s-${String(i).padStart(5, '0')}`,
        target: 'bench',
        recurrence: { frequency: 'Day', interval: 1, time_of_day: '12:00', start_time: '2026-05-01T00:00:00Z' },
      }));
      const files = benchScheduleFiles(schedules);
      const registry = new ScheduleRegistry({ store, files, clock: () => T0, resyncIntervalMs: 24 * 3600_000 });
      const { definitions } = await registry.fileDefinitions();
      await store.catalog.write(Object.fromEntries(definitions.map((d) => [d.name, d.hash])), undefined, T0);
      await registry.sync(T0); // the process's first sync: reads the catalog, writes nothing
      const sync: number[] = [];
      const floor: number[] = [];
      for (let i = 1; i <= ROUNDS; i++) {
        let t = performance.now();
        await store.blobs.read(DEFINITIONS_INDEX_BLOB);
        floor.push(performance.now() - t);
        t = performance.now();
        await registry.sync(new Date(T0.getTime() + i * 30_000));
        sync.push(performance.now() - t);
      }
      const s = median(sync);
      const f = median(floor);
      console.log(
        `${total.toLocaleString('en-US')} schedules: idle sync ${s.toFixed(1)} ms, floor (one index read) ${f.toFixed(1)} ms, sync / floor ${(s / f).toFixed(1)}×`,
      );
    }
  } finally {
    await azurite.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
