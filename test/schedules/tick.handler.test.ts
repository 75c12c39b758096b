/** The timer function's handler (real handler, real tick, Azurite, loopback Azure ML) and its tick schedule setting. */
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScheduleTimerHandler,
  DEFAULT_SCHEDULE_TICK_CRON,
  tickSchedule,
  type TickDepsProvider,
} from '../../src/functions/scheduleTimer';
import { ScheduleRegistry } from '../../src/schedules/registry';
import { DEFAULT_TICK_SETTINGS } from '../../src/schedules/tick';
import { MemoryTelemetry } from '../../src/telemetry';
import { newContainer, occurrencesOf, scheduleFile, startBed, storeFor, type Bed } from './scenarios/harness';

let bed: Bed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

function timer(isPastDue = false): Timer {
  return { isPastDue, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
}

function context(lines: string[]): InvocationContext {
  return new InvocationContext({
    functionName: 'scheduleTimer',
    invocationId: 'test',
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(' ')}`),
  });
}

function provider(container: string, files: ReturnType<typeof scheduleFile>): TickDepsProvider {
  const store = storeFor(container);
  const deps = {
    store,
    registry: new ScheduleRegistry({ store, files, clock: () => new Date('2026-06-01T00:00:00Z') }),
    client: bed.client(),
    targets: () => bed.targets,
    telemetry: new MemoryTelemetry(),
    settings: { ...DEFAULT_TICK_SETTINGS, owner: 'handler-test' },
  };
  return () => deps;
}

describe('scheduleTimer handler', () => {
  it("ticks at the clock's instant and writes one log line per occurrence to the invocation log", async () => {
    const container = await newContainer();
    const getDeps = provider(
      container,
      scheduleFile([
        {
          name: 'via-handler',
          target: 'train',
          recurrence: { frequency: 'Hour', interval: 1, start_time: '2026-06-01T00:00:00Z' },
        },
      ]),
    );
    let now = new Date('2026-06-01T00:00:00Z');
    const handler = createScheduleTimerHandler(getDeps, () => now);
    const lines: string[] = [];
    await handler(timer(), context(lines));
    now = new Date('2026-06-01T01:00:02Z');
    const report = await handler(timer(true), context(lines));
    expect(report.submitted).toHaveLength(1);
    expect(occurrencesOf(bed.aml, 'via-handler')).toEqual(['2026-06-01T01:00:00Z']);
    expect(lines.some((l) => l.startsWith('warning: schedule tick at 2026-06-01T01:00:02Z is past due'))).toBe(true);
    expect(lines).toContain(
      `information: schedule via-handler occurrence 2026-06-01T01:00:00Z submitted run ${report.submitted[0]!.runId} (attempt 1)`,
    );
  });

  it("fails the invocation when the schedule definitions cannot be loaded, with the loader's message", async () => {
    const container = await newContainer();
    const handler = createScheduleTimerHandler(
      provider(container, [
        {
          path: 'config/schedules/broken.json',
          text: '{"name": "x", "target": "train", "recurrence": {"frequency": "Daily", "interval": 1}}',
        },
      ]),
      () => new Date('2026-06-01T00:00:00Z'),
    );
    const lines: string[] = [];
    await expect(handler(timer(), context(lines))).rejects.toThrow(/broken\.json.*frequency/s);
    expect(
      lines.some((l) =>
        l.startsWith('error: schedule tick at 2026-06-01T00:00:00Z could not load the schedule definitions'),
      ),
    ).toBe(true);
  });
});

describe('SCHEDULE_TICK_CRON', () => {
  it('defaults to every minute; a six-field expression is used as given; anything else is refused with the setting named', () => {
    expect(tickSchedule({})).toBe(DEFAULT_SCHEDULE_TICK_CRON);
    expect(DEFAULT_SCHEDULE_TICK_CRON).toBe('0 */1 * * * *');
    expect(tickSchedule({ SCHEDULE_TICK_CRON: '0 */5 * * * *' })).toBe('0 */5 * * * *');
    expect(() => tickSchedule({ SCHEDULE_TICK_CRON: '*/5 * * * *' })).toThrow(/SCHEDULE_TICK_CRON.*six-field NCRONTAB/);
  });
});
