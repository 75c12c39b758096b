/**
 * The timer heartbeat: the real timer handler, after a real tick on Azurite against the loopback Azure
 * ML, writes health/timer.json with the tick's time and its failed / unknown occurrences per UTC hour;
 * the hourly counts roll over 25 hours. (Read by GET /api/health: test/health/health.test.ts.)
 */
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduleTimerHandler, type TickDepsProvider } from '../../src/functions/scheduleTimer';
import { countsSince, TickHeartbeat, withTick } from '../../src/health/heartbeat';
import { ScheduleRegistry } from '../../src/schedules/registry';
import { DEFAULT_TICK_SETTINGS } from '../../src/schedules/tick';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { MemoryTelemetry } from '../../src/telemetry';
import { BlobServiceClient } from '@azure/storage-blob';
import { azuriteConnectionString } from '../support/azurite';
import { newContainer, scheduleFile, startBed, storeFor, type Bed } from '../schedules/scenarios/harness';

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => {
  await bed?.close();
});

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};
const context = (): InvocationContext =>
  new InvocationContext({ functionName: 'scheduleTimer', invocationId: 'hb', logHandler: () => undefined });
const failure = (code: string) => ({
  schedule: 's',
  occurrence: '2026-06-01T00:00:00Z',
  trigger: 'schedule' as const,
  attempts: 1,
  error: { code, message: 'x' },
});

describe('timer heartbeat', () => {
  it('the timer handler records each tick: its time, and a failed occurrence in its hour', async () => {
    const container = await newContainer();
    const store = storeFor(container);
    const targets = new Map(bed.targets);
    const train = bed.targets.get('train')!;
    targets.set('gone', { ...train, name: 'gone', pipeline: { kind: 'published', pipelineId: 'pp-does-not-exist' } });
    const files = scheduleFile([
      {
        name: 'ok',
        target: 'train',
        recurrence: { frequency: 'Hour', interval: 1, start_time: '2026-06-01T00:00:00Z' },
      },
      {
        name: 'broken',
        target: 'gone',
        recurrence: { frequency: 'Hour', interval: 1, start_time: '2026-06-01T00:00:00Z' },
      },
    ]);
    const deps = {
      store,
      registry: new ScheduleRegistry({ store, files, clock: () => new Date('2026-06-01T00:00:00Z') }),
      client: bed.client(),
      targets: () => targets,
      telemetry: new MemoryTelemetry(),
      settings: { ...DEFAULT_TICK_SETTINGS, owner: 'heartbeat-test' },
    };
    const provider: TickDepsProvider = () => deps;
    const heartbeat = new TickHeartbeat(
      BlobJsonStore.forContainer(BlobServiceClient.fromConnectionString(azuriteConnectionString()), container),
    );
    let now = new Date('2026-06-01T00:00:00Z');
    const handler = createScheduleTimerHandler(
      provider,
      () => now,
      () => heartbeat,
    );
    await handler(timer, context());
    expect((await heartbeat.read())?.lastTickAt).toBe('2026-06-01T00:00:00Z');

    now = new Date('2026-06-01T01:00:03Z');
    const report = await handler(timer, context());
    expect(report.failed.map((f) => f.schedule)).toEqual(['broken']);
    const doc = await heartbeat.read();
    expect(doc?.lastTickAt).toBe('2026-06-01T01:00:03Z');
    expect(doc?.hours[0]).toEqual({ hour: '2026-06-01T01', failed: 1, unknown: 0 });
  });

  it('the tick still succeeds when the heartbeat cannot be written, with a warning', async () => {
    const container = await newContainer();
    const store = storeFor(container);
    const deps = {
      store,
      registry: new ScheduleRegistry({ store, files: scheduleFile([]), clock: () => new Date('2026-06-01T00:00:00Z') }),
      client: bed.client(),
      targets: () => bed.targets,
      telemetry: new MemoryTelemetry(),
      settings: { ...DEFAULT_TICK_SETTINGS, owner: 'heartbeat-test' },
    };
    // A container that does not exist: the write fails with storage's own error.
    const heartbeat = new TickHeartbeat(
      BlobJsonStore.forContainer(
        BlobServiceClient.fromConnectionString(azuriteConnectionString()),
        `${container}-missing`,
      ),
    );
    const lines: string[] = [];
    const handler = createScheduleTimerHandler(
      () => deps,
      () => new Date('2026-06-01T00:00:00Z'),
      () => heartbeat,
    );
    await handler(
      timer,
      new InvocationContext({
        functionName: 'scheduleTimer',
        invocationId: 'hb',
        logHandler: (level, ...a) => lines.push(`${level}: ${a.join(' ')}`),
      }),
    );
    expect(
      lines.some((l) =>
        l.startsWith('warning: The timer heartbeat (health/timer.json) could not be written: storage.'),
      ),
    ).toBe(true);
  });

  it('counts per UTC hour: unknown outcomes apart from failures, 25 hours kept, a 24 h window summed', () => {
    let doc = withTick(undefined, {
      now: '2026-06-01T00:10:00Z',
      durationMs: 5,
      failed: [failure('aml.forbidden')],
      unknown: [],
    });
    doc = withTick(doc, {
      now: '2026-06-01T00:20:00Z',
      durationMs: 5,
      failed: [failure('schedule.submit.outcome_unknown'), failure('aml.pipeline_not_found')],
      unknown: [],
    });
    expect(doc.hours).toEqual([{ hour: '2026-06-01T00', failed: 2, unknown: 1 }]);
    for (let h = 1; h <= 30; h++)
      doc = withTick(doc, {
        now: new Date(Date.parse('2026-06-01T00:30:00Z') + h * 3600_000).toISOString(),
        durationMs: 5,
        failed: [failure('x')],
        unknown: [],
      });
    expect(doc.hours).toHaveLength(25);
    expect(doc.hours[0]!.hour).toBe('2026-06-02T06');
    expect(doc.lastTickAt).toBe('2026-06-02T06:30:00.000Z');
    // Hour granularity: the hour holding `since` counts whole (06:00-06:59 here), so a window covers 24-25 h.
    expect(countsSince(doc, new Date('2026-06-01T06:45:00Z'))).toEqual({ failed: 25, unknown: 0 });
    expect(countsSince(doc, new Date('2026-06-01T07:00:00Z'))).toEqual({ failed: 24, unknown: 0 });
    expect(countsSince(undefined, new Date())).toEqual({ failed: 0, unknown: 0 });
  });
});
