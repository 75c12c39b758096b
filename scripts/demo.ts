/**
 * `npm run demo`: the app's main job on this machine in two minutes, without Azure, the Functions host or
 * Core Tools (needs only `npm ci`; run by tsx from the TypeScript sources).
 *
 *   1. starts Azurite (the npm package; its data in a temporary folder) as the app's Blob Storage, and a
 *      loopback stand-in for Azure ML: the test bed's fake Azure ML with its fake managed identity and
 *      fake ARM (test/support). Every line about them is labelled `[fake ...]`: they are not Azure;
 *   2. applies demo/schedules.yaml (a schedule every minute on target demo-train, and a reactive one on
 *      demo-data/incoming) with `aml-triggers schedules apply`, against demo/pipelines.yaml;
 *   3. runs `aml-triggers tick --watch`: the timer function's own tick, at every whole minute;
 *   4. after a few seconds uploads demo/sales.csv into demo-data/incoming and runs `aml-triggers blob` on it
 *      (the reactive path, with the blob handled as the blob trigger would, without Event Grid);
 *   5. prints each run the fake Azure ML receives, and on Ctrl+C (or after --for) the schedules' history
 *      and a count of the runs, then stops everything it started and removes its temporary folders.
 *
 * The app's commands run in this process through the CLI's main(), from a temporary app folder (no
 * local.settings.json is read), with settings the demo sets (your environment's storage, Azure ML and
 * Application Insights settings are not used).
 *
 * Options: --for DURATION (stop by itself, e.g. 90s, 2m), --tick-interval SECONDS (tick every SECONDS
 * instead of each whole minute), --upload-after SECONDS (default 5).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { main, type CliIo } from '../src/cli/main';
import { startAmlTestBed, type AmlTestBed } from '../test/support/amlTestBed';
import { startAzurite, type RunningAzurite } from '../test/support/azuriteProcess';

const ROOT = resolve(__dirname, '..');
const DEMO = join(ROOT, 'demo');
const DATA_CONTAINER = 'demo-data';
const WORKSPACE = {
  subscriptionId: '0d3e0000-0000-4000-8000-0000000000aa',
  resourceGroup: 'rg-demo',
  workspaceName: 'mlw-demo',
};
const PIPELINES = [
  { id: '0d3e0000-0000-4000-8000-00000000de01', parameters: ['epochs', 'learning_rate'] },
  { id: '0d3e0000-0000-4000-8000-00000000de02', dataPathParameters: ['input_data'] },
];
const FAKE_AML = '[fake Azure ML]';

function say(line: string): void {
  process.stdout.write(`[demo] ${line}\n`);
}

/** `90s`, `2m`, `1m30s` or plain seconds → milliseconds. */
function duration(text: string, option: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(text.trim());
  const ms = m && (m[1] || m[2]) ? (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 1000 : NaN;
  if (!(ms > 0)) throw new Error(`${option} is ${JSON.stringify(text)}; give a duration such as 90s, 2m or 1m30s.`);
  return ms;
}

function options(): { forMs?: number; tickIntervalSeconds?: string; uploadAfterMs: number } {
  const { values } = parseArgs({
    options: { for: { type: 'string' }, 'tick-interval': { type: 'string' }, 'upload-after': { type: 'string' } },
    strict: true,
  });
  return {
    ...(values.for !== undefined ? { forMs: duration(values.for, '--for') } : {}),
    ...(values['tick-interval'] !== undefined ? { tickIntervalSeconds: values['tick-interval'] } : {}),
    uploadAfterMs: values['upload-after'] !== undefined ? duration(values['upload-after'], '--upload-after') : 5000,
  };
}

/** Runs `aml-triggers <argv>` in this process, its output labelled with the command. */
function cli(env: Record<string, string>, signal?: AbortSignal): (...argv: string[]) => Promise<number> {
  return (...argv) => {
    const label = `[aml-triggers ${argv[0] === 'schedules' ? `schedules ${argv[1] ?? ''}` : (argv[0] ?? '')}]`;
    const print = (line: string): void =>
      void process.stdout.write(`${label} ${line.replace(/^aml-triggers [a-z-]+: /, '')}\n`);
    const io: CliIo = {
      stdout: print,
      stderr: print,
      env,
      cwd: process.cwd(),
      now: () => new Date(),
      ...(signal ? { signal } : {}),
    };
    return main(argv, io);
  };
}

/** Prints, labelled as the fake, each request the fake Azure ML answered and each run it started. */
function watchFake(bed: AmlTestBed): {
  poll(): void;
  counts(): { scheduled: number; reactive: number; other: number };
} {
  let attempts = 0;
  let submissions = 0;
  const poll = (): void => {
    for (; attempts < bed.aml.attempts.length; attempts++) {
      const a = bed.aml.attempts[attempts]!;
      if (a.outcome !== 200)
        process.stdout.write(
          `${FAKE_AML} ${a.method} ${a.path.replace(/^\/pipelines\/v1\.0\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices/, '…')} answered ${String(a.outcome)}\n`,
        );
    }
    for (; submissions < bed.aml.submissions.length; submissions++) {
      const s = bed.aml.submissions[submissions]!;
      const tags = (s.body.Tags ?? {}) as Record<string, string>;
      const why =
        tags['aml-triggers.trigger'] === 'blob'
          ? `for blob (schedule ${tags['aml-triggers.schedule'] ?? '?'})`
          : tags['aml-triggers.schedule']
            ? `occurrence ${tags['aml-triggers.occurrence'] ?? '?'} of schedule ${tags['aml-triggers.schedule']} (trigger ${tags['aml-triggers.trigger'] ?? '?'})`
            : 'submitted directly';
      const data =
        s.body.DataPathAssignments && Object.keys(s.body.DataPathAssignments).length
          ? `, data paths ${JSON.stringify(s.body.DataPathAssignments)}`
          : '';
      process.stdout.write(
        `${FAKE_AML} started run ${s.runId} of pipeline ${s.pipeline.id}: ${why}, experiment ${String(s.body.ExperimentName)}, parameters ${JSON.stringify(s.body.ParameterAssignments ?? {})}${data}\n`,
      );
    }
  };
  const counts = () => {
    const trigger = (s: (typeof bed.aml.submissions)[number]) =>
      ((s.body.Tags ?? {}) as Record<string, string>)['aml-triggers.trigger'];
    const all = bed.aml.submissions;
    const reactive = all.filter((s) => trigger(s) === 'blob').length;
    const scheduled = all.filter((s) => ['schedule', 'catch_up', 'retry'].includes(trigger(s) ?? '')).length;
    return { scheduled, reactive, other: all.length - scheduled - reactive };
  };
  return { poll, counts };
}

async function run(): Promise<number> {
  const opts = options();
  const temp = mkdtempSync(join(tmpdir(), 'aml-triggers-demo-'));
  const started: { azurite?: RunningAzurite; bed?: AmlTestBed } = {};
  const stop = new AbortController();
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(130); // a second Ctrl+C: do not wait for the clean-up
    stopping = true;
    say('stopping (the tick in progress finishes first) ...');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // 1. Azurite and the fake Azure ML side.
    const azuriteData = join(temp, 'azurite');
    mkdirSync(azuriteData);
    started.azurite = await startAzurite({ location: azuriteData });
    say(
      `Azurite (the Blob Storage emulator) is listening on ${started.azurite.blobEndpoint} (data in ${azuriteData}).`,
    );
    const bed = (started.bed = await startAmlTestBed({ workspace: WORKSPACE }));
    for (const p of PIPELINES) bed.aml.addPipeline({ ...p, kind: 'published', workspace: WORKSPACE });
    process.stdout.write(
      `${FAKE_AML} a loopback stand-in for Azure ML (not Azure) is listening on ${bed.aml.origin}, with published pipelines ${PIPELINES.map((p) => p.id).join(', ')} in workspace ${WORKSPACE.workspaceName}.\n`,
    );
    process.stdout.write(
      `[fake managed identity] issues tokens on ${bed.msi.endpoint}; [fake ARM] answers workspace look-ups on ${bed.arm.endpoint}.\n`,
    );

    // The app's settings, all set here; the commands run from an app folder without local.settings.json.
    const app = join(temp, 'app');
    mkdirSync(join(app, 'schedules'), { recursive: true });
    writeFileSync(join(app, 'host.json'), '{"version":"2.0"}');
    const env: Record<string, string> = {
      ...bed.env,
      AzureWebJobsStorage: started.azurite.connectionString,
      REACTIVE_STORAGE: started.azurite.connectionString,
      REACTIVE_CONTAINERS: DATA_CONTAINER,
      SCHEDULE_STATE_CONTAINER: 'aml-triggers',
      SCHEDULES_PATH: join(app, 'schedules'),
      AML_TARGETS_FILE: join(DEMO, 'pipelines.yaml'),
      AML_SUBSCRIPTION_ID: WORKSPACE.subscriptionId,
      AML_RESOURCE_GROUP: WORKSPACE.resourceGroup,
      AML_WORKSPACE_NAME: WORKSPACE.workspaceName,
    };
    process.chdir(app);
    const fake = watchFake(bed);
    const poller = setInterval(fake.poll, 250);
    const aml = cli(env);

    // 2. The sample schedules.
    say('applying demo/schedules.yaml (one schedule every minute, one reactive) ...');
    if ((await aml('schedules', 'apply', join(DEMO, 'schedules.yaml'))) !== 0)
      throw new Error('applying demo/schedules.yaml failed (see above).');
    await aml('schedules', 'list');

    // 3. The timer, as `aml-triggers tick --watch`.
    say(
      `ticking like the timer function ${opts.tickIntervalSeconds ? `every ${opts.tickIntervalSeconds} s` : 'at every whole minute'}; the every-minute schedule fires at the next whole minute. Ctrl+C stops the demo.`,
    );
    const watching = cli(env, stop.signal)(
      'tick',
      '--watch',
      ...(opts.tickIntervalSeconds ? ['--interval', opts.tickIntervalSeconds] : []),
    );

    // 4. A file lands: upload it and handle it as the blob trigger would.
    const upload = (async () => {
      if (!(await wait(opts.uploadAfterMs, stop.signal))) return;
      const name = `incoming/sales-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.csv`;
      const container = BlobServiceClient.fromConnectionString(env.AzureWebJobsStorage!).getContainerClient(
        DATA_CONTAINER,
      );
      await container.createIfNotExists();
      const content = readFileSync(join(DEMO, 'sales.csv'));
      await container
        .getBlockBlobClient(name)
        .upload(content, content.length, { blobHTTPHeaders: { blobContentType: 'text/csv' } });
      say(
        `uploaded demo/sales.csv as ${DATA_CONTAINER}/${name}; handling it as the blob trigger would (no Event Grid here): aml-triggers blob ${DATA_CONTAINER}/${name}`,
      );
      await aml('blob', `${DATA_CONTAINER}/${name}`);
      await aml('schedules', 'history', 'demo-on-upload');
    })();

    const timer =
      opts.forMs !== undefined
        ? setTimeout(() => {
            say(`${opts.forMs! / 1000} s are up.`);
            onSignal();
          }, opts.forMs)
        : undefined;
    const code = await watching;
    if (timer) clearTimeout(timer);
    stop.abort();
    await upload;
    fake.poll();
    clearInterval(poller);

    // 5. What happened.
    say('what happened:');
    await aml('schedules', 'history', 'demo-every-minute');
    await aml('schedules', 'history', 'demo-on-upload');
    const counts = fake.counts();
    say(
      `runs the fake Azure ML received: ${counts.scheduled} scheduled, ${counts.reactive} reactive${counts.other ? `, ${counts.other} other` : ''}.`,
    );
    return code;
  } catch (e) {
    process.stdout.write(`[demo] failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    process.chdir(ROOT);
    await started.bed?.close();
    await started.azurite?.stop();
    rmSync(temp, { recursive: true, force: true });
    say('stopped Azurite and the fakes, removed the temporary folders.');
  }
}

/** Resolves true after `ms`, false as soon as `signal` is aborted. */
function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((done) => {
    const t = setTimeout(() => done(true), ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        done(false);
      },
      { once: true },
    );
  });
}

run().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stdout.write(`[demo] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
