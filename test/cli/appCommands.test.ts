/**
 * `aml-triggers tick`, `blob` and `submit` through the CLI's main() against Azurite and the loopback
 * Azure ML test bed (fake managed identity, ARM, Azure ML), from an app folder with a targets file and
 * schedule files: the commands run the timer's tick, the reactive handler and the HTTP submission path.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main';
import { startAppBed, TRAIN_ID, type AppBed } from '../support/appBed';
import { azuriteConnectionString } from '../support/azurite';
import { cliRunner } from '../support/cli';

let app: AppBed;
let bed: AppBed['aml'];
let DATA: string;
let env: Record<string, string>;
// The real clock: the tick checks it against the storage service's (Azurite's) and acts on nothing when they disagree.
let clock = (): Date => new Date();

const tick = cliRunner(
  'tick',
  () => env,
  () => clock(),
  () => app.app.root,
);
const blob = cliRunner(
  'blob',
  () => env,
  () => clock(),
  () => app.app.root,
);
const submit = cliRunner(
  'submit',
  () => env,
  () => clock(),
  () => app.app.root,
);
const schedules = cliRunner(
  'schedules',
  () => env,
  () => clock(),
  () => app.app.root,
);

beforeAll(async () => {
  app = await startAppBed();
  bed = app.aml;
  DATA = app.dataContainer;
});

afterAll(async () => {
  await app?.close();
});

beforeEach(() => {
  env = app.settings();
  clock = () => new Date();
});

const oneOccurrenceDue = (): Promise<string> => app.oneOccurrenceDue(env);
const tagged = (schedule: string) => app.runsOf(schedule);

describe('tick', () => {
  it('runs the timer tick: the due occurrence is submitted once, with the log line the timer writes', async () => {
    const occurrence = await oneOccurrenceDue();
    const before = tagged('minutely').length;
    const lines = await tick.ok();
    const sent = tagged('minutely').slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body.Tags).toMatchObject({ 'aml-triggers.occurrence': occurrence });
    expect(lines).toContain(`schedule minutely occurrence ${occurrence} submitted run ${sent[0]!.runId} (attempt 1)`);
    expect(
      lines.some((l) =>
        /^schedule tick at \S+: 1 due, 1 submitted, 0 retrying, 0 failed, 0 unknown, 0 skipped, 0 errors/.test(l),
      ),
    ).toBe(true);

    const again = JSON.parse((await tick.ok('--json')).join('\n')) as { submitted: unknown[]; due: number };
    expect(again).toMatchObject({ due: 0, submitted: [] });
    expect(tagged('minutely').slice(before)).toHaveLength(1);
    // The history the timer records is the one `schedules history` shows.
    expect((await schedules.ok('history', 'minutely')).join('\n')).toContain(sent[0]!.runId);
  });

  it('exits 1 when a submission fails, with the reason on stderr', async () => {
    const occurrence = await oneOccurrenceDue();
    bed.aml.setDisabled(TRAIN_ID, true);
    try {
      const r = await tick.run();
      expect(r.code).toBe(1);
      expect(r.stderr.join('\n')).toMatch(
        new RegExp(`error: schedule minutely occurrence ${occurrence} failed .*disabled`),
      );
    } finally {
      bed.aml.setDisabled(TRAIN_ID, false);
    }
  });

  it("exits 1 when the machine's clock disagrees with the storage service's, and submits nothing", async () => {
    await oneOccurrenceDue();
    const before = bed.aml.submissions.length;
    clock = () => new Date(Date.now() + 3_600_000);
    const r = await tick.run();
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/SCHEDULE_CLOCK_TOLERANCE_SECONDS/);
    expect(bed.aml.submissions.length).toBe(before);
  });

  it('exits 1 when the tick cannot read its storage, naming the problem', async () => {
    // Azurite with the wrong account key: every request is refused (403), at once.
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    env = {
      ...env,
      AzureWebJobsStorage: azuriteConnectionString().replace(/AccountKey=[^;]+/, `AccountKey=${wrongKey}`),
    };
    const r = await tick.run();
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/^error: schedule tick at \S+: .*storage\.access_denied/m);
  });

  it('--watch ticks until stopped, submits the occurrence once however many ticks see it, then exits 0', async () => {
    const occurrence = await oneOccurrenceDue();
    const stdout: string[] = [];
    const stderr: string[] = [];
    const stop = new AbortController();
    const io: CliIo = {
      stdout: (l) => stdout.push(l),
      stderr: (l) => stderr.push(l),
      env,
      cwd: app.app.root,
      now: () => new Date(),
      signal: stop.signal,
    };
    const before = tagged('minutely').length;
    const running = main(['tick', '--watch', '--interval', '1'], io);
    const ticks = () => stdout.filter((l) => /^(schedule )?tick at /.test(l)).length;
    const deadline = Date.now() + 25_000;
    while ((tagged('minutely').length === before || ticks() < 3) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    expect(await running).toBe(0);
    expect(ticks()).toBeGreaterThanOrEqual(3);
    expect(
      tagged('minutely')
        .slice(before)
        .map((s) => (s.body.Tags as Record<string, string>)['aml-triggers.occurrence']),
    ).toEqual([occurrence]);
    expect(stdout[0]).toBe('aml-triggers tick: ticking every 1 s; Ctrl+C stops after the current tick.');
    expect(stdout.at(-1)).toBe('aml-triggers tick: stopped.');
    expect(stderr.filter((l) => l.startsWith('error:'))).toEqual([]);
  });

  it('usage errors: exit 2 naming the option', async () => {
    const r = await tick.run('--interval', '5');
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/--interval applies to --watch only/);
    const bad = await tick.run('--watch', '--interval', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr[0]).toMatch(/--interval is "0"; give a number of seconds from 1 to 3600/);
  });
});

describe('blob', () => {
  const service = () => BlobServiceClient.fromConnectionString(azuriteConnectionString());
  const put = (name: string, content: string) =>
    service().getContainerClient(DATA).getBlockBlobClient(name).upload(content, Buffer.byteLength(content));
  const forBlob = (name: string) =>
    tagged('arrivals').filter(
      (s) => (s.body.DataPathAssignments as Record<string, { RelativePath: string }>).input_data?.RelativePath === name,
    );

  it('submits one run per blob version, with the blob as the DataPath; the version is read from storage', async () => {
    const name = 'in/2026-06-01 orders.csv';
    await put(name, 'a,b\n1,2\n');
    const first = await blob.ok(`${DATA}/${name}`);
    expect(forBlob(name)).toHaveLength(1);
    const sent = forBlob(name)[0]!;
    expect(sent.body.DataPathAssignments).toEqual({ input_data: { DataStoreName: 'landing', RelativePath: name } });
    expect(first.join('\n')).toContain(`schedule "arrivals" submitted run ${sent.runId}`);

    const again = await blob.ok(`${DATA}/${name}`);
    expect(forBlob(name)).toHaveLength(1);
    expect(again.join('\n')).toContain(`already started run ${sent.runId} for this version`);

    await put(name, 'a,b\n3,4\n'); // a new version: its own run
    const json = JSON.parse((await blob.ok(`${DATA}/${name}`, '--json')).join('\n')) as {
      runs: { status: string; runId: string }[];
    };
    expect(forBlob(name)).toHaveLength(2);
    expect(json.runs).toEqual([expect.objectContaining({ status: 'submitted', runId: forBlob(name)[1]!.runId })]);
    const history = (await schedules.ok('history', 'arrivals')).join('\n');
    expect(history).toContain(forBlob(name)[1]!.runId);
    expect(history).toContain(sent.runId);
  });

  it('a blob in a subfolder of the watched folder starts nothing (exit 0, says why)', async () => {
    await put('in/archive/old.csv', 'x');
    const lines = await blob.ok(`${DATA}/in/archive/old.csv`);
    expect(forBlob('in/archive/old.csv')).toHaveLength(0);
    expect(lines.join('\n')).toMatch(/ignored blob .*subfolders never fire/);
  });

  it('no such blob, or not <container>/<path>: exit 2 naming it', async () => {
    const missing = await blob.run(`${DATA}/in/nothing-here.csv`);
    expect(missing.code).toBe(2);
    expect(missing.stderr[0]).toContain(
      `aml-triggers blob: There is no blob "in/nothing-here.csv" in container "${DATA}"`,
    );
    const bad = await blob.run('just-a-container');
    expect(bad.code).toBe(2);
    expect(bad.stderr[0]).toMatch(/"just-a-container" is not <container>\/<path>/);
  });
});

describe('submit', () => {
  it("merges the options over the target's defaults like the HTTP route, typed like the defaults", async () => {
    const before = bed.aml.submissions.length;
    const lines = await submit.ok(
      'train',
      '--param',
      'epochs=3',
      '--param',
      'mode=fast',
      '--param',
      'note=42',
      '--data-path',
      'extra=workspaceblobstore/landing/2026/a.csv',
      '--experiment',
      'train-adhoc',
    );
    const sent = bed.aml.submissions.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({
      ExperimentName: 'train-adhoc',
      ParameterAssignments: { epochs: 3, mode: 'fast', dry_run: false, note: 42 },
      DataPathAssignments: { extra: { DataStoreName: 'workspaceblobstore', RelativePath: 'landing/2026/a.csv' } },
      RunSource: 'SDK',
    });
    expect(lines[0]).toMatch(
      new RegExp(
        `^Submitted run ${sent[0]!.runId} of target train \\(experiment train-adhoc, aml_triggers_key=http-[0-9a-f]+ from generated\\)`,
      ),
    );
    const json = JSON.parse((await submit.ok('score', '--json')).join('\n')) as { runId: string; target: string };
    expect(json).toMatchObject({ target: 'score', runId: bed.aml.submissions.at(-1)!.runId });
  });

  it('refuses what the route refuses, naming the field and value, and submits nothing', async () => {
    const before = bed.aml.submissions.length;
    const unknown = await submit.run('nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr[0]).toMatch(/No target named "nope" is configured; the configured targets are train, score/);
    const typed = await submit.run('train', '--param', 'epochs=ten');
    expect(typed.code).toBe(2);
    expect(typed.stderr[0]).toMatch(/"ten" is not a number.*default for this parameter is the number 10/);
    const experiment = await submit.run('train', '--experiment', 'bad name!');
    expect(experiment.code).toBe(2);
    expect(experiment.stderr[0]).toMatch(/ExperimentName must be an experiment name/);
    const dataPath = await submit.run('train', '--data-path', 'extra=nodatastore');
    expect(dataPath.code).toBe(2);
    expect(dataPath.stderr[0]).toMatch(/--data-path "extra=nodatastore": the value must be DATASTORE\/PATH/);
    expect(bed.aml.submissions.length).toBe(before);
  });

  it('Azure ML refusing the request: exit 2 with its message', async () => {
    const r = await submit.run('train', '--param', 'bogus=1');
    expect(r.code).toBe(2);
    expect(r.stdout).toEqual([]);
    expect(r.stderr.join('\n')).toMatch(/'bogus' is not a parameter of pipeline/);
  });
});
