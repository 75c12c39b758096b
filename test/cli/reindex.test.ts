/**
 * `aml-triggers schedules reindex` through `main()` with captured io against Azurite: the due index is
 * damaged by hand (markers deleted, stray markers added), the command repairs it, and the timer's own
 * view (`findDue`) shows every enabled schedule again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REINDEX_EXPLANATION } from '../../src/cli/schedules';
import { ScheduleRegistry } from '../../src/schedules/registry';
import { ScheduleStateStore } from '../../src/schedules/stateStore';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { cliRunner } from '../support/cli';
import { main } from '../../src/cli/main';
import { APP_ROOT } from '../support/registration';

const NOW = new Date('2026-03-02T10:00:00.250Z');
/** After every schedule's next run (hourly 10:15, daily 06:00 / 07:00 tomorrow). */
const LATER = new Date('2026-03-04T00:00:00Z');
const ENABLED = ['daily', 'hourly', 'ops-daily'];

let dir: string;
let env: Record<string, string>;
/**
 * The store as the timer sees it, but one that never removes a stale marker itself (`findDue` deletes
 * orphans older than its grace period): what is cleaned up here, the command cleaned up.
 */
let store: ScheduleStateStore;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aml-cli-reindex-'));
  mkdirSync(join(dir, 'schedules'));
  writeFileSync(
    join(dir, 'schedules', 'app.yaml'),
    `schedules:
  - name: hourly
    pipeline_id: pub-hourly
    experiment_name: hourly
    recurrence: { frequency: Hour, interval: 1, start_time: "2026-01-01T00:15:00Z" }
  - name: daily
    pipeline_id: pub-daily
    experiment_name: daily
    recurrence: { frequency: Day, interval: 1, start_time: "2026-01-01T06:00:00Z" }
  - name: paused
    pipeline_id: pub-daily
    experiment_name: daily
    status: Disabled
    recurrence: { frequency: Day, interval: 1, start_time: "2026-01-01T06:00:00Z" }
`,
  );
  writeFileSync(
    join(dir, 'ops.json'),
    JSON.stringify({
      name: 'ops-daily',
      pipeline_id: 'pub-ops',
      experiment_name: 'ops',
      recurrence: { frequency: 'Day', interval: 1, start_time: '2026-03-01T07:00:00Z' },
    }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  env = {
    AzureWebJobsStorage: azuriteConnectionString(),
    SCHEDULE_STATE_CONTAINER: uniqueContainerName('reindex'),
    SCHEDULES_PATH: join(dir, 'schedules'),
  };
  const opened = ScheduleStateStore.fromSettings(env, { staleMarkerGraceMs: Number.MAX_SAFE_INTEGER });
  if (!opened.ok) throw new Error(opened.error.message);
  store = opened.value;
  // What the deployed app's timer does: sync its schedule files into the store; then one applied schedule.
  await store.ensureContainer();
  await new ScheduleRegistry({ store, env, appRoot: APP_ROOT, clock: () => NOW }).sync(NOW);
  await ok('apply', join(dir, 'ops.json'));
});

const { run, ok } = cliRunner(
  'schedules',
  () => env,
  () => NOW,
);

async function markers(): Promise<string[]> {
  return (await store.blobs.list('due/')).map((m) => m.name);
}

async function dueNames(): Promise<string[]> {
  const found = await store.states.findDue(LATER);
  expect(found.errors).toEqual([]);
  return found.due.map((d) => d.name).sort();
}

/** The marker each enabled schedule's state names. */
async function referencedMarkers(): Promise<string[]> {
  return (await store.states.list()).states
    .filter((s) => s.state.enabled)
    .map((s) => s.state.dueMarker ?? `(no marker for ${s.state.name})`)
    .sort();
}

/** Deletes the markers of `hourly` and `ops-daily`; adds one for an unknown schedule and a second one for `daily`. */
async function damageIndex(): Promise<string[]> {
  const before = await markers();
  expect(before).toHaveLength(ENABLED.length);
  for (const name of ['hourly', 'ops-daily']) {
    const marker = before.find((m) => m.split('/')[2] === name);
    expect(marker, name).toBeDefined();
    await store.blobs.container.deleteBlob(marker!);
  }
  const strays = ['due/20260302T060000Z/ghost/0123456789ab', 'due/20260303T060000Z/daily/0123456789ab'];
  for (const stray of strays) await store.blobs.upsert(stray, {});
  expect(await dueNames()).toEqual(['daily']); // the timer no longer sees the other two
  return strays;
}

describe('schedules reindex', () => {
  it('writes the missing markers, removes the strays, says so and when to use it; the timer sees every enabled schedule again', async () => {
    expect(await dueNames()).toEqual(ENABLED);
    const strays = await damageIndex();

    const lines = await ok('reindex', '--app-stopped');
    expect(lines).toEqual(['Due index rebuilt: 2 markers written, 2 orphaned markers removed.', REINDEX_EXPLANATION]);
    expect(lines[1]).toMatch(/restoring a backup .* by hand/);

    expect(await dueNames()).toEqual(ENABLED);
    const now = await markers();
    for (const stray of strays) expect(now).not.toContain(stray);
    expect(now.sort()).toEqual(await referencedMarkers());

    // Nothing left to repair.
    expect(await ok('reindex', '--app-stopped')).toEqual([
      'Due index rebuilt: 0 markers written, 0 orphaned markers removed (it was already in step with the schedule states).',
      REINDEX_EXPLANATION,
    ]);
    expect(await markers()).toEqual(now);
  });

  it('--json prints the counts as a document', async () => {
    await damageIndex();
    expect(JSON.parse((await ok('reindex', '--app-stopped', '--json')).join('\n'))).toEqual({
      markersWritten: 2,
      orphansRemoved: 2,
      orphansKept: 0,
      errors: [],
    });
    expect(await dueNames()).toEqual(ENABLED);
    expect(JSON.parse((await ok('reindex', '--app-stopped', '--json')).join('\n'))).toEqual({
      markersWritten: 0,
      orphansRemoved: 0,
      orphansKept: 0,
      errors: [],
    });
  });

  it('while the app may be running, keeps stray markers under 5 minutes old (a save in flight writes its marker first) and says so', async () => {
    const strays = await damageIndex();
    const lines = await ok('reindex');
    expect(lines).toEqual([
      'Due index rebuilt: 2 markers written, 0 orphaned markers removed.',
      '2 markers that no schedule names were kept: under 5 minutes old, possibly a save in progress (the timer removes them later; with the app stopped, run reindex --app-stopped).',
      REINDEX_EXPLANATION,
    ]);
    expect(await dueNames()).toEqual(ENABLED); // the missing markers are back all the same
    const now = await markers();
    for (const stray of strays) expect(now).toContain(stray);
  });

  it('is in the help; an argument is a usage error (exit 2) and changes nothing', async () => {
    expect((await ok('--help')).join('\n')).toMatch(
      /^ {2}reindex \[--app-stopped\] \[--json\]\s+rebuild the timer's due index/m,
    );
    const top: string[] = [];
    expect(
      await main(['--help'], { stdout: (l) => top.push(l), stderr: () => undefined, env, now: () => NOW, cwd: dir }),
    ).toBe(0);
    expect(top.join('\n')).toMatch(/schedules\s+.*rebuild the due index/);

    const strays = await damageIndex();
    const r = await run('reindex', 'hourly');
    expect(r.code).toBe(2);
    expect(r.stdout).toEqual([]);
    expect(r.stderr.join('\n')).toMatch(/^aml-triggers schedules reindex: unexpected argument "hourly"/);
    expect(await markers()).toEqual(expect.arrayContaining(strays));
    expect(await dueNames()).toEqual(['daily']);
  });

  // The same line `schedules list` prints then (test/cli/schedules.test.ts), with this subcommand's prefix.
  it('storage unreachable: exit 1 with the line the other subcommands print, nothing on stdout', async () => {
    env = {
      AzureWebJobsStorage: azuriteConnectionString().replace(
        /BlobEndpoint=http:\/\/[^/;]+/,
        'BlobEndpoint=http://127.0.0.1:1',
      ),
      SCHEDULES_PATH: join(dir, 'schedules'),
    };
    const where =
      'cannot reach the schedule store (storage from setting AzureWebJobsStorage, container http://127.0.0.1:1/devstoreaccount1/aml-triggers)';
    const reindexed = await run('reindex');
    expect(reindexed.code).toBe(1);
    expect(reindexed.stdout).toEqual([]);
    expect(reindexed.stderr).toHaveLength(1);
    expect(reindexed.stderr[0]).toContain(
      `aml-triggers schedules reindex: ${where}: Storage list of aml-triggers/due/ failed`,
    );
    expect(reindexed.stderr[0]).not.toContain('AccountKey');
  }, 60_000);

  it('a missing container: exit 1 naming the container, nothing on stdout', async () => {
    env = { ...env, SCHEDULE_STATE_CONTAINER: uniqueContainerName('reindex-none') };
    const r = await run('reindex');
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([]);
    expect(r.stderr.join('\n')).toMatch(
      new RegExp(
        `^aml-triggers schedules reindex: the schedule store failed \\(storage from setting AzureWebJobsStorage, container http://[^)]+/${env.SCHEDULE_STATE_CONTAINER}\\): .*HTTP 404`,
      ),
    );
  });
});
