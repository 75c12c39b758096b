/**
 * One damaged blob stays local and heals (issue 9, "What was seen" 3): a corrupt definitions index,
 * state, history or claim, a deleted due marker, and a flood of unparseable markers each affect at most
 * their own schedule, are reported by name and blob, and the rest goes on. Real Azurite, real client
 * against the fake Azure ML; the damage is written straight into the container, as an operator or a
 * bad tool would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DUE_PREFIX,
  stateBlobName,
  historyBlobName,
  claimBlobName,
  DEFINITIONS_INDEX_BLOB,
} from '../../../src/schedules/blobNames';
import { formatDetail, formatList } from '../../../src/schedules/format';
import { mapLimit } from '../../../src/util/mapLimit';
import { ScheduleOperations } from '../../../src/schedules/operations';
import {
  engine,
  MINUTE,
  newContainer,
  occurrencesOf,
  scheduleFile,
  series,
  startBed,
  storeFor,
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

const every15 = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  target: 'train',
  recurrence: { frequency: 'Minute', interval: 15, start_time: '2026-06-01T00:00:00Z' },
  ...extra,
});

async function corrupt(container: string, blob: string, text = '{"truncated": '): Promise<void> {
  await storeFor(container).blobs.container.getBlockBlobClient(blob).upload(text, Buffer.byteLength(text));
}

describe('a corrupt definitions/index.json', () => {
  it('stops no file schedule; each applied one is reported unreadable by name and blob, kept (not removed), and runs again once the index is readable', async () => {
    const container = await newContainer();
    const e = engine(bed, { container, files: scheduleFile([every15('filed')]) });
    await e.tick('2026-06-01T00:00:00Z');
    const applied = await e.registry.apply(
      [{ path: 'applied.json', text: JSON.stringify([every15('applied')]) }],
      new Date('2026-06-01T00:00:30Z'),
    );
    expect(applied.ok).toBe(true);
    const good = await e.store.blobs.read(DEFINITIONS_INDEX_BLOB);
    await corrupt(container, DEFINITIONS_INDEX_BLOB);

    const fresh = engine(bed, { container, files: scheduleFile([every15('filed')]) }); // a new instance: nothing cached
    const report = await fresh.tick('2026-06-01T00:15:02Z');
    expect(report.submitted.map((s) => s.schedule)).toEqual(['filed']);
    expect(fresh.lines.filter((l) => l.startsWith('error: schedule applied:'))).toEqual([
      expect.stringContaining(`${container}/${DEFINITIONS_INDEX_BLOB} is not valid JSON`),
    ]);
    // Not mistaken for a removed definition: still enabled, still due.
    expect((await fresh.store.states.get('applied'))?.state).toMatchObject({
      enabled: true,
      nextDue: '2026-06-01T00:15:00Z',
    });
    // Applying while the index is unreadable says what is wrong instead of failing obscurely.
    const refused = await fresh.registry.apply(
      [{ path: 'more.json', text: JSON.stringify([every15('more')]) }],
      new Date('2026-06-01T00:16:00Z'),
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'schedule.definitions.unreadable', status: 409 } });

    // Healed: the index restored, the applied schedule runs (its missed 00:15 within the grace period).
    if (good.status !== 'found') throw new Error('setup');
    await fresh.store.blobs.upsert(DEFINITIONS_INDEX_BLOB, good.value);
    await fresh.tick('2026-06-01T00:16:00Z');
    expect(occurrencesOf(bed.aml, 'applied')).toEqual(['2026-06-01T00:15:00Z']);
    expect(occurrencesOf(bed.aml, 'filed')).toEqual(['2026-06-01T00:15:00Z']);
  }, 60_000);
});

describe('a corrupt state', () => {
  it('with a changed definition stops only its own schedule; the tick reports it by name', async () => {
    const container = await newContainer();
    const first = engine(bed, { container, files: scheduleFile([every15('healthy'), every15('broken')]) });
    await first.tick('2026-06-01T00:00:00Z');
    await corrupt(container, stateBlobName('broken'));
    // Deployed with an edited definition of the broken schedule: the sync must touch its state.
    const edited = engine(bed, {
      container,
      files: scheduleFile([every15('healthy'), every15('broken', { description: 'edited' })]),
    });
    const report = await edited.tick('2026-06-01T00:15:01Z');
    expect(report.submitted.map((s) => s.schedule)).toEqual(['healthy']);
    expect(report.errors).toContainEqual(expect.objectContaining({ schedule: 'broken', code: 'storage.blob.corrupt' }));
    expect(
      edited.lines.some((l) =>
        l.startsWith('error: schedule broken: not synced with its definition: storage.blob.corrupt'),
      ),
    ).toBe(true);
    expect(occurrencesOf(bed.aml, 'healthy')).toEqual(['2026-06-01T00:15:00Z']);
  }, 60_000);

  it('or history is listed as unreadable (blob and problem) by list, get and history, and the others are listed as usual', async () => {
    const container = await newContainer();
    const e = engine(bed, {
      container,
      files: scheduleFile([every15('fine'), every15('bad-state'), every15('bad-history')]),
    });
    await e.tick('2026-06-01T00:00:00Z');
    await e.tick('2026-06-01T00:15:01Z');
    await corrupt(container, stateBlobName('bad-state'), 'not json');
    await corrupt(container, historyBlobName('bad-history'), '{"name": "bad-history"}');
    const ops = new ScheduleOperations({ registry: e.registry, store: e.store });

    const list = await ops.list();
    const byName = new Map(list.map((s) => [s.name, s]));
    expect(list.map((s) => s.name)).toEqual(['fine', 'bad-state', 'bad-history']);
    expect(byName.get('fine')).toMatchObject({ status: 'Active', sync: 'synced', nextRun: '2026-06-01T00:30:00Z' });
    expect(byName.get('fine')?.stateError).toBeUndefined();
    expect(byName.get('bad-state')).toMatchObject({
      status: 'Disabled',
      sync: 'unreadable',
      stateError: {
        blob: `${container}/schedules/bad-state/state.json`,
        code: 'storage.blob.corrupt',
        message: expect.stringContaining('is not valid JSON'),
      },
    });
    expect(byName.get('bad-state')?.nextRun).toBeUndefined();
    // The timer keeps its last run in the state, so a bad history shows in get / history (below), not here.
    expect(formatList(list, false).find((l) => l.startsWith('bad-state'))).toContain('Disabled (UNREADABLE)');

    const detail = await ops.get('bad-state', { now: new Date('2026-06-01T00:20:00Z') });
    if (!detail.ok) throw new Error(detail.error.message);
    expect(detail.value).toMatchObject({
      sync: 'unreadable',
      stateError: { blob: `${container}/schedules/bad-state/state.json` },
      nextOccurrences: [],
    });
    expect(formatDetail(detail.value).join('\n')).toContain(
      `Unreadable:   ${container}/schedules/bad-state/state.json`,
    );

    const history = await ops.history('bad-history');
    // The blob is reported; the newest entries the state still holds (not yet filed into the blob) are shown.
    expect(history).toMatchObject({
      ok: true,
      value: {
        entries: [expect.objectContaining({ status: 'submitted', occurrence: '2026-06-01T00:15:00Z' })],
        stateError: {
          blob: `${container}/schedules/bad-history/history.json`,
          message: expect.stringContaining('is not a history document'),
        },
      },
    });
    const withHistory = await ops.get('bad-history', { now: new Date('2026-06-01T00:20:00Z') });
    expect(withHistory).toMatchObject({
      ok: true,
      value: { sync: 'synced', stateError: { blob: `${container}/schedules/bad-history/history.json` } },
    });
    expect((await ops.history('fine')).ok && (await ops.history('fine'))).toMatchObject({
      value: { entries: [expect.objectContaining({ status: 'submitted' })] },
    });
  }, 60_000);

  it('does not stop reindex: the others are repaired, the bad one is reported and its marker left alone', async () => {
    const container = await newContainer();
    const e = engine(bed, { container, files: scheduleFile([every15('a'), every15('b'), every15('c')]) });
    await e.tick('2026-06-01T00:00:00Z');
    const bMarker = (await e.store.states.get('b'))?.state.dueMarker;
    for (const name of ['a', 'c'])
      await e.store.blobs.deleteIfMatch((await e.store.states.get(name))!.state.dueMarker!);
    await corrupt(container, stateBlobName('b'));
    const result = await e.store.states.rebuildDueIndex(new Date('2026-06-01T00:01:00Z'), { orphanGraceMs: 0 });
    expect(result).toMatchObject({
      markersWritten: 2,
      orphansRemoved: 0,
      errors: [{ name: 'b', error: expect.objectContaining({ code: 'storage.blob.corrupt' }) }],
    });
    expect((await e.store.blobs.list(DUE_PREFIX)).map((m) => m.name)).toContain(bMarker);
    const report = await e.tick('2026-06-01T00:15:01Z');
    expect(report.submitted.map((s) => s.schedule).sort()).toEqual(['a', 'c']);
  }, 60_000);
});

describe('the due index heals', () => {
  it('a deleted marker is written again by the hourly pass (logged), and the schedule fires again', async () => {
    const container = await newContainer();
    const e = engine(bed, { container, files: scheduleFile([every15('lost')]) });
    await e.tick('2026-06-01T00:00:00Z');
    await e.store.blobs.deleteIfMatch((await e.store.states.get('lost'))!.state.dueMarker!);
    for (const now of ticks('2026-06-01T00:00:00Z', '2026-06-01T00:59:00Z', MINUTE)) await e.tick(now);
    expect(occurrencesOf(bed.aml, 'lost')).toEqual([]); // nobody looks at it without its marker
    for (const now of ticks('2026-06-01T00:59:00Z', '2026-06-01T01:31:00Z', MINUTE)) await e.tick(now);
    expect(e.lines).toContain(
      'warn: schedule lost: its due-index marker was missing (deleted by hand?); a new one was written, so it fires again',
    );
    // 00:15-00:45 were missed (skipped, in the history); 01:00 was still on time; then as usual.
    expect(occurrencesOf(bed.aml, 'lost')).toEqual(series('2026-06-01T01:00:00Z', 15 * MINUTE, 3));
    expect(
      (await e.store.history.entries('lost')).filter((h) => h.status === 'skipped').map((h) => h.occurrence),
    ).toEqual(['2026-06-01T00:45:00Z', '2026-06-01T00:30:00Z', '2026-06-01T00:15:00Z']);
  }, 120_000);

  it('1,000 unparseable markers neither fill the listing limit nor stop any schedule; they are removed and logged', async () => {
    const container = await newContainer();
    const e = engine(bed, { container, files: scheduleFile([every15('runs')]) });
    await e.tick('2026-06-01T00:00:00Z');
    // Names that sort before every real marker and are not markers (no valid instant; wrong depth).
    const junk = Array.from({ length: 1000 }, (_, i) =>
      i % 2 ? `${DUE_PREFIX}00000000T000000Z/junk/${i}` : `${DUE_PREFIX}0000-${String(i).padStart(4, '0')}`,
    );
    await mapLimit(junk, 32, (name) => e.store.blobs.upsert(name, {}));
    const report = await e.tick('2026-06-01T00:15:01Z');
    expect(report.submitted.map((s) => s.schedule)).toEqual(['runs']);
    expect(report.truncated).toBe(false);
    expect(e.lines.filter((l) => l.startsWith('warn: schedule due index: removed due/'))).toHaveLength(1000);
    expect((await e.store.blobs.list(DUE_PREFIX)).map((m) => m.name)).toEqual([
      (await e.store.states.get('runs'))!.state.dueMarker,
    ]);
  }, 120_000);
});

describe('a corrupt claim', () => {
  it('is resolved like a holder that crashed mid-request: reported with its blob, then looked up by its key before anything is sent', async () => {
    const container = await newContainer();
    const files = scheduleFile([every15('claimed')]);
    const dying = engine(bed, {
      container,
      files,
      afterClaim: () => {
        throw new Error('the process died after claiming');
      },
    });
    await dying.tick('2026-06-01T00:00:00Z');
    await dying.tick('2026-06-01T00:15:01Z');
    const blob = claimBlobName('claimed', '20260601T001500Z');
    await corrupt(container, blob, '\u0000\u0000garbage');

    const next = engine(bed, { container, files });
    const early = await next.tick('2026-06-01T00:16:00Z');
    expect(early.errors).toEqual([]); // not yet: the holder may still be submitting
    // Logged while it waits (the JSON parser's own words differ between Node versions).
    const waiting = next.lines.filter((l) =>
      l.startsWith(
        `warn: schedule claimed occurrence 2026-06-01T00:15:00Z: its claim ${blob} cannot be read (Blob ${container}/${blob} is not valid JSON`,
      ),
    );
    expect(waiting).toEqual([
      expect.stringMatching(
        /; fix or delete it\.\); resolved as a crashed submission at 2026-06-01T00:17:30Z unless repaired before$/,
      ),
    ]);
    const submittedAt: Record<string, string> = {};
    for (const now of ticks('2026-06-01T00:16:00Z', '2026-06-01T00:31:00Z', MINUTE)) {
      for (const s of (await next.tick(now)).submitted) submittedAt[s.occurrence] = now.toISOString();
    }
    // Nothing had been sent under the damaged claim: no run carries its key, so it is submitted, once, after the wait.
    expect(occurrencesOf(bed.aml, 'claimed')).toEqual(['2026-06-01T00:15:00Z', '2026-06-01T00:30:00Z']);
    expect(Date.parse(submittedAt['2026-06-01T00:15:00Z']!)).toBeGreaterThanOrEqual(Date.parse('2026-06-01T00:17:30Z'));
    const resolved = next.lines.filter((l) =>
      l.startsWith('warn: schedule claimed occurrence 2026-06-01T00:15:00Z: its claim blob'),
    );
    expect(resolved).toEqual([expect.stringContaining('so none was created: submitting it again')]);
    expect(
      (await next.store.history.entries('claimed')).find((h) => h.occurrence === '2026-06-01T00:15:00Z'),
    ).toMatchObject({ status: 'submitted' });
    expect((await next.store.states.get('claimed'))?.state.pending).toEqual([]);
  }, 60_000);
});
