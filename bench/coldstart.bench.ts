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
 * the fakes) and the rest (first-use set-up). Then the resident set and heap after start and after
 * 1,000, 2,000 and 3,000 more submissions.
 *
 *   npm run bench -- coldstart
 *   npm run bench -- coldstart --runs 9
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAmlTestBed } from '../test/support/amlTestBed';
import { appBedSchedulesYaml } from '../test/support/appBedFiles';
import { connectionStringFor, startAzurite } from '../test/support/azuriteProcess';
import { startFakeIngestion } from '../test/support/fakeIngestion';
import { hostTriggerMetadata, upload } from '../test/reactive/support';
import { ensureBuilt, loadApp } from '../test/support/registration';
import { runApp, type RunAppJob, type RunAppResult } from '../test/support/runApp';

const ROOT = resolve(__dirname, '..');
const TRAIN_ID = 'aaaaaaaa-0000-4000-8000-00000000c001';
const SCORE_ID = 'aaaaaaaa-0000-4000-8000-00000000c002';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v)} ms`);
const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(', ');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } }, allowPositionals: true });
  const runs = Number(values.runs);
  await ensureBuilt(ROOT);
  const loadBefore = load();

  const azurite = await startAzurite();
  const storage = connectionStringFor(azurite.blobEndpoint);
  const bed = await startAmlTestBed();
  bed.aml.addPipeline({ id: TRAIN_ID, kind: 'published', workspace: bed.workspace, parameters: ['epochs', 'mode'] });
  bed.aml.addPipeline({
    id: SCORE_ID,
    kind: 'published',
    workspace: bed.workspace,
    dataPathParameters: ['input_data'],
  });
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
      [
        'targets:',
        '  train:',
        `    pipeline_id: ${TRAIN_ID}`,
        '    experiment_name: train',
        '    parameters: { epochs: 10, mode: full }',
        '  score:',
        `    pipeline_id: ${SCORE_ID}`,
        '    experiment_name: score',
      ].join('\n'),
    );
    writeFileSync(join(appDir, 'schedules', 'app.yaml'), appBedSchedulesYaml(dataContainer));
    const service = BlobServiceClient.fromConnectionString(storage);
    await service.getContainerClient(dataContainer).create();
    const blob = await upload(service, dataContainer, 'in/2026-03-01.csv', 'a,b\n1,2\n');
    const triggerMetadata = await hostTriggerMetadata(blob, dataContainer, 'in/2026-03-01.csv');

    let stateCounter = 0;
    const settings = (telemetry: boolean): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
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
      ...(telemetry
        ? {
            APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
            APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true',
          }
        : {}),
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

    const child = (job: RunAppJob, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<RunAppResult> =>
      runApp(job, { env, cwd: appDir, nodeArgs });

    // The blob function's name depends on the container (src/reactive/registration.ts): read it from a load.
    const registered = await loadApp({ env: settings(false) });
    const blobFunction = registered.functions.find((f) =>
      Object.values(f.bindings).some((b) => b.type === 'blobTrigger'),
    )?.name;
    if (!blobFunction) throw new Error('the bench app registered no blob trigger');

    type Scenario = { name: string; telemetry: boolean; job: RunAppJob };
    const scenarios: Scenario[] = [{ name: 'bare', telemetry: false, job: { bare: true } }];
    for (const telemetry of [false, true]) {
      scenarios.push({ name: 'start', telemetry, job: { startTelemetry: telemetry, terminate: telemetry } });
      scenarios.push({
        name: 'http',
        telemetry,
        job: { invoke: invocations.http, startTelemetry: telemetry, terminate: telemetry },
      });
      scenarios.push({
        name: 'tick',
        telemetry,
        job: { invoke: invocations.tick, startTelemetry: telemetry, terminate: telemetry },
      });
      scenarios.push({
        name: 'blob',
        telemetry,
        job: {
          invoke: { ...invocations.blob, function: blobFunction },
          startTelemetry: telemetry,
          terminate: telemetry,
        },
      });
    }
    const results = new Map<Scenario, RunAppResult[]>(scenarios.map((s) => [s, []]));
    const ingested = new Map<Scenario, number[]>(scenarios.map((s) => [s, []]));
    for (let r = 0; r < runs; r++) {
      for (const s of scenarios) {
        const before = ingestion.items.length;
        const result = await child(s.job, settings(s.telemetry));
        if (result.invocation?.error)
          throw new Error(
            `${s.name}: the first invocation failed: ${result.invocation.error}\n${result.invocation.logs.join('\n')}`,
          );
        results.get(s)!.push(result);
        ingested.get(s)!.push(ingestion.items.length - before);
      }
      process.stderr.write(`run ${r + 1}/${runs} done\n`);
    }

    const bareXs = results.get(scenarios[0]!)!;
    const bare = median(bareXs.map((x) => x.loadMs));
    const bareCpu = median(bareXs.map((x) => x.loadCpuMs));
    console.log(
      `Cold start, fresh process per figure, medians of ${runs} (${cpus().length} cores; load average before ${loadBefore}, after ${load()}).`,
    );
    console.log(`Wall time, with the process's own CPU time in brackets (what it spent whatever the machine's load).`);
    console.log(
      `Reference, require('@azure/functions') alone (a bare function app): ${ms(bare)} (${ms(bareCpu)} CPU).\n`,
    );
    console.log(
      '| what | telemetry | load | appStart hooks | load + appStart − bare | first answer | its module loading | its set-up | its network waits | SDK load after the answer | items ingested |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const s of scenarios.slice(1)) {
      const xs = results.get(s)!;
      const m = (f: (x: RunAppResult) => number | undefined): number =>
        median(xs.map(f).filter((v): v is number => v !== undefined));
      const both = (wall: number, cpu: number): string => `${ms(wall)} (${ms(cpu)})`;
      const loadMs = m((x) => x.loadMs);
      const loadCpu = m((x) => x.loadCpuMs);
      const appStart = m((x) => x.appStartMs);
      const appStartCpu = m((x) => x.appStartCpuMs);
      const started = s.name === 'start';
      const label = started
        ? 'start only'
        : s.name === 'http'
          ? 'HTTP submit'
          : s.name === 'tick'
            ? 'timer tick'
            : 'blob event';
      console.log(
        `| ${label} | ${s.telemetry ? 'on' : 'off'} | ${both(loadMs, loadCpu)} | ${both(appStart, appStartCpu)} | ${both(loadMs + appStart - bare, loadCpu + appStartCpu - bareCpu)} | ${
          started
            ? '—'
            : both(
                m((x) => x.invocation?.totalMs),
                m((x) => x.invocation?.cpuMs),
              )
        } | ${started ? '—' : ms(m((x) => x.invocation?.moduleLoadMs))} | ${started ? '—' : ms(m((x) => x.invocation?.setupMs))} | ${started ? '—' : ms(m((x) => x.invocation?.networkMs))} | ${
          s.telemetry
            ? both(
                m((x) => x.telemetrySdkLoad?.wallMs),
                m((x) => x.telemetrySdkLoad?.cpuMs),
              )
            : '—'
        } | ${s.telemetry ? median(ingested.get(s)!) : '—'} |`,
      );
    }
    const last = (name: string, telemetry: boolean): RunAppResult =>
      results.get(scenarios.find((s) => s.name === name && s.telemetry === telemetry)!)!.at(-1)!;
    console.log('\nPackages loaded at start-up (telemetry on):', last('start', true).packagesAtStart?.join(', '));
    for (const name of ['http', 'tick', 'blob']) {
      const r = last(name, true);
      const added = (r.packagesAtFirstAnswer ?? []).filter((p) => !(r.packagesAtStart ?? []).includes(p));
      console.log(
        `Loaded by the first ${name} answer: ${added.join(', ') || 'nothing'}; applicationinsights loaded before the answer: ${(r.packagesAtFirstAnswer ?? []).includes('applicationinsights') ? 'YES' : 'no'}`,
      );
    }

    console.log('\nMemory, HTTP submissions in one fresh process, after GC: resident set (heap used).');
    console.log('| telemetry | after start | after the 1st + 1,000 | + 2,000 | + 3,000 | growth over the last 2,000 |');
    console.log('|---|---|---|---|---|---|');
    for (const telemetry of [false, true]) {
      const r = await child(
        { invoke: invocations.http, repeat: 1000, startTelemetry: false, terminate: telemetry },
        settings(telemetry),
        ['--expose-gc'],
      );
      const points = r.rss ?? [];
      const mb = (rss: number | undefined, heap: number | undefined): string =>
        `${rss?.toFixed(1)} MB (${heap?.toFixed(1)} MB)`;
      const first = points[0];
      const lastPoint = points.at(-1);
      console.log(
        `| ${telemetry ? 'on' : 'off'} | ${mb(r.rssAfterStartMb, r.heapUsedAfterStartMb)} | ${points.map((p) => mb(p.rssMb, p.heapUsedMb)).join(' | ')} | ${first && lastPoint ? mb(lastPoint.rssMb - first.rssMb, lastPoint.heapUsedMb - first.heapUsedMb) : '—'} |`,
      );
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
