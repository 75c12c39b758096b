/**
 * Cold start: what a Flex Consumption instance that scales from zero spends before its first answer.
 *
 * Every figure comes from a fresh `node` process (test/support/functions-core-stub/run-app.js) that loads
 * the BUILT app the way the Functions worker does (package.json `main`, the stand-in
 * `@azure/functions-core`), runs its appStart hooks, and answers one event through the registered
 * callback: an HTTP submission (POST /api/pipelines/train/runs), a timer tick, a blob event (the host's
 * trigger metadata for a blob uploaded to the watched folder). The parts behind it are the test bed's:
 * Azurite, the fake managed identity, ARM and Azure ML (loopback, real wire protocols). With telemetry,
 * APPLICATIONINSIGHTS_CONNECTION_STRING points at a loopback ingestion endpoint that accepts and counts
 * what it gets; after the answer the child starts Application Insights as the app's postInvocation hook
 * does (timed: "SDK start") and runs the appTerminate hooks (flush), then the items received are counted.
 *
 * Reference: `require('@azure/functions')` alone (a bare function app), measured in the same run; the
 * scenarios are interleaved (one run of each, five times) so that they share the machine's load, and
 * medians of 5 are printed. The answer is split into module loading, network waits (time waiting on
 * the fakes) and the rest (first-use set-up). Then the resident set after start and after 1,000 and
 * 2,000 more submissions.
 *
 *   npm run bench -- coldstart
 *   npm run bench -- coldstart --runs 9
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAmlTestBed } from '../test/support/amlTestBed';
import { connectionStringFor, startAzurite } from '../test/support/azuriteProcess';
import { startFakeIngestion } from '../test/support/fakeIngestion';
import { hostTriggerMetadata, upload } from '../test/reactive/support';
import { ensureBuilt } from '../test/support/registration';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const STUB = join(ROOT, 'test', 'support', 'functions-core-stub');
const TRAIN_ID = 'aaaaaaaa-0000-4000-8000-00000000c001';
const SCORE_ID = 'aaaaaaaa-0000-4000-8000-00000000c002';

interface ChildResult {
  loadMs: number;
  appStartMs?: number;
  packagesAtStart?: string[];
  packagesAtFirstAnswer?: string[];
  rssAfterStartMb?: number;
  invocation?: { totalMs: number; moduleLoadMs: number; networkMs: number; setupMs: number; status?: number; error?: string; logs: string[] };
  telemetryStartMs?: number;
  terminateMs?: number;
  rss?: Array<{ invocations: number; rssMb: number }>;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v)} ms`);
const load = (): string => loadavg().map((v) => v.toFixed(2)).join(', ');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } }, allowPositionals: true });
  const runs = Number(values.runs);
  await ensureBuilt(ROOT);
  const loadBefore = load();

  const azurite = await startAzurite();
  const storage = connectionStringFor(azurite.blobEndpoint);
  const bed = await startAmlTestBed();
  bed.aml.addPipeline({ id: TRAIN_ID, kind: 'published', workspace: bed.workspace, parameters: ['epochs', 'mode'] });
  bed.aml.addPipeline({ id: SCORE_ID, kind: 'published', workspace: bed.workspace, dataPathParameters: ['input_data'] });
  const ingestion = await startFakeIngestion();
  const dir = mkdtempSync(join(tmpdir(), 'coldstart-'));
  try {
    const caFile = join(dir, 'ingestion-ca.pem');
    writeFileSync(caFile, ingestion.ca);
    const appDir = join(dir, 'app');
    mkdirSync(join(appDir, 'schedules'), { recursive: true });
    const dataContainer = `coldstart-data-${Date.now()}`;
    writeFileSync(
      join(appDir, 'pipelines.yaml'),
      ['targets:', '  train:', `    pipeline_id: ${TRAIN_ID}`, '    experiment_name: train', '    parameters: { epochs: 10, mode: full }', '  score:', `    pipeline_id: ${SCORE_ID}`, '    experiment_name: score'].join('\n'),
    );
    writeFileSync(
      join(appDir, 'schedules', 'app.yaml'),
      [
        'schedules:',
        '  - name: minutely',
        '    target: train',
        '    recurrence: { frequency: Minute, interval: 1, start_time: "2026-01-01T00:00:00Z" }',
        '  - name: arrivals',
        '    target: score',
        '    datastore: landing',
        `    container: ${dataContainer}`,
        '    path_on_datastore: in',
        '    data_path_parameter_name: input_data',
      ].join('\n'),
    );
    const service = BlobServiceClient.fromConnectionString(storage);
    await service.getContainerClient(dataContainer).create();
    const blob = await upload(service, dataContainer, 'in/2026-03-01.csv', 'a,b\n1,2\n');
    const triggerMetadata = await hostTriggerMetadata(blob, dataContainer, 'in/2026-03-01.csv');

    let stateCounter = 0;
    const settings = (telemetry: boolean): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      NODE_PATH: STUB,
      NODE_EXTRA_CA_CERTS: caFile,
      ...bed.env,
      AzureWebJobsStorage: storage,
      REACTIVE_STORAGE: storage,
      SCHEDULE_STATE_CONTAINER: `coldstart-state-${Date.now()}-${stateCounter++}`,
      AML_TARGETS_FILE: join(appDir, 'pipelines.yaml'),
      SCHEDULES_PATH: join(appDir, 'schedules'),
      AML_SUBSCRIPTION_ID: bed.workspace.subscriptionId,
      AML_RESOURCE_GROUP: bed.workspace.resourceGroup,
      AML_WORKSPACE_NAME: bed.workspace.workspaceName,
      AML_RETRY_MAX_ATTEMPTS: '1',
      ...(telemetry ? { APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString, APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true' } : {}),
    });
    const invocations = {
      http: {
        function: 'submitPipelineRun',
        kind: 'http',
        input: {
          method: 'POST',
          url: 'http://localhost:7071/api/pipelines/train/runs',
          params: { target: 'train' },
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ParameterAssignments: { epochs: 3 }, Tags: { source: 'coldstart' } }),
        },
      },
      tick: { function: 'scheduleTimer', kind: 'timer', input: {} },
      blob: { function: '', kind: 'blob', input: { blob: { kind: 'blobReference' }, triggerMetadata } },
    } as const;

    let jobs = 0;
    const child = async (job: Record<string, unknown>, env: NodeJS.ProcessEnv, extraArgs: string[] = []): Promise<ChildResult> => {
      const jobFile = join(dir, `job-${jobs}.json`);
      const outFile = join(dir, `out-${jobs++}.json`);
      writeFileSync(jobFile, JSON.stringify({ appRoot: ROOT, ...job }));
      try {
        await run(process.execPath, [...extraArgs, join(STUB, 'run-app.js'), jobFile, outFile], { cwd: appDir, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
      } catch (e) {
        throw new Error(`child failed: ${(e as { stderr?: string }).stderr ?? String(e)}`);
      }
      return JSON.parse(readFileSync(outFile, 'utf8')) as ChildResult;
    };

    // The blob function's name depends on the container (src/reactive/registration.ts): read it from a load.
    const registered = JSON.parse(
      (await run(process.execPath, [join(STUB, 'load-app.js'), ROOT, join(dir, 'reg.json')], { cwd: appDir, env: settings(false) }), readFileSync(join(dir, 'reg.json'), 'utf8')),
    ) as { functions: Array<{ name: string; bindings: Record<string, { type: string }> }> };
    const blobFunction = registered.functions.find((f) => Object.values(f.bindings).some((b) => b.type === 'blobTrigger'))?.name;
    if (!blobFunction) throw new Error('the bench app registered no blob trigger');

    type Scenario = { name: string; telemetry: boolean; job: Record<string, unknown> };
    const scenarios: Scenario[] = [{ name: 'bare', telemetry: false, job: { bare: true } }];
    for (const telemetry of [false, true]) {
      scenarios.push({ name: 'start', telemetry, job: { startTelemetry: telemetry, terminate: telemetry } });
      scenarios.push({ name: 'http', telemetry, job: { invoke: invocations.http, startTelemetry: telemetry, terminate: telemetry } });
      scenarios.push({ name: 'tick', telemetry, job: { invoke: invocations.tick, startTelemetry: telemetry, terminate: telemetry } });
      scenarios.push({ name: 'blob', telemetry, job: { invoke: { ...invocations.blob, function: blobFunction }, startTelemetry: telemetry, terminate: telemetry } });
    }
    const results = new Map<Scenario, ChildResult[]>(scenarios.map((s) => [s, []]));
    const ingested = new Map<Scenario, number[]>(scenarios.map((s) => [s, []]));
    for (let r = 0; r < runs; r++) {
      for (const s of scenarios) {
        const before = ingestion.items.length;
        const result = await child(s.job, settings(s.telemetry));
        if (result.invocation?.error) throw new Error(`${s.name}: the first invocation failed: ${result.invocation.error}\n${result.invocation.logs.join('\n')}`);
        results.get(s)!.push(result);
        ingested.get(s)!.push(ingestion.items.length - before);
      }
      process.stderr.write(`run ${r + 1}/${runs} done\n`);
    }

    const bare = median(results.get(scenarios[0]!)!.map((x) => x.loadMs));
    console.log(`Cold start, fresh process per figure, medians of ${runs} (${cpus().length} cores; load average before ${loadBefore}, after ${load()}).`);
    console.log(`Reference: require('@azure/functions') alone (bare function app): ${ms(bare)}.\n`);
    console.log('| what | telemetry | load | appStart | load + appStart − bare | first answer | of which module loading | first-use set-up | network waits | SDK start (after answer) | items ingested |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const s of scenarios.slice(1)) {
      const xs = results.get(s)!;
      const m = (f: (x: ChildResult) => number | undefined): number => median(xs.map(f).filter((v): v is number => v !== undefined));
      const loadMs = m((x) => x.loadMs);
      const appStart = m((x) => x.appStartMs);
      const label = s.name === 'start' ? 'start only' : s.name === 'http' ? 'HTTP submit' : s.name === 'tick' ? 'timer tick' : 'blob event';
      console.log(
        `| ${label} | ${s.telemetry ? 'on' : 'off'} | ${ms(loadMs)} | ${ms(appStart)} | ${ms(loadMs + appStart - bare)} | ${s.name === 'start' ? '—' : ms(m((x) => x.invocation?.totalMs))} | ${s.name === 'start' ? '—' : ms(m((x) => x.invocation?.moduleLoadMs))} | ${s.name === 'start' ? '—' : ms(m((x) => x.invocation?.setupMs))} | ${s.name === 'start' ? '—' : ms(m((x) => x.invocation?.networkMs))} | ${s.telemetry ? ms(m((x) => x.telemetryStartMs)) : '—'} | ${s.telemetry ? median(ingested.get(s)!) : '—'} |`,
      );
    }
    const last = (name: string, telemetry: boolean): ChildResult => results.get(scenarios.find((s) => s.name === name && s.telemetry === telemetry)!)!.at(-1)!;
    console.log('\nPackages loaded at start-up (telemetry on):', last('start', true).packagesAtStart?.join(', '));
    for (const name of ['http', 'tick', 'blob']) {
      const r = last(name, true);
      const added = (r.packagesAtFirstAnswer ?? []).filter((p) => !(r.packagesAtStart ?? []).includes(p));
      console.log(`Loaded by the first ${name} answer: ${added.join(', ') || 'nothing'}; applicationinsights loaded before the answer: ${(r.packagesAtFirstAnswer ?? []).includes('applicationinsights') ? 'YES' : 'no'}`);
    }

    console.log('\nResident set (HTTP submissions, fresh process, after GC):');
    console.log('| telemetry | after start | after 1st submission + 1,000 | + 2,000 | growth over the second 1,000 |');
    console.log('|---|---|---|---|---|');
    for (const telemetry of [false, true]) {
      const r = await child({ invoke: invocations.http, repeat: 1000, startTelemetry: false, terminate: telemetry }, settings(telemetry), ['--expose-gc']);
      const [a, b] = r.rss ?? [];
      console.log(`| ${telemetry ? 'on' : 'off'} | ${r.rssAfterStartMb?.toFixed(1)} MB | ${a?.rssMb.toFixed(1)} MB | ${b?.rssMb.toFixed(1)} MB | ${b && a ? (b.rssMb - a.rssMb).toFixed(1) : '—'} MB |`);
    }
    console.log(`\nLoad average at the end: ${load()}.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.allSettled([ingestion.close(), bed.close(), azurite.stop()]);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
