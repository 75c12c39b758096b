/**
 * Exactly once under failure: a restart between claim and submit, two timer instances ticking at once,
 * duplicate ticks, and a crash while the request is in flight (the documented residual case).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineClient } from '../../../src/aml/types';
import {
  engine,
  MINUTE,
  newContainer,
  occurrencesOf,
  runsOf,
  scheduleFile,
  series,
  startBed,
  ticks,
  type Bed,
} from './harness';

let bed: Bed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

const every15 = (name: string): Record<string, unknown> => ({
  name,
  target: 'train',
  recurrence: { frequency: 'Minute', interval: 15, start_time: '2026-06-01T00:00:00Z' },
});

class ProcessDied extends Error {}

describe('a restart between claim and submit', () => {
  it('the claim (written with its submittingAt) is resolved by a look-up by key, not resent blindly: no run carries the key, so it is submitted once, late but not lost', async () => {
    const container = await newContainer();
    const files = scheduleFile([every15('restart')]);
    const dying = engine(bed, {
      container,
      files,
      afterClaim: (_schedule, occurrence) => {
        if (occurrence.toISOString() === '2026-06-01T00:30:00.000Z')
          throw new ProcessDied('the process died after claiming');
      },
    });
    await dying.tick('2026-06-01T00:00:00Z');
    for (const now of ticks('2026-06-01T00:00:00Z', '2026-06-01T00:30:00Z', MINUTE)) await dying.tick(now);
    expect(occurrencesOf(bed.aml, 'restart')).toEqual(['2026-06-01T00:15:00Z']); // 00:30 claimed, never sent

    // A new instance (new objects, same storage) carries on.
    const restarted = engine(bed, { container, files, settings: { claimTimeoutMs: 2 * MINUTE } });
    const submittedAt: Record<string, string> = {};
    for (const now of ticks('2026-06-01T00:30:00Z', '2026-06-01T01:30:00Z', MINUTE)) {
      for (const s of (await restarted.tick(now)).submitted) submittedAt[s.occurrence] = now.toISOString();
    }
    expect(occurrencesOf(bed.aml, 'restart')).toEqual(series('2026-06-01T00:15:00Z', 15 * MINUTE, 6));
    // The claim (made at 00:30:0x with its submittingAt) cannot tell "stopped before sending" from
    // "stopped mid-request": after the submit deadline (30 s) plus the 2-minute claim timeout the run is
    // looked up by its key, none is found, and only then is the occurrence sent.
    expect(Date.parse(submittedAt['2026-06-01T00:30:00Z']!)).toBeGreaterThanOrEqual(Date.parse('2026-06-01T00:32:30Z'));
    expect(Date.parse(submittedAt['2026-06-01T00:30:00Z']!)).toBeLessThan(Date.parse('2026-06-01T00:34:00Z'));
    const resolved = restarted.lines.filter((l) =>
      l.startsWith(
        'warn: schedule restart occurrence 2026-06-01T00:30:00Z: the app stopped while submitting this occurrence',
      ),
    );
    expect(resolved).toEqual([expect.stringContaining('so none was created: submitting it again')]);
    const history = await restarted.store.history.entries('restart');
    expect(history.filter((h) => h.occurrence === '2026-06-01T00:30:00Z')).toEqual([
      expect.objectContaining({ status: 'submitted', attempts: 2, trigger: 'retry' }),
    ]);
  }, 60_000);
});

describe('concurrency', () => {
  it('two timer instances ticking at the same instants submit every occurrence once', async () => {
    const container = await newContainer();
    const files = scheduleFile(['c1', 'c2', 'c3', 'c4', 'c5'].map(every15));
    const a = engine(bed, { container, files });
    const b = engine(bed, { container, files });
    await Promise.all([a.tick('2026-06-01T00:00:00Z'), b.tick('2026-06-01T00:00:00Z')]);
    for (const now of ticks('2026-06-01T00:00:00Z', '2026-06-01T03:00:00Z', MINUTE)) {
      const [ra, rb] = await Promise.all([a.tick(now), b.tick(now)]);
      expect([...ra.errors, ...rb.errors]).toEqual([]);
    }
    for (const name of ['c1', 'c2', 'c3', 'c4', 'c5'])
      expect(occurrencesOf(bed.aml, name), name).toEqual(series('2026-06-01T00:15:00Z', 15 * MINUTE, 12));
  }, 90_000);

  it('duplicate ticks (the same instant, at once and again) submit every occurrence once', async () => {
    const container = await newContainer();
    const e = engine(bed, { container, files: scheduleFile([every15('dup')]) });
    await e.tick('2026-06-01T00:00:00Z');
    for (const now of ticks('2026-06-01T00:00:00Z', '2026-06-01T01:00:00Z', MINUTE)) {
      await Promise.all([e.tick(now), e.tick(now), e.tick(now)]);
      await e.tick(now);
    }
    expect(occurrencesOf(bed.aml, 'dup')).toEqual(series('2026-06-01T00:15:00Z', 15 * MINUTE, 4));
    expect((await e.store.history.entries('dup')).filter((h) => h.status === 'submitted')).toHaveLength(4);
  }, 60_000);
});

describe('a crash while the request is in flight', () => {
  function dyingClient(real: PipelineClient, sends: boolean): PipelineClient {
    return {
      async submit(target, body, options) {
        // The request reaches Azure ML (or not), then the process dies before it reads the answer.
        if (sends) await real.submit(target, body, options);
        throw new ProcessDied('the process died before the response was read');
      },
      findRun: (target, query, options) => real.findRun(target, query, options),
    };
  }

  it('the request had reached Azure ML: the run is found by its key and recorded with its run id, never submitted again', async () => {
    const container = await newContainer();
    const files = scheduleFile([every15('inflight')]);
    const dying = engine(bed, { container, files, client: dyingClient(bed.client(), true) });
    await dying.tick('2026-06-01T00:00:00Z');
    await dying.tick('2026-06-01T00:15:02Z');
    expect(occurrencesOf(bed.aml, 'inflight')).toEqual(['2026-06-01T00:15:00Z']);
    const runId = runsOf(bed.aml, 'inflight')[0]?.runId;

    const restarted = engine(bed, {
      container,
      files,
      settings: { claimTimeoutMs: 2 * MINUTE, submitDeadlineMs: 30_000 },
    });
    for (const now of ticks('2026-06-01T00:15:00Z', '2026-06-01T00:45:00Z', MINUTE)) await restarted.tick(now);
    // 00:15 was sent once and never again; later occurrences run normally.
    expect(occurrencesOf(bed.aml, 'inflight')).toEqual([
      '2026-06-01T00:15:00Z',
      '2026-06-01T00:30:00Z',
      '2026-06-01T00:45:00Z',
    ]);
    const entry = (await restarted.store.history.entries('inflight')).find(
      (h) => h.occurrence === '2026-06-01T00:15:00Z',
    );
    expect(entry).toMatchObject({
      status: 'submitted',
      runId,
      detail: expect.stringContaining('found in Azure ML by its key'),
    });
    expect(
      restarted.telemetry.events.find(
        (ev) => ev.name === 'ScheduleOccurrenceSubmitted' && ev.properties.occurrence === '2026-06-01T00:15:00Z',
      )?.properties,
    ).toMatchObject({ runId, reconciled: 'true' });
    expect((await restarted.store.states.get('inflight'))?.state.pending).toEqual([]);
  }, 60_000);

  it('the request had not reached Azure ML: the look-up finds no run, so it is submitted (once, late)', async () => {
    const container = await newContainer();
    const files = scheduleFile([every15('notsent')]);
    const dying = engine(bed, { container, files, client: dyingClient(bed.client(), false) });
    await dying.tick('2026-06-01T00:00:00Z');
    await dying.tick('2026-06-01T00:15:02Z');
    expect(occurrencesOf(bed.aml, 'notsent')).toEqual([]);

    const restarted = engine(bed, {
      container,
      files,
      settings: { claimTimeoutMs: 2 * MINUTE, submitDeadlineMs: 30_000 },
    });
    for (const now of ticks('2026-06-01T00:15:00Z', '2026-06-01T00:31:00Z', MINUTE)) await restarted.tick(now);
    expect(occurrencesOf(bed.aml, 'notsent')).toEqual(['2026-06-01T00:15:00Z', '2026-06-01T00:30:00Z']);
    expect(
      restarted.lines.some(
        (l) =>
          l.startsWith('warn: schedule notsent occurrence 2026-06-01T00:15:00Z: the app stopped while submitting') &&
          l.includes('so none was created: submitting it again'),
      ),
    ).toBe(true);
    expect(
      (await restarted.store.history.entries('notsent')).find((h) => h.occurrence === '2026-06-01T00:15:00Z'),
    ).toMatchObject({ status: 'submitted', trigger: 'retry' });
  }, 60_000);
});
