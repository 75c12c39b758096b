import { BlobServiceClient } from '@azure/storage-blob';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ScheduleDefinition } from '../../src/schedules/definition';
import { loadScheduleDefinitions } from '../../src/schedules/loadDefinitions';
import { occurrenceKey } from '../../src/schedules/instants';
import type { StateSnapshot } from '../../src/schedules/scheduleStates';
import { historyEntryOf } from '../../src/schedules/occurrenceClaims';
import { ScheduleStateStore } from '../../src/schedules/stateStore';
import type { HistoryEntry } from '../../src/schedules/stateTypes';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (iso: string): Date => new Date(iso);

function definition(schedule: Record<string, unknown>): ScheduleDefinition {
  const r = loadScheduleDefinitions([{ path: 'test.json', text: JSON.stringify(schedule) }], { now: T0 });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.definitions[0]!;
}

/** A daily schedule whose first occurrence is `start` (in the future of T0). */
function daily(name: string, start: string, extra: Record<string, unknown> = {}): ScheduleDefinition {
  return definition({ name, target: 't', recurrence: { frequency: 'Day', interval: 1, start_time: start }, ...extra });
}

let store: ScheduleStateStore;

async function newStore(
  options: ConstructorParameters<typeof ScheduleStateStore>[1] = {},
): Promise<ScheduleStateStore> {
  const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
  const s = new ScheduleStateStore(BlobJsonStore.forContainer(service, uniqueContainerName('state')), options);
  await s.ensureContainer();
  return s;
}

async function markers(s: ScheduleStateStore): Promise<string[]> {
  return (await s.blobs.list('due/')).map((b) => b.name);
}

function must(snapshot: StateSnapshot | undefined): StateSnapshot {
  if (!snapshot) throw new Error('no state');
  return snapshot;
}

beforeEach(async () => {
  store = await newStore();
});

describe('initialize', () => {
  it('creates the state once; the first nextDue is the first occurrence after now', async () => {
    const def = daily('a', '2026-01-01T06:00:00Z');
    const first = await store.states.initialize(def, T0);
    expect(first.status).toBe('created');
    expect(first.snapshot.state).toMatchObject({
      name: 'a',
      kind: 'time',
      enabled: true,
      nextDue: '2026-01-01T06:00:00Z',
      wakeAt: '2026-01-01T06:00:00Z',
      createdAt: '2026-01-01T00:00:00Z',
      definitionHash: def.hash,
      pending: [],
    });
    const again = await store.states.initialize(def, at('2026-01-05T00:00:00Z'));
    expect(again.status).toBe('exists');
    expect(again.snapshot.state.nextDue).toBe('2026-01-01T06:00:00Z');
    expect(await markers(store)).toHaveLength(1);
  });

  it('does not replay a start in the past', async () => {
    const snap = (await store.states.initialize(daily('past', '2025-06-01T06:00:00Z'), T0)).snapshot;
    expect(snap.state.nextDue).toBe('2026-01-01T06:00:00Z');
  });

  it('a Disabled definition is stored disabled, with nothing due and no marker', async () => {
    const snap = (await store.states.initialize(daily('off', '2026-01-01T06:00:00Z', { status: 'Disabled' }), T0))
      .snapshot;
    expect(snap.state.enabled).toBe(false);
    expect(snap.state.nextDue).toBeUndefined();
    expect(await markers(store)).toEqual([]);
  });

  it('concurrent initializations of one schedule create one state and one marker', async () => {
    const def = daily('race', '2026-01-01T06:00:00Z');
    const results = await Promise.all(Array.from({ length: 10 }, () => store.states.initialize(def, T0)));
    expect(results.filter((r) => r.status === 'created')).toHaveLength(1);
    expect(await markers(store)).toHaveLength(1);
    expect(must(await store.states.get('race')).state.dueMarker).toBe((await markers(store))[0]);
  });

  it('a reactive schedule has state (enabled, history) but is never due', async () => {
    const snap = (await store.states.initialize(definition({ name: 'r', target: 't', datastore: 'ds' }), T0)).snapshot;
    expect(snap.state).toMatchObject({ kind: 'reactive', enabled: true });
    expect(snap.state.nextDue).toBeUndefined();
    expect((await store.states.findDue(at('2030-01-01T00:00:00Z'))).due).toEqual([]);
  });
});

describe('findDue', () => {
  it('returns only the due schedules, earliest first, reading only their states', async () => {
    const defs = Array.from({ length: 30 }, (_, i) =>
      daily(`s${String(i).padStart(2, '0')}`, `2026-01-01T00:${String(i + 1).padStart(2, '0')}:00Z`),
    );
    await Promise.all(defs.map((d) => store.states.initialize(d, T0)));
    store.counter.reset();
    const now = at('2026-01-01T00:05:30Z');
    const found = await store.states.findDue(now);
    expect(found.due.map((d) => d.name)).toEqual(['s00', 's01', 's02', 's03', 's04']);
    expect(found.due.map((d) => d.wakeAt.toISOString())).toEqual(
      [1, 2, 3, 4, 5].map((m) => `2026-01-01T00:0${m}:00.000Z`),
    );
    expect(found.due[0]?.snapshot.state.nextDue).toBe('2026-01-01T00:01:00Z');
    // One listing page plus one state read per due schedule: the 25 others cost nothing.
    expect(store.counter.snapshot()).toEqual({ list: 1, read: 5 });
    expect(found).toMatchObject({ markersScanned: 5, staleRemoved: 0, errors: [], truncated: false });
  });

  it('honours the limit and says more may be due', async () => {
    await Promise.all(['a', 'b', 'c'].map((n, i) => store.states.initialize(daily(n, `2026-01-01T01:0${i}:00Z`), T0)));
    const found = await store.states.findDue(at('2026-01-01T02:00:00Z'), 2);
    expect(found.due.map((d) => d.name)).toEqual(['a', 'b']);
    expect(found.truncated).toBe(true);
  });

  it('removes markers no state references once older than the grace period, and only then', async () => {
    await store.blobs.upsert(`due/${occurrenceKey(at('2026-01-01T00:01:00Z'))}/ghost/abc123`, {});
    const young = await store.states.findDue(at('2026-01-01T00:02:00Z'));
    expect(young.due).toEqual([]);
    expect(young.staleRemoved).toBe(0);
    expect(await markers(store)).toHaveLength(1);
    const lenient = await newStore({ staleMarkerGraceMs: 0 });
    await lenient.blobs.upsert(`due/${occurrenceKey(at('2026-01-01T00:01:00Z'))}/ghost/abc123`, {});
    const old = await lenient.states.findDue(at('2030-01-01T00:00:00Z'));
    expect(old.staleRemoved).toBe(1);
    expect(await markers(lenient)).toEqual([]);
  });

  it('reports an unreadable state per schedule and goes on with the others', async () => {
    await store.states.initialize(daily('good', '2026-01-01T00:01:00Z'), T0);
    await store.states.initialize(daily('bad', '2026-01-01T00:01:00Z'), T0);
    await store.blobs.container.getBlockBlobClient('schedules/bad/state.json').upload('not json', 8);
    const found = await store.states.findDue(at('2026-01-01T00:02:00Z'));
    expect(found.due.map((d) => d.name)).toEqual(['good']);
    expect(found.errors).toEqual([{ name: 'bad', error: expect.objectContaining({ code: 'storage.blob.corrupt' }) }]);
  });
});

describe('claims', () => {
  it('20 concurrent claims of one occurrence: exactly one wins, the others see its claim', async () => {
    const occurrence = at('2026-01-01T06:00:00Z');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.claims.claim('a', occurrence, { now: T0, owner: `instance-${i}` })),
    );
    const winners = results.filter((r) => r.status === 'claimed');
    expect(winners).toHaveLength(1);
    const owner = winners[0]?.status === 'claimed' ? winners[0].claim.owner : undefined;
    for (const r of results.filter((x) => x.status === 'taken')) expect(r.claim?.owner).toBe(owner);
    expect(winners[0]?.status === 'claimed' && winners[0].claim).toMatchObject({
      occurrence: '20260101T060000Z',
      status: 'claimed',
      attempts: 1,
    });
  });

  it('records the outcome on the claim (the history only when the caller appends it); a stale claim ETag is a conflict', async () => {
    const occurrence = at('2026-01-01T06:00:00Z');
    const claimed = await store.claims.claim('a', occurrence, { now: T0 });
    if (claimed.status !== 'claimed') throw new Error('setup');
    const done = await store.claims.recordOutcome(
      claimed.claim,
      claimed.etag,
      { status: 'submitted', runId: 'run-1' },
      at('2026-01-01T06:00:05Z'),
    );
    if (done.status !== 'written') throw new Error('setup');
    expect(await store.claims.get('a', occurrence)).toMatchObject({
      status: 'found',
      claim: { status: 'submitted', runId: 'run-1' },
    });
    expect(await store.history.entries('a')).toEqual([]); // no hidden history write
    await store.history.append('a', historyEntryOf(done.claim, at('2026-01-01T06:00:05Z')));
    const stale = await store.claims.recordOutcome(
      claimed.claim,
      claimed.etag,
      { status: 'failed', error: { code: 'x', message: 'y' } },
      T0,
    );
    expect(stale).toEqual({ status: 'conflict' });
    expect(await store.history.entries('a')).toEqual([
      {
        occurrence: '2026-01-01T06:00:00Z',
        trigger: 'schedule',
        status: 'submitted',
        runId: 'run-1',
        attempts: 1,
        claimedAt: '2026-01-01T00:00:00Z',
        recordedAt: '2026-01-01T06:00:05Z',
      },
    ]);
  });

  it('a retrying claim is taken over by exactly one of several instances', async () => {
    const occurrence = at('2026-01-01T06:00:00Z');
    const claimed = await store.claims.claim('a', occurrence, { now: T0 });
    if (claimed.status !== 'claimed') throw new Error('setup');
    const retry = await store.claims.recordOutcome(
      claimed.claim,
      claimed.etag,
      {
        status: 'retrying',
        error: { code: 'aml.unavailable', message: '503' },
        nextAttemptAt: at('2026-01-01T06:05:00Z'),
        deadline: at('2026-01-01T07:00:00Z'),
      },
      at('2026-01-01T06:00:01Z'),
    );
    if (retry.status !== 'written') throw new Error('setup');
    await store.history.append('a', historyEntryOf(retry.claim, at('2026-01-01T06:00:01Z')));
    expect(retry.claim).toMatchObject({
      status: 'retrying',
      nextAttemptAt: '2026-01-01T06:05:00Z',
      deadline: '2026-01-01T07:00:00Z',
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        store.claims.reclaim(retry.claim, retry.etag, { now: at('2026-01-01T06:05:00Z') }),
      ),
    );
    expect(results.filter((r) => r.status === 'written')).toHaveLength(1);
    const won = results.find((r) => r.status === 'written');
    expect(won?.status === 'written' && won.claim).toMatchObject({ status: 'claimed', attempts: 2, trigger: 'retry' });
    // A submitted claim cannot be taken over.
    if (won?.status !== 'written') throw new Error('unreachable');
    const final = await store.claims.recordOutcome(
      won.claim,
      won.etag,
      { status: 'submitted', runId: 'run-2' },
      at('2026-01-01T06:05:02Z'),
    );
    if (final.status !== 'written') throw new Error('setup');
    await store.history.append('a', historyEntryOf(final.claim, at('2026-01-01T06:05:02Z')));
    expect(await store.claims.reclaim(final.claim, final.etag, { now: T0 })).toEqual({ status: 'conflict' });
    expect((await store.history.entries('a')).map((h) => h.status)).toEqual(['submitted', 'retrying']);
  });

  it('accepts event ids and refuses ids that cannot name a blob', async () => {
    expect((await store.claims.claim('r', 'blob-3f2a.etag=0x8D', { now: T0, trigger: 'blob' })).status).toBe('claimed');
    await expect(store.claims.claim('r', '../escape', { now: T0 })).rejects.toMatchObject({
      error: { code: 'schedule.claim.invalid_id' },
    });
  });

  it('prunes only the claims of occurrences settled for good, and only once they have been left alone long enough', async () => {
    // Daily at 06:00: the 1st and 2nd are settled, the 3rd is still pending (retrying), the 4th is the next due.
    const snap = (await store.states.initialize(daily('a', '2026-01-01T06:00:00Z'), T0)).snapshot;
    const day = (d: string): Date => at(`2026-01-0${d}T06:00:00Z`);
    for (const d of ['1', '2', '3', '4']) await store.claims.claim('a', day(d), { now: day(d) });
    const pending = [
      {
        occurrence: occurrenceKey(day('3')),
        attempts: 1,
        nextAttemptAt: '2026-01-03T06:05:00Z',
        deadline: '2026-01-03T07:00:00Z',
      },
    ];
    const saved = await store.states.advance(snap, { lastOccurrence: day('3'), nextDue: day('4'), pending }, day('3'));
    expect(saved.status).toBe('saved');
    // A claim of a schedule that has no state (yet, or any more) and an event id that is not an instant.
    await store.claims.claim('ghost', day('1'), { now: T0 });
    await store.claims.claim('a', 'evt-42', { now: T0, trigger: 'manual' });

    // Just written: a tick that read the state earlier may still act on them, so nothing goes.
    expect(await store.claims.pruneSettled({ settledForMs: 60 * 60_000 })).toMatchObject({ deleted: 0 });

    // Left alone long enough (a wall clock an hour and a second ahead): the settled ones go, nothing else.
    const later = Date.now() + 60 * 60_000 + 1000;
    const pruned = await store.claims.pruneSettled({ settledForMs: 60 * 60_000, wallClock: () => later });
    expect(pruned.deleted).toBe(2);
    expect((await store.claims.get('a', day('1'))).status).toBe('missing');
    expect((await store.claims.get('a', day('2'))).status).toBe('missing');
    expect((await store.claims.get('a', day('3'))).status).toBe('found'); // pending: may be retried
    expect((await store.claims.get('a', day('4'))).status).toBe('found'); // not handled yet
    expect((await store.claims.get('ghost', day('1'))).status).toBe('found');
    expect((await store.claims.get('a', 'evt-42')).status).toBe('found');
    expect(await store.claims.pruneSettled({ settledForMs: 60 * 60_000, wallClock: () => later })).toMatchObject({
      deleted: 0,
    });
  });
});

describe('advance and the due index', () => {
  it('moves the marker with nextDue and records the last occurrence', async () => {
    const def = daily('a', '2026-01-01T06:00:00Z');
    await store.states.initialize(def, T0);
    const due = (await store.states.findDue(at('2026-01-01T06:00:10Z'))).due[0]!;
    const saved = await store.states.advance(
      due.snapshot,
      { lastOccurrence: at('2026-01-01T06:00:00Z'), nextDue: at('2026-01-02T06:00:00Z') },
      at('2026-01-01T06:00:10Z'),
    );
    expect(saved.status).toBe('saved');
    expect(saved.status === 'saved' && saved.snapshot.state).toMatchObject({
      lastOccurrence: '2026-01-01T06:00:00Z',
      nextDue: '2026-01-02T06:00:00Z',
      wakeAt: '2026-01-02T06:00:00Z',
    });
    expect((await store.states.findDue(at('2026-01-01T06:00:20Z'))).due).toEqual([]);
    expect((await store.states.findDue(at('2026-01-02T06:00:00Z'))).due.map((d) => d.name)).toEqual(['a']);
    expect(await markers(store)).toEqual([expect.stringMatching(/^due\/20260102T060000Z\/a\/[0-9a-f]+$/)]);
  });

  it('two instances advancing from the same read: exactly one saves, the loser leaves no marker behind', async () => {
    await store.states.initialize(daily('a', '2026-01-01T06:00:00Z'), T0);
    const snap = must(await store.states.get('a'));
    const results = await Promise.all([
      store.states.advance(
        snap,
        { lastOccurrence: at('2026-01-01T06:00:00Z'), nextDue: at('2026-01-02T06:00:00Z') },
        T0,
      ),
      store.states.advance(
        snap,
        { lastOccurrence: at('2026-01-01T06:00:00Z'), nextDue: at('2026-01-03T06:00:00Z') },
        T0,
      ),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['conflict', 'saved']);
    const state = must(await store.states.get('a')).state;
    expect(await markers(store)).toEqual([state.dueMarker]);
  });

  it('a pending retry wakes the schedule before its next occurrence', async () => {
    await store.states.initialize(daily('a', '2026-01-01T06:00:00Z'), T0);
    const snap = must(await store.states.get('a'));
    const pending = [
      {
        occurrence: '20260101T060000Z',
        attempts: 1,
        nextAttemptAt: '2026-01-01T06:05:00Z',
        deadline: '2026-01-01T07:00:00Z',
      },
    ];
    const saved = await store.states.advance(snap, { nextDue: at('2026-01-02T06:00:00Z'), pending }, T0);
    expect(saved.status === 'saved' && saved.snapshot.state.wakeAt).toBe('2026-01-01T06:05:00Z');
    expect((await store.states.findDue(at('2026-01-01T06:05:00Z'))).due.map((d) => d.snapshot.state.pending)).toEqual([
      pending,
    ]);
  });

  it('an ended recurrence (no nextDue) leaves the index', async () => {
    await store.states.initialize(daily('a', '2026-01-01T06:00:00Z'), T0);
    const saved = await store.states.advance(
      must(await store.states.get('a')),
      { lastOccurrence: at('2026-01-01T06:00:00Z'), nextDue: undefined },
      T0,
    );
    expect(saved.status === 'saved' && saved.snapshot.state.wakeAt).toBeUndefined();
    expect(await markers(store)).toEqual([]);
  });

  it('rebuildDueIndex restores lost markers and removes orphans', async () => {
    await store.states.initialize(daily('a', '2026-01-01T06:00:00Z'), T0);
    await store.states.initialize(daily('b', '2026-01-01T07:00:00Z'), T0);
    for (const m of await markers(store)) await store.blobs.deleteIfMatch(m);
    await store.blobs.upsert('due/20260101T050000Z/ghost/1', {});
    expect((await store.states.findDue(at('2026-01-01T08:00:00Z'))).due).toEqual([]);
    // A stray written just now may be a save in flight (marker first, then state): kept by default.
    expect(await store.states.rebuildDueIndex(at(new Date().toISOString()))).toEqual({
      markersWritten: 2,
      orphansRemoved: 0,
      orphansKept: 1,
      errors: [],
    });
    expect(await markers(store)).toContain('due/20260101T050000Z/ghost/1');
    expect(await store.states.rebuildDueIndex(T0, { orphanGraceMs: 0 })).toEqual({
      markersWritten: 0,
      orphansRemoved: 1,
      orphansKept: 0,
      errors: [],
    });
    expect((await store.states.findDue(at('2026-01-01T08:00:00Z'))).due.map((d) => d.name)).toEqual(['a', 'b']);
  });
});

describe('enable / disable', () => {
  it('disabling removes the schedule from the index; enabling plans from now, replaying nothing', async () => {
    const def = daily('a', '2026-01-01T06:00:00Z');
    await store.states.initialize(def, T0);
    const off = await store.states.setEnabled(def, false, at('2026-01-01T01:00:00Z'));
    expect(off.status === 'changed' && off.snapshot.state).toMatchObject({
      enabled: false,
      enabledChangedAt: '2026-01-01T01:00:00Z',
    });
    expect(off.status === 'changed' && off.snapshot.state.nextDue).toBeUndefined();
    expect((await store.states.findDue(at('2026-01-05T00:00:00Z'))).due).toEqual([]);
    expect(await markers(store)).toEqual([]);
    const on = await store.states.setEnabled(def, true, at('2026-01-05T12:00:00Z'));
    expect(on.status === 'changed' && on.snapshot.state).toMatchObject({
      enabled: true,
      nextDue: '2026-01-06T06:00:00Z',
    });
    expect((await store.states.findDue(at('2026-01-05T12:00:00Z'))).due).toEqual([]);
    expect((await store.states.setEnabled(def, true, at('2026-01-05T13:00:00Z'))).status).toBe('unchanged');
    expect((await store.states.setEnabled(daily('nobody', '2026-01-01T06:00:00Z'), true, T0)).status).toBe('missing');
  });
});

describe('syncDefinition', () => {
  it('creates, leaves unchanged, updates without re-planning, re-plans on timing changes, follows status', async () => {
    const def = daily('a', '2026-01-01T06:00:00Z');
    expect((await store.states.syncDefinition(def, T0)).status).toBe('created');
    expect((await store.states.syncDefinition(def, at('2026-01-01T01:00:00Z'))).status).toBe('unchanged');

    const described = daily('a', '2026-01-01T06:00:00Z', { description: 'new words' });
    const u1 = await store.states.syncDefinition(described, at('2026-01-01T01:00:00Z'));
    expect(u1.status === 'updated' && u1.changes).toEqual(['definition']);
    expect(u1.snapshot.state).toMatchObject({ nextDue: '2026-01-01T06:00:00Z', definitionHash: described.hash });

    const hourly = definition({
      name: 'a',
      target: 't',
      description: 'new words',
      recurrence: { frequency: 'Hour', interval: 1, start_time: '2026-01-01T00:30:00Z' },
    });
    const u2 = await store.states.syncDefinition(hourly, at('2026-01-01T01:10:00Z'));
    expect(u2.status === 'updated' && u2.changes).toEqual(['definition', 'timing']);
    expect(u2.snapshot.state.nextDue).toBe('2026-01-01T01:30:00Z');

    const disabled = definition({
      name: 'a',
      target: 't',
      description: 'new words',
      status: 'Disabled',
      recurrence: { frequency: 'Hour', interval: 1, start_time: '2026-01-01T00:30:00Z' },
    });
    const u3 = await store.states.syncDefinition(disabled, at('2026-01-01T01:20:00Z'));
    expect(u3.status === 'updated' && u3.changes).toEqual(['definition', 'enabled']);
    expect(u3.snapshot.state.enabled).toBe(false);
    expect(await markers(store)).toEqual([]);
  });

  it('a recurrence without start_time keeps the phase of the state creation', async () => {
    const def = definition({ name: 'm', target: 't', recurrence: { frequency: 'Minute', interval: 15 } });
    const created = await store.states.initialize(def, at('2026-01-01T00:07:00Z'));
    expect(created.snapshot.state.nextDue).toBe('2026-01-01T00:22:00Z');
    await store.states.setEnabled(def, false, at('2026-01-01T01:00:00Z'));
    const on = await store.states.setEnabled(def, true, at('2026-01-01T02:00:00Z'));
    expect(on.status === 'changed' && on.snapshot.state.nextDue).toBe('2026-01-01T02:07:00Z');
  });
});

describe('history', () => {
  const entry = (i: number): HistoryEntry => ({
    occurrence: `2026-01-01T00:${String(i).padStart(2, '0')}:00Z`,
    trigger: 'schedule',
    status: 'submitted',
    runId: `run-${i}`,
    recordedAt: '2026-01-01T01:00:00Z',
  });

  it('is bounded to the newest entries, newest first', async () => {
    const small = await newStore({ historyLimit: 5 });
    for (let i = 0; i < 8; i++) await small.history.append('a', entry(i));
    expect((await small.history.entries('a')).map((h) => h.runId)).toEqual([
      'run-7',
      'run-6',
      'run-5',
      'run-4',
      'run-3',
    ]);
    expect((await small.history.entries('a', 2)).map((h) => h.runId)).toEqual(['run-7', 'run-6']);
    expect(await small.history.entries('nobody')).toEqual([]);
  });

  it("merges the state's unfiled entries with the blob's, newest first; a filing repeated after one cut short adds nothing twice", async () => {
    const created = await store.states.initialize(daily('a', '2026-01-01T06:00:00Z'), T0);
    const rec = (i: number, minute: number): HistoryEntry => ({
      ...entry(i),
      recordedAt: `2026-01-01T01:${String(minute).padStart(2, '0')}:00Z`,
    });
    await store.history.append('a', rec(1, 1)); // a run-now or blob entry: straight into the blob
    // The timer's newer outcomes wait in the state.
    const saved = await store.states.save(
      created.snapshot,
      { ...created.snapshot.state, recentHistory: [rec(4, 4), rec(3, 3)] },
      T0,
    );
    await store.history.append('a', rec(2, 2));
    expect((await store.history.entries('a')).map((h) => h.runId)).toEqual(['run-4', 'run-3', 'run-2', 'run-1']);
    // Filed into the blob, but the state write that drops them never happened: still shown once each.
    await store.history.file('a', [rec(4, 4), rec(3, 3)]);
    expect((await store.history.entries('a')).map((h) => h.runId)).toEqual(['run-4', 'run-3', 'run-2', 'run-1']);
    // Filed again (the next filing): nothing added twice.
    await store.history.file('a', [rec(5, 5), rec(4, 4), rec(3, 3)]);
    if (saved.status !== 'saved') throw new Error(saved.status);
    await store.states.save(saved.snapshot, { ...saved.snapshot.state, recentHistory: [] }, T0);
    expect((await store.history.entries('a')).map((h) => h.runId)).toEqual([
      'run-5',
      'run-4',
      'run-3',
      'run-2',
      'run-1',
    ]);
  });

  it('concurrent appends lose nothing', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.history.append('a', entry(i))));
    expect((await store.history.entries('a')).map((h) => h.runId).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `run-${i}`).sort(),
    );
  });
});

describe('listing and deleting', () => {
  it('lists every state and deletes everything a schedule stored', async () => {
    await store.states.initialize(daily('a', '2026-01-01T06:00:00Z'), T0);
    await store.states.initialize(daily('b', '2026-01-01T06:00:00Z'), T0);
    await store.history.append('a', { trigger: 'manual', status: 'submitted', recordedAt: '2026-01-01T00:00:00Z' });
    await store.claims.claim('a', at('2026-01-01T06:00:00Z'), { now: T0 });
    expect((await store.states.list()).states.map((s) => s.state.name).sort()).toEqual(['a', 'b']);
    expect(await store.delete('a')).toEqual({ status: 'deleted', blobsDeleted: 4 });
    expect(await store.states.get('a')).toBeUndefined();
    expect((await store.blobs.list('')).map((b) => b.name).filter((n) => n.includes('/a/'))).toEqual([]);
    expect((await store.states.list()).states.map((s) => s.state.name)).toEqual(['b']);
    expect(await store.delete('a')).toEqual({ status: 'missing', blobsDeleted: 0 });
  });
});

describe('ScheduleStateStore.fromSettings', () => {
  it('uses AzureWebJobsStorage and SCHEDULE_STATE_CONTAINER (default aml-triggers)', async () => {
    const built = ScheduleStateStore.fromSettings({ AzureWebJobsStorage: azuriteConnectionString() });
    expect(built.ok && built.value.blobs.containerName).toBe('aml-triggers');
    const named = ScheduleStateStore.fromSettings({
      AzureWebJobsStorage: azuriteConnectionString(),
      SCHEDULE_STATE_CONTAINER: 'my-state',
    });
    expect(named.ok && named.value.blobs.containerName).toBe('my-state');
    const bad = ScheduleStateStore.fromSettings({
      AzureWebJobsStorage: azuriteConnectionString(),
      SCHEDULE_STATE_CONTAINER: 'Bad_Name',
    });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'schedule.state_container.invalid', field: 'SCHEDULE_STATE_CONTAINER', value: 'Bad_Name' },
    });
  });
});

describe('syncAll', () => {
  it('an unchanged set of definitions costs one read; only edited ones are synced; removed ones stop', async () => {
    const defs = ['a', 'b', 'c'].map((n) => daily(n, '2026-01-01T06:00:00Z'));
    expect(await store.syncAll(defs, T0)).toEqual({
      created: ['a', 'b', 'c'],
      updated: [],
      unchanged: 0,
      orphans: [],
      errors: [],
    });

    store.counter.reset();
    expect(await store.syncAll(defs, T0)).toEqual({ created: [], updated: [], unchanged: 3, orphans: [], errors: [] });
    expect(store.counter.snapshot()).toEqual({ read: 1 });

    const edited = [defs[0]!, daily('b', '2026-01-01T06:00:00Z', { description: 'edited' })];
    const second = await store.syncAll(edited, at('2026-01-01T01:00:00Z'));
    expect(second).toEqual({ created: [], updated: ['b'], unchanged: 1, orphans: ['c'], errors: [] });
    expect(must(await store.states.get('c')).state).toMatchObject({ enabled: false, definitionHash: 'removed' });
    expect((await store.states.findDue(at('2026-01-01T06:00:00Z'))).due.map((d) => d.name)).toEqual(['a', 'b']);

    // Putting the file back brings the schedule back, planned from now.
    const back = await store.syncAll([...edited, defs[2]!], at('2026-01-01T07:00:00Z'));
    expect(back).toEqual({ created: [], updated: ['c'], unchanged: 2, orphans: [], errors: [] });
    expect(must(await store.states.get('c')).state).toMatchObject({ enabled: true, nextDue: '2026-01-02T06:00:00Z' });
  });

  it('orphans: delete removes what a removed schedule stored; keep leaves it', async () => {
    await store.syncAll([daily('a', '2026-01-01T06:00:00Z'), daily('b', '2026-01-01T06:00:00Z')], T0);
    expect((await store.syncAll([daily('a', '2026-01-01T06:00:00Z')], T0, { orphans: 'keep' })).orphans).toEqual(['b']);
    expect(must(await store.states.get('b')).state.enabled).toBe(true);
    expect((await store.syncAll([daily('a', '2026-01-01T06:00:00Z')], T0, { orphans: 'delete' })).orphans).toEqual([
      'b',
    ]);
    expect(await store.states.get('b')).toBeUndefined();
    expect((await store.syncAll([daily('a', '2026-01-01T06:00:00Z')], T0)).orphans).toEqual([]);
  });
});
