/**
 * GET /api/health against the real test bed: Azurite for storage, the fake managed identity for
 * tokens, the real runtime and handler. Each failing dependency is made to fail from outside the app
 * (a storage endpoint on a port nothing listens on, an identity endpoint that is stopped, a broken
 * targets file, a timer that stopped ticking) and the answer must be 503 naming that check, while the
 * others stay ok. The 24 h counts come from the timer heartbeat and the reactive schedules' histories.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthHandler } from '../../src/functions/health';
import { runtimeHealthDeps } from '../../src/health/probe';
import { createRuntime, type Runtime } from '../../src/runtime';
import { noTelemetry } from '../../src/telemetry';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { freePort } from '../support/freePort';

const NOW = new Date('2026-12-01T12:00:00Z');
const TARGETS = ['targets:', '  train:', '    pipeline_id: pp-health', '    experiment_name: health', ''].join('\n');
// One time-based and one reactive schedule (the reactive one's history feeds the 24 h counts).
const SCHEDULES = JSON.stringify({
  schedules: [
    { name: 'nightly', target: 'train', recurrence: { frequency: 'Day', interval: 1, time_of_day: '02:00' } },
    { name: 'on-landing', target: 'train', datastore: 'landing', path_on_datastore: 'incoming' },
  ],
});

let bed: AmlTestBed;
const dirs: string[] = [];

beforeAll(async () => {
  bed = await startAmlTestBed();
});

afterAll(async () => {
  await bed?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function appRoot(targets = TARGETS): string {
  const root = mkdtempSync(join(tmpdir(), 'health-'));
  dirs.push(root);
  writeFileSync(join(root, 'host.json'), '{}');
  mkdirSync(join(root, 'config', 'schedules'), { recursive: true });
  writeFileSync(join(root, 'config', 'pipelines.yaml'), targets);
  writeFileSync(join(root, 'config', 'schedules', 'all.json'), SCHEDULES);
  return root;
}

/** A runtime on Azurite and the fake identity; a fresh client id per runtime, so no token comes from MSAL's cache. */
function runtime(options: { env?: Record<string, string>; targets?: string } = {}): Runtime {
  return createRuntime({
    appRoot: appRoot(options.targets),
    telemetry: noTelemetry,
    env: {
      AzureWebJobsStorage: azuriteConnectionString(),
      SCHEDULE_STATE_CONTAINER: uniqueContainerName('health'),
      ...bed.env,
      AML_SUBSCRIPTION_ID: bed.workspace.subscriptionId,
      AML_RESOURCE_GROUP: bed.workspace.resourceGroup,
      AML_WORKSPACE_NAME: bed.workspace.workspaceName,
      AML_MANAGED_IDENTITY_CLIENT_ID: randomUUID(),
      HEALTH_CHECK_TIMEOUT_MS: '4000',
      ...options.env,
    },
  });
}

interface Answer {
  status: number;
  body: {
    status: string;
    checks: Record<string, { ok: boolean; code?: string; message?: string; [k: string]: unknown }>;
    last24h: { failedSubmissions: number | null; unknownOutcomes: number | null; note?: string };
  };
}

async function health(rt: Runtime, now = NOW): Promise<Answer> {
  const handler = createHealthHandler(() => ({ ...runtimeHealthDeps(rt), clock: () => now }));
  const response = await handler(
    new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }),
    new InvocationContext({ functionName: 'health' }),
  );
  return { status: response.status ?? 200, body: response.jsonBody as Answer['body'] };
}

async function ticked(rt: Runtime, at: Date, failed: { code: string }[] = [], unknown = 0): Promise<void> {
  await rt.scheduleStore.ensureContainer();
  const written = await rt.tickHeartbeat.record({
    now: at.toISOString(),
    durationMs: 12,
    failed: failed.map((error, i) => ({
      schedule: 'nightly',
      occurrence: `2026-12-01T0${i}:00:00Z`,
      trigger: 'schedule',
      attempts: 1,
      error: { code: error.code, message: 'x' },
    })),
    unknown: Array.from({ length: unknown }, (_, i) => ({
      schedule: 'hourly',
      occurrence: `2026-12-01T1${i}:00:00Z`,
      trigger: 'schedule',
      attempts: 1,
    })),
  });
  expect(written.ok).toBe(true);
}

const failing = (a: Answer): string[] =>
  Object.entries(a.body.checks)
    .filter(([, c]) => !c.ok)
    .map(([name]) => name);

describe('GET /api/health', () => {
  it('200 when every dependency answers, with the failed and unknown submissions of the last 24 h', async () => {
    const rt = runtime();
    await ticked(rt, new Date(NOW.getTime() - 25 * 3600_000), [{ code: 'aml.pipeline_not_found' }]); // older than 24 h: not counted
    await ticked(rt, new Date(NOW.getTime() - 3600_000), [
      { code: 'aml.pipeline_not_found' },
      { code: 'schedule.submit.outcome_unknown' },
    ]);
    await ticked(rt, new Date(NOW.getTime() - 30_000), [], 1); // a tick whose report lists an occurrence that became unknown
    const recordedAt = new Date(NOW.getTime() - 2 * 3600_000).toISOString();
    await rt.scheduleStore.history.append('on-landing', {
      trigger: 'blob',
      status: 'failed',
      error: { code: 'aml.forbidden', message: 'x' },
      recordedAt,
    });
    await rt.scheduleStore.history.append('on-landing', { trigger: 'blob', status: 'unknown', recordedAt });
    await rt.scheduleStore.history.append('on-landing', {
      trigger: 'blob',
      status: 'submitted',
      runId: 'r1',
      recordedAt,
    });

    const answer = await health(rt);
    expect(failing(answer), JSON.stringify(answer.body.checks)).toEqual([]);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('healthy');
    expect(answer.body.checks.timer).toMatchObject({
      ok: true,
      lastTickAt: new Date(NOW.getTime() - 30_000).toISOString(),
      ageSeconds: 30,
    });
    expect(answer.body.last24h).toMatchObject({ failedSubmissions: 2, unknownOutcomes: 3 });
    expect(JSON.stringify(answer.body)).not.toMatch(/AccountKey|fake-msi\.|Bearer/);
  });

  it('503 naming storage when the storage endpoint does not answer; the counts are then unknown', async () => {
    const dead = azuriteConnectionString().replace(/127\.0\.0\.1:\d+/g, `127.0.0.1:${await freePort()}`);
    const answer = await health(runtime({ env: { AzureWebJobsStorage: dead } }));
    expect(answer.status).toBe(503);
    expect(failing(answer)).toEqual(['storage', 'timer']);
    expect(answer.body.checks.storage?.code).toMatch(/^(storage\.|health\.timeout)/);
    expect(answer.body.checks.timer?.code).toBe('health.timer.unknown');
    expect(answer.body.last24h).toMatchObject({ failedSubmissions: null, unknownOutcomes: null });
  }, 30_000);

  it('503 naming both token checks when the managed identity endpoint refuses', async () => {
    // MSAL fixes the identity endpoint for the process at its first use, so the fault is injected at that
    // endpoint: it answers 400 (not retried by MSAL) to the next two requests, one per audience.
    const rt = runtime({ env: { AML_TOKEN_AUDIENCE: 'https://ml.azure.com' } });
    await ticked(rt, new Date(NOW.getTime() - 30_000));
    const before = bed.msi.requests.length;
    bed.msi.failNext(400, 2);
    const answer = await health(rt);
    expect(answer.status).toBe(503);
    expect(failing(answer)).toEqual(['amlToken', 'armToken']);
    expect(answer.body.checks.amlToken).toMatchObject({ code: 'aml.token' });
    expect(bed.msi.requests.slice(before).map((r) => r.status)).toEqual([400, 400]);
    expect(
      bed.msi.requests
        .slice(before)
        .map((r) => r.resource)
        .sort(),
    ).toEqual(['https://management.azure.com', 'https://ml.azure.com']);

    const recovered = await health(rt);
    expect(recovered.status).toBe(200);
  });

  it("503 naming the configuration when the targets file is broken, with the loader's problem", async () => {
    const rt = runtime({ targets: 'targets:\n  train: [unclosed\n' });
    await ticked(rt, new Date(NOW.getTime() - 30_000));
    const answer = await health(rt);
    expect(answer.status).toBe(503);
    expect(failing(answer)).toEqual(['configuration']);
    expect(answer.body.checks.configuration?.message).toMatch(/configuration problem/);
    expect(JSON.stringify(answer.body.checks.configuration?.problems)).toMatch(/pipelines\.yaml/);
  });

  it('503 naming the timer when it stopped ticking, or never ticked', async () => {
    const rt = runtime();
    await rt.scheduleStore.ensureContainer();
    const never = await health(rt);
    expect(failing(never)).toEqual(['timer']);
    expect(never.body.checks.timer?.code).toBe('health.timer.never');

    await ticked(rt, new Date(NOW.getTime() - 11 * 60_000));
    const stale = await health(rt);
    expect(stale.status).toBe(503);
    expect(failing(stale)).toEqual(['timer']);
    expect(stale.body.checks.timer).toMatchObject({
      code: 'health.timer.stale',
      ageSeconds: 660,
      staleAfterSeconds: 600,
    });

    const patient = await health(
      runtime({ env: { SCHEDULE_STATE_CONTAINER: rt.env.SCHEDULE_STATE_CONTAINER!, HEALTH_TICK_STALE_MINUTES: '15' } }),
    );
    expect(patient.status).toBe(200);
  });
});
