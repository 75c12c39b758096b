/**
 * `aml-triggers schedules ...` through `main()` with captured io against Azurite, and once through the
 * real bin in a child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliSettings } from '../../src/cli/settings';
import { formatInstant, occurrencesAfter, parseRecurrence } from '../../src/recurrence';
import { ScheduleRegistry } from '../../src/schedules/registry';
import { ScheduleStateStore } from '../../src/schedules/stateStore';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { cliRunner } from '../support/cli';
import { APP_ROOT, ensureBuilt } from '../support/registration';

const NOW = new Date('2026-03-02T10:00:00.250Z');
const HOURLY = { frequency: 'Hour', interval: 1, start_time: '2026-01-01T00:15:00Z' };

let dir: string;
let schedulesDir: string;
let env: Record<string, string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aml-cli-schedules-'));
  schedulesDir = join(dir, 'schedules');
  mkdirSync(schedulesDir);
  writeFileSync(
    join(schedulesDir, 'app.yaml'),
    `schedules:
  - name: biweekly
    pipeline_id: pub-train
    experiment_name: train
    description: Retrain
    recurrence: { frequency: Week, interval: 2, week_days: [Monday], time_of_day: "9:30", time_zone: W. Europe Standard Time, start_time: "2026-01-05T00:00:00" }
  - name: hourly
    pipeline_endpoint_id: pe-hourly
    experiment_name: hourly
    recurrence: ${JSON.stringify(HOURLY)}
  - name: paused
    pipeline_id: pub-train
    experiment_name: train
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
  writeFileSync(
    join(dir, 'bad.json'),
    JSON.stringify([{ name: 'bad', pipeline_id: 'p', recurrence: { frequency: 'Day', interval: 0 } }]),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the deployed app's timer does: sync its schedule files into the store. */
async function appSync(settings: Record<string, string>): Promise<void> {
  const store = ScheduleStateStore.fromSettings(settings);
  if (!store.ok) throw new Error(store.error.message);
  await store.value.ensureContainer();
  await new ScheduleRegistry({ store: store.value, env: settings, appRoot: APP_ROOT, clock: () => NOW }).sync(NOW);
}

beforeEach(async () => {
  env = {
    AzureWebJobsStorage: azuriteConnectionString(),
    SCHEDULE_STATE_CONTAINER: uniqueContainerName('cli'),
    SCHEDULES_PATH: schedulesDir,
  };
  await appSync(env);
});

const { run, ok } = cliRunner(
  'schedules',
  () => env,
  () => NOW,
);

function expectFailure(r: { code: number; stdout: string[]; stderr: string[] }, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stdout).toEqual([]);
  expect(r.stderr.join('\n')).toMatch(pattern);
}

describe('list', () => {
  it('a table with status, next run, pipeline and the SDK-like summary', async () => {
    const lines = await ok('list');
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+NEXT RUN \(UTC\)\s+LAST RUN$/);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? '';
    /** The row and the indented lines under it. */
    const block = (name: string) => {
      const at = lines.indexOf(row(name));
      const end = lines.findIndex((l, i) => i > at && !l.startsWith(' '));
      return lines.slice(at, end < 0 ? undefined : end).join('\n');
    };
    expect(block('biweekly')).toContain('\n  Runs at 9:30 on Monday every 2 Weeks (W. Europe Standard Time');
    expect(block('biweekly')).toContain('\n  published pipeline pub-train');
    expect(row('hourly')).toMatch(/Active\s+2026-03-02T10:15:00Z/);
    expect(block('hourly')).toContain('pipeline endpoint pe-hourly');
    expect(row('paused')).toMatch(/Disabled\s+-\s/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('--json and the filters', async () => {
    const json = JSON.parse((await ok('list', '--json')).join('\n')) as {
      schedules: { name: string; status: string }[];
    };
    expect(json.schedules.map((s) => s.name)).toEqual(['biweekly', 'hourly', 'paused']);
    const names = async (...args: string[]) =>
      (JSON.parse((await ok('list', '--json', ...args)).join('\n')) as { schedules: { name: string }[] }).schedules.map(
        (s) => s.name,
      );
    expect(await names('--active-only')).toEqual(['biweekly', 'hourly']);
    expect(await names('--pipeline-id', 'pub-train')).toEqual(['biweekly', 'paused']);
    expect(await names('--pipeline-id=pub-train', '--active-only')).toEqual(['biweekly']);
    expect(await names('--pipeline-endpoint-id', 'pe-hourly')).toEqual(['hourly']);
    expect(await ok('list', '--pipeline-id', 'nothing')).toEqual(['No schedules match the filters.']);
  });
});

describe('get', () => {
  it("--next N prints exactly the recurrence engine's next occurrences", async () => {
    const lines = await ok('get', 'hourly', '--next', '4');
    const engine = parseRecurrence(HOURLY, { createdAt: NOW });
    if (!engine.ok) throw new Error('recurrence');
    const expected = occurrencesAfter(engine.value, NOW, 4).map(formatInstant);
    const at = lines.indexOf('  Next 4 occurrences (UTC):');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 5).map((l) => l.trim())).toEqual(expected);
    expect(lines[0]).toBe('Schedule hourly (time-based, Active)');
    const json = JSON.parse((await ok('get', 'hourly', '-n', '2', '--json')).join('\n')) as {
      nextOccurrences: string[];
    };
    expect(json.nextOccurrences).toEqual(expected.slice(0, 2));
  });

  it('unknown name: exit 2, one line naming it, nothing on stdout', async () => {
    const r = await run('get', 'nope');
    expectFailure(r, 2, /No schedule named "nope"/);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^aml-triggers schedules get: /);
  });

  it('usage errors: exit 2 naming the option and value', async () => {
    expectFailure(await run('get', 'hourly', '--next', '0'), 2, /--next is "0"; give a whole number from 1 to 100/);
    expectFailure(await run('get'), 2, /missing schedule name/);
    expectFailure(await run('get', 'bad name!'), 2, /Schedule name "bad name!" is not valid/);
    expectFailure(await run('list', '--bogus'), 2, /--bogus/);
    expectFailure(await run('frobnicate'), 2, /unknown command "frobnicate"/);
    expectFailure(await run(), 2, /missing command/);
  });
});

describe('apply, enable, disable, history, delete', () => {
  it('apply --dry-run, apply, apply again: created then unchanged', async () => {
    const file = join(dir, 'ops.json');
    const dry = await ok('apply', file, '--dry-run');
    expect(dry.at(-1)).toBe('1 schedule: 1 created, 0 updated, 0 unchanged (dry run: nothing was stored).');
    expectFailure(await run('get', 'ops-daily'), 2, /No schedule named "ops-daily"/);
    const applied = await ok('apply', file);
    expect(applied[1]).toMatch(/^created\s+ops-daily\s+Active, next run 2026-03-03T07:00:00Z/);
    expect(applied.at(-1)).toBe('1 schedule: 1 created, 0 updated, 0 unchanged.');
    const again = JSON.parse((await ok('apply', file, '--json')).join('\n')) as { unchanged: number };
    expect(again.unchanged).toBe(1);
  });

  it('apply a folder holding an SDK v1 Schedule: file: named after the file, warnings on stderr', async () => {
    const folder = join(dir, 'v1');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'nightly-v1.yaml'),
      'Schedule:\n  description: from v1\n  pipeline_id: pub-v1\n  experiment_name: v1\n  recurrence:\n    frequency: Day\n    interval: 1\n    start_time: "2026-03-01T05:00:00"\n',
    );
    const r = await run('apply', folder);
    expect(r.code).toBe(0);
    expect(r.stdout[1]).toMatch(/^created\s+nightly-v1\s+Active, next run 2026-03-03T05:00:00Z\s+.*nightly-v1\.yaml/);
    expect(r.stderr).toEqual([expect.stringMatching(/^warning: .*nightly-v1\.yaml.*GMT Standard Time/)]);
    expectFailure(await run('apply', join(dir, 'schedules', '..', 'v1', 'nothing-here')), 2, /ENOENT/);
  });

  it('apply of an invalid file: exit 2, one line per problem with file, field and value, nothing stored', async () => {
    const r = await run('apply', join(dir, 'bad.json'));
    expect(r.code).toBe(2);
    expect(r.stdout).toEqual([]);
    expect(r.stderr.some((l) => l.includes('`[0].recurrence.interval` (0)'))).toBe(true);
    expect(r.stderr.some((l) => l.includes('`[0].experiment_name`'))).toBe(true);
    expect(r.stderr.every((l) => l.startsWith('aml-triggers schedules apply: '))).toBe(true);
    expectFailure(await run('apply', join(dir, 'missing.yaml')), 2, /cannot read ".*missing\.yaml" \(ENOENT\)/);
  });

  it('disable then enable, with the next run after now', async () => {
    expect(await ok('disable', 'hourly')).toEqual(['Schedule hourly disabled (Disabled).']);
    expect(await ok('disable', 'hourly')).toEqual([
      'Schedule hourly was already disabled (Disabled); nothing changed.',
    ]);
    expect(await ok('enable', 'hourly')).toEqual(['Schedule hourly enabled (Active); next run 2026-03-02T10:15:00Z.']);
    expectFailure(await run('enable', 'ghost'), 2, /No schedule named "ghost"/);
  });

  it('history: none yet, then --json bounded by --limit', async () => {
    await ok('apply', join(dir, 'ops.json'));
    expect(await ok('history', 'ops-daily')).toEqual(['Schedule ops-daily has no runs yet.']);
    const json = JSON.parse((await ok('history', 'ops-daily', '--limit', '5', '--json')).join('\n')) as {
      entries: unknown[];
      limit: number;
    };
    expect(json).toMatchObject({ entries: [], limit: 5 });
    expectFailure(await run('history', 'ops-daily', '--limit', 'all'), 2, /--limit is "all"/);
  });

  it('history as a table: newest first, run ids and errors', async () => {
    const store = ScheduleStateStore.fromSettings(env);
    if (!store.ok) throw new Error(store.error.message);
    await store.value.history.append('hourly', {
      occurrence: '2026-03-02T08:15:00Z',
      trigger: 'schedule',
      status: 'submitted',
      runId: 'run-a',
      attempts: 1,
      recordedAt: '2026-03-02T08:15:02Z',
    });
    await store.value.history.append('hourly', {
      occurrence: '2026-03-02T09:15:00Z',
      trigger: 'schedule',
      status: 'failed',
      error: { code: 'aml.pipeline.not_found', message: 'Pipeline pub-hourly was not found' },
      attempts: 1,
      recordedAt: '2026-03-02T09:15:01Z',
    });
    const lines = await ok('history', 'hourly', '--limit', '2');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^RECORDED \(UTC\)\s+OCCURRENCE\s+TRIGGER\s+STATUS\s+ATTEMPTS\s+RUN \/ ERROR$/);
    expect(lines[1]).toMatch(
      /^2026-03-02T09:15:01Z\s+2026-03-02T09:15:00Z\s+schedule\s+failed\s+1\s+aml\.pipeline\.not_found: Pipeline pub-hourly was not found$/,
    );
    expect(lines[2]).toMatch(/submitted\s+1\s+run-a$/);
    const detail = await ok('get', 'hourly', '--runs', '1');
    expect(detail.join('\n')).toMatch(/Last 1 run:\n\s+RECORDED[^\n]*\n\s+2026-03-02T09:15:01Z/);
  });

  it('delete: an applied schedule goes; one from the app files is refused (exit 2)', async () => {
    await ok('apply', join(dir, 'ops.json'));
    expect((await ok('delete', 'ops-daily'))[0]).toMatch(
      /^Deleted schedule ops-daily \(its applied definition, state and history: \d+ blobs\)\.$/,
    );
    expectFailure(await run('get', 'ops-daily'), 2, /No schedule named/);
    expectFailure(
      await run('delete', 'hourly'),
      2,
      /defined in the app's schedule file .*app\.yaml.* cannot be removed/,
    );
  });
});

describe('apply and delete need the files the app synced; enable and disable do not', () => {
  it("run with other schedule files than the app's: refused (exit 2) naming the differences, nothing changed", async () => {
    const other = join(dir, 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(
      join(other, 'only.yaml'),
      'name: elsewhere\npipeline_id: p\nexperiment_name: e\nrecurrence: { frequency: Day, interval: 1 }\n',
    );
    env = { ...env, SCHEDULES_PATH: other };
    const r = await run('apply', join(dir, 'ops.json'));
    expectFailure(
      r,
      2,
      /differ from the ones the app last synced: biweekly \(in the app, not in the files here\), hourly .*elsewhere \(only in the files here\)/,
    );
    // The message says how to go on.
    expect(r.stderr.join(' ')).toMatch(
      /To go on: run the command in a checkout of the deployed app \(or set SCHEDULES_PATH to its schedule files\), or use the app's HTTP routes .*--dry-run/,
    );
    // enable / disable are not refused (docs/operations.md): they switch one schedule.
    expect(await ok('disable', 'hourly')).toEqual(['Schedule hourly disabled (Disabled).']);
    env = { ...env, SCHEDULES_PATH: schedulesDir };
    expect(await ok('enable', 'hourly')).toEqual(['Schedule hourly enabled (Active); next run 2026-03-02T10:15:00Z.']);
    env = { ...env, SCHEDULES_PATH: other };
    // The app's schedules are untouched: still active with their next run.
    env = { ...env, SCHEDULES_PATH: schedulesDir };
    const listed = JSON.parse((await ok('list', '--json', '--active-only')).join('\n')) as {
      schedules: { name: string; nextRun?: string }[];
    };
    expect(listed.schedules.map((x) => [x.name, x.nextRun !== undefined])).toEqual([
      ['biweekly', true],
      ['hourly', true],
    ]);
    // A dry run changes nothing and is allowed.
    env = { ...env, SCHEDULES_PATH: other };
    expect((await run('apply', join(dir, 'ops.json'), '--dry-run')).code).toBe(0);
  });
});

describe('a store the app never synced (local development)', () => {
  it('list of the sample: lines fit 120 columns, "from" does not change with now, the unwatched reactive schedule is flagged', async () => {
    env = {
      AzureWebJobsStorage: azuriteConnectionString(),
      SCHEDULE_STATE_CONTAINER: uniqueContainerName('cli-new'),
      SCHEDULES_PATH: join(APP_ROOT, 'config', 'schedules.sample.yaml'),
    };
    const lines = await ok('list');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(120);
    const later = cliRunner(
      'schedules',
      () => env,
      () => new Date(NOW.getTime() + 7 * 60_000),
    );
    expect(await later.ok('list')).toEqual(lines);
    const text = lines.join('\n').replace(/\n {4}/g, ' '); // continuation lines joined
    expect(text).toContain(
      '\n  Runs at 2:30 every Day (W. Europe Standard Time, Europe/Berlin), from when the app first stores the schedule (no start_time)\n',
    );
    expect(text).toMatch(
      /\n {2}warning: score-on-upload never fires: no blob trigger is registered .*REACTIVE_CONTAINERS/,
    );
    const json = JSON.parse((await ok('list', '--json')).join('\n')) as {
      schedules: { name: string; status: string; warning?: string }[];
    };
    expect(json.schedules.filter((x) => x.warning).map((x) => [x.name, x.status])).toEqual([
      ['score-on-upload', 'Active'],
    ]);
    expect((await ok('get', 'score-on-upload')).join('\n')).toMatch(/Warning: score-on-upload never fires/);
    // With the container listed, no warning.
    env = { ...env, REACTIVE_CONTAINERS: 'landing' };
    expect((await ok('list')).join('\n')).not.toContain('never fires');
  });

  it('enable, disable and apply work with the sample schedule files: nothing to differ from', async () => {
    env = {
      AzureWebJobsStorage: azuriteConnectionString(),
      SCHEDULE_STATE_CONTAINER: uniqueContainerName('cli-new'),
      SCHEDULES_PATH: join(APP_ROOT, 'config', 'schedules.sample.yaml'),
    };
    // The sample says: "switched off until `aml-triggers schedules enable maintenance`".
    const enabled = await ok('enable', 'maintenance');
    expect(enabled[0]).toMatch(/^Schedule maintenance enabled \(Active\); next run 2026-03-31T06:00:00Z\.$/);
    expect(await ok('disable', 'maintenance')).toEqual(['Schedule maintenance disabled (Disabled).']);
    expect((await ok('apply', join(dir, 'ops.json'))).at(-1)).toBe('1 schedule: 1 created, 0 updated, 0 unchanged.');
  });
});

describe('settings', () => {
  it('no storage setting: exit 1 naming the settings to set', async () => {
    env = {};
    expectFailure(await run('list'), 1, /AzureWebJobsStorage.*AzureWebJobsStorage__blobServiceUri/);
  });

  it('the local.settings.json of the folder the tests run in (a used checkout) is not read', async () => {
    // test/support/usedCheckout.ts put one there, as `npm start` does in the repository.
    expect(existsSync(join(process.cwd(), 'local.settings.json'))).toBe(true);
    env = {};
    const r = await run('list');
    expectFailure(r, 1, /AzureWebJobsStorage.*AzureWebJobsStorage__blobServiceUri/);
    expect(r.stderr.join('\n')).not.toContain('read-local-settings-json');
  });

  it('the folder the command runs in: its local.settings.json is read (the environment wins)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'aml-cli-app-'));
    try {
      writeFileSync(
        join(folder, 'local.settings.json'),
        JSON.stringify({ Values: { ...env, SCHEDULES_PATH: schedulesDir } }),
      );
      const here = cliRunner(
        'schedules',
        () => ({}),
        () => NOW,
        () => folder,
      );
      expect((await here.ok('list', '--json')).join('\n')).toContain('"biweekly"');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('storage unreachable: exit 1 naming the setting and the endpoint', async () => {
    env = {
      AzureWebJobsStorage: azuriteConnectionString().replace(
        /BlobEndpoint=http:\/\/[^/;]+/,
        'BlobEndpoint=http://127.0.0.1:1',
      ),
      SCHEDULES_PATH: schedulesDir,
    };
    const r = await run('list');
    expectFailure(
      r,
      1,
      /cannot reach the schedule store \(storage from setting AzureWebJobsStorage, container http:\/\/127\.0\.0\.1:1\/devstoreaccount1\/aml-triggers\)/,
    );
    expect(r.stderr.join('\n')).not.toContain('AccountKey');
  }, 60_000);

  it('local.settings.json Values fill in what the environment does not set; the environment wins', () => {
    const folder = mkdtempSync(join(tmpdir(), 'aml-cli-settings-'));
    try {
      writeFileSync(
        join(folder, 'local.settings.json'),
        JSON.stringify({
          IsEncrypted: false,
          Values: { AzureWebJobsStorage: 'from-file', SCHEDULES_PATH: 'file/path', FUNCTIONS_WORKER_RUNTIME: 'node' },
        }),
      );
      const merged = cliSettings({ AzureWebJobsStorage: 'from-env', SCHEDULES_PATH: '' }, folder);
      expect(merged).toEqual({
        ok: true,
        value: { AzureWebJobsStorage: 'from-env', SCHEDULES_PATH: 'file/path', FUNCTIONS_WORKER_RUNTIME: 'node' },
      });
      writeFileSync(join(folder, 'local.settings.json'), '{ not json');
      const bad = cliSettings({}, folder);
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.message).toContain('local.settings.json is not valid JSON');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the real bin', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('`aml-triggers schedules list` prints the table and exits 0; a bad name exits 2 with stderr only', () => {
    const bin = join(APP_ROOT, 'bin', 'aml-triggers.js');
    const childEnv = { PATH: process.env.PATH ?? '', ...env };
    // In a folder of its own: the checkout may hold a user's local.settings.json, which would win over nothing.
    const listed = spawnSync(process.execPath, [bin, 'schedules', 'list'], {
      encoding: 'utf8',
      cwd: dir,
      env: childEnv,
    });
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+NEXT RUN/);
    expect(listed.stdout).toContain('Runs at 9:30 on Monday every 2 Weeks');
    const missing = spawnSync(process.execPath, [bin, 'schedules', 'get', 'nope'], {
      encoding: 'utf8',
      cwd: dir,
      env: childEnv,
    });
    expect(missing.status).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^aml-triggers schedules get: No schedule named "nope"/);
  }, 60_000);
});
