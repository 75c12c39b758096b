/**
 * A time schedule whose target is disabled (src/targets): its occurrences are skipped and recorded with
 * the reason, nothing reaches Azure ML, and enabling the target runs the next occurrence without
 * replaying the skipped ones. Disabling is refused while the target has active schedules, naming them,
 * unless withSchedules disables them too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleOperations } from '../../../src/schedules/operations';
import { TargetOperations } from '../../../src/targets/operations';
import { engine, newContainer, occurrencesOf, scheduleFile, startBed, type Bed, type Engine } from './harness';

let bed: Bed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

const hourly = (name: string): Record<string, unknown> => ({
  name,
  target: 'train',
  recurrence: { frequency: 'Hour', interval: 1, start_time: '2026-06-01T00:00:00Z' },
});

function operations(e: Engine): { targets: TargetOperations; schedules: ScheduleOperations } {
  const schedules = new ScheduleOperations({ registry: e.registry, store: e.store, targets: () => bed.targets });
  return {
    schedules,
    targets: new TargetOperations({ statuses: e.store.targets, schedules, targets: () => bed.targets }),
  };
}

describe('a disabled target', () => {
  it('is refused while its schedules are active; withSchedules disables them and says so', async () => {
    const e = engine(bed, { container: await newContainer(), files: scheduleFile([hourly('h1'), hourly('h2')]) });
    await e.tick('2026-06-01T00:00:00Z');
    const { targets } = operations(e);
    const now = new Date('2026-06-01T00:10:00Z');
    const refused = await targets.setStatus('train', 'Disabled', { now, by: 'alice' });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error).toMatchObject({ code: 'target.schedules.active', status: 409 });
    expect(refused.error.message).toContain('still has active schedules: h1, h2');
    expect(refused.error.message).toContain('--with-schedules / ?withSchedules=true');
    expect(await e.store.targets.statuses()).toEqual({}); // nothing changed

    const done = await targets.setStatus('train', 'Disabled', {
      now,
      by: 'alice',
      reason: 'retired',
      withSchedules: true,
    });
    expect(done.ok && done.value).toMatchObject({
      status: 'Disabled',
      changed: true,
      schedulesDisabled: ['h1', 'h2'],
      statusChange: { status: 'Disabled', changedBy: 'alice', changedAt: '2026-06-01T00:10:00Z', reason: 'retired' },
    });
    expect((await targets.list()).find((t) => t.name === 'train')).toEqual({
      name: 'train',
      status: 'Disabled',
      statusChange: { status: 'Disabled', changedBy: 'alice', changedAt: '2026-06-01T00:10:00Z', reason: 'retired' },
      schedules: [
        { name: 'h1', status: 'Disabled' },
        { name: 'h2', status: 'Disabled' },
      ],
    });
  }, 60_000);

  it('its time schedule skips the occurrence with the reason in history; enabling runs the next one, none replayed', async () => {
    const e = engine(bed, { container: await newContainer(), files: scheduleFile([hourly('skips')]) });
    await e.tick('2026-06-01T00:00:00Z');
    const { targets, schedules } = operations(e);
    expect(
      (
        await targets.setStatus('train', 'Disabled', {
          now: new Date('2026-06-01T00:20:00Z'),
          by: 'alice',
          reason: 'retired',
          withSchedules: true,
        })
      ).ok,
    ).toBe(true);
    // The schedule is switched back on by hand while its target stays disabled.
    expect((await schedules.setEnabled('skips', true, new Date('2026-06-01T00:30:00Z'))).ok).toBe(true);

    const skipped = await e.tick('2026-06-01T01:00:05Z');
    expect(skipped.errors).toEqual([]);
    expect(skipped.submitted).toEqual([]);
    expect(skipped.skipped).toEqual([
      { schedule: 'skips', count: 1, first: '2026-06-01T01:00:00Z', last: '2026-06-01T01:00:00Z' },
    ]);
    expect(occurrencesOf(bed.aml, 'skips')).toEqual([]);
    const [entry] = await e.store.history.entries('skips');
    expect(entry).toMatchObject({ occurrence: '2026-06-01T01:00:00Z', status: 'skipped' });
    expect(entry!.detail).toContain('Target "train" is disabled (by alice at 2026-06-01T00:20:00Z: retired)');
    expect(
      e.lines.some((l) =>
        l.startsWith('warn: schedule skips occurrence 2026-06-01T01:00:00Z skipped: Target "train" is disabled'),
      ),
    ).toBe(true);
    // Ticks while disabled change nothing more.
    expect((await e.tick('2026-06-01T01:00:35Z')).skipped).toEqual([]);

    const enabled = await targets.setStatus('train', 'Active', { now: new Date('2026-06-01T01:30:00Z'), by: 'bob' });
    expect(enabled.ok && enabled.value).toMatchObject({ status: 'Active', changed: true, schedulesStillDisabled: [] });
    await e.tick('2026-06-01T01:30:05Z');
    expect(occurrencesOf(bed.aml, 'skips')).toEqual([]); // 01:00 is not replayed
    const next = await e.tick('2026-06-01T02:00:05Z');
    expect(next.submitted.map((s) => s.occurrence)).toEqual(['2026-06-01T02:00:00Z']);
    await e.tick('2026-06-01T03:00:05Z');
    expect(occurrencesOf(bed.aml, 'skips')).toEqual(['2026-06-01T02:00:00Z', '2026-06-01T03:00:00Z']);
    expect((await e.store.history.entries('skips')).map((h) => `${h.occurrence} ${h.status}`)).toEqual([
      '2026-06-01T03:00:00Z submitted',
      '2026-06-01T02:00:00Z submitted',
      '2026-06-01T01:00:00Z skipped',
    ]);
  }, 60_000);
});
