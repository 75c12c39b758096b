/**
 * Schedule states and the due index (blobs named in blobNames.ts):
 *
 *   schedules/<name>/state.json          ScheduleState: enabled, hashes, lastOccurrence, nextDue, pending
 *                                        retries, wakeAt, dueMarker, lastRun. Changed only If-Match.
 *   due/<yyyyMMddTHHmmssZ>/<name>/<id>   Due-index marker: one per enabled time schedule, keyed by its
 *                                        `wakeAt`. Empty JSON body; the name is the information.
 *
 * Why a tick is proportional to the due schedules: blob listings come back in lexicographic order, and
 * the marker names start with a fixed-width UTC time, so `findDue(now)` lists `due/` only up to
 * `due/<now>/~` and stops: a few listing pages (128, 512, then 1000 markers each), then one state read
 * per due schedule. Schedules not due cost nothing. The state is the truth, a marker only a hint:
 * `findDue` checks each marker against the state's `dueMarker` and removes markers that no state
 * references (left by a crash or a lost race) once they are older than a grace period (so a marker
 * written just before its state is never mistaken for an orphan), and markers whose name is not one the
 * app writes (at once, without counting them against the listing limit).
 *
 * Marker names carry a random id, and a state names its one marker, so a marker is never shared or
 * reused: a save writes the new marker first, then the state (If-Match), then deletes the old marker
 * (the timer deletes those its tick replaced at the end of the tick, all in one batch request);
 * a save that loses the race deletes the marker it created. A schedule can therefore not lose its
 * marker to an interleaving of saves; a marker deleted by hand is restored by `repairDueIndex` (the
 * timer's hourly pass) or `rebuildDueIndex` (`aml-triggers schedules reindex`).
 *
 * How states change is decided in stateTransitions.ts; this module stores them. Precondition failures
 * (another writer got there first) come back as typed outcomes; a state that cannot be read comes back
 * as `corrupt` from `read` / as a per-schedule error from listings, and throws `AppFailure` only from
 * `get`; storage failures throw `AppFailure` (code `storage.*`, `transient` when worth retrying).
 */
import { AppFailure, appError, errorFrom, type AppError } from '../errors';
import type { BlobJsonStore, JsonParser } from '../storage/blobJson';
import { mapLimit } from '../util/mapLimit';
import {
  dueListingThrough,
  DUE_PREFIX,
  newDueMarkerName,
  parseDueMarkerName,
  parseStateBlobName,
  SCHEDULES_PREFIX,
  stateBlobName,
} from './blobNames';
import type { ScheduleDefinition } from './definition';
import { isoInstant } from './instants';
import {
  advanceState,
  applyDefinition,
  disable,
  enable,
  initialState,
  withoutMarker,
  withWake,
  type Advance,
  type DefinitionChange,
} from './stateTransitions';
import type { ScheduleState } from './stateTypes';

export interface StateSnapshot {
  readonly state: ScheduleState;
  readonly etag: string;
}

/** A state read: found, missing, or there but unreadable (not JSON, not a state). */
export type StateRead =
  | { readonly status: 'found'; readonly snapshot: StateSnapshot }
  | { readonly status: 'missing' }
  | { readonly status: 'corrupt'; readonly etag: string; readonly error: AppError };

export type SaveOutcome =
  | { readonly status: 'saved'; readonly snapshot: StateSnapshot }
  /** The state changed since it was read: read it again and decide again. */
  | { readonly status: 'conflict' }
  /** The state was deleted meanwhile. */
  | { readonly status: 'missing' };

export type SyncOutcome =
  | { readonly status: 'created'; readonly snapshot: StateSnapshot }
  | { readonly status: 'unchanged'; readonly snapshot: StateSnapshot }
  /** `changes`: what the new definition changed: 'definition' always; 'timing' (nextDue re-planned), 'enabled'. */
  | { readonly status: 'updated'; readonly snapshot: StateSnapshot; readonly changes: readonly DefinitionChange[] };

export type EnableOutcome =
  { readonly status: 'changed' | 'unchanged'; readonly snapshot: StateSnapshot } | { readonly status: 'missing' };

/** A schedule whose stored state could not be read or written, and why. */
export interface ScheduleError {
  readonly name: string;
  readonly error: AppError;
}

export interface DueSchedule {
  readonly name: string;
  readonly snapshot: StateSnapshot;
  /** The instant the schedule asked to be looked at (`state.wakeAt`). */
  readonly wakeAt: Date;
}

export interface FindDueResult {
  /** Due schedules, earliest `wakeAt` first, one entry per schedule. */
  readonly due: readonly DueSchedule[];
  /** Markers listed (due ones, stale ones, unparseable ones). */
  readonly markersScanned: number;
  /** Stale markers removed. */
  readonly staleRemoved: number;
  /** Blobs under `due/` whose name is not a marker name (written by hand or by another tool): removed. */
  readonly unparseableRemoved: readonly string[];
  /** States that could not be read (corrupt JSON, storage failures), per schedule: the tick goes on. */
  readonly errors: readonly ScheduleError[];
  /** True when `limit` markers were returned and more may be due. */
  readonly truncated: boolean;
  /** With `wholeIndex`: every marker listed (due or not), for `repairDueIndex` without a second listing. */
  readonly index?: DueIndexListing;
}

/** The whole due index as listed: marker blob names, and the schedules that have at least one. */
export interface DueIndexListing {
  readonly markers: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
}

export interface RebuildResult {
  readonly markersWritten: number;
  readonly orphansRemoved: number;
  readonly orphansKept: number;
  /** States that could not be read: their markers are left as they are. */
  readonly errors: readonly ScheduleError[];
}

export interface RepairResult {
  /** Schedules whose state wants a wake-up but had no marker: each got one. */
  readonly markersWritten: readonly string[];
  /** Blobs under `due/` whose name is not a marker name: removed. */
  readonly unparseableRemoved: readonly string[];
  readonly errors: readonly ScheduleError[];
  /** Markers listed. */
  readonly scanned: number;
}

/** Where a save puts the due marker it replaced instead of deleting it at once (see `save`). */
export type ReplacedMarkers = string[];

export interface StoreTuning {
  /** Parallel storage requests within one call. */
  readonly concurrency: number;
  /** Attempts of read-modify-write loops that lose races. */
  readonly casAttempts: number;
  /** Age after which a marker no state references is removed. */
  readonly staleMarkerGraceMs: number;
}

export class ScheduleStates {
  constructor(
    private readonly blobs: BlobJsonStore,
    private readonly tuning: StoreTuning,
  ) {}

  // -- reading --------------------------------------------------------------------------------------

  async read(name: string): Promise<StateRead> {
    const read = await this.blobs.read(stateBlobName(name), parseState);
    if (read.status === 'missing') return read;
    if (read.status === 'corrupt') return { status: 'corrupt', etag: read.etag, error: read.error };
    return { status: 'found', snapshot: { state: read.value, etag: read.etag } };
  }

  /** The state, undefined when there is none; an unreadable state throws `AppFailure` (`storage.blob.corrupt`). */
  async get(name: string): Promise<StateSnapshot | undefined> {
    const read = await this.read(name);
    if (read.status === 'corrupt') throw new AppFailure(read.error);
    return read.status === 'found' ? read.snapshot : undefined;
  }

  /** Every schedule's state (for listings; O(number of schedules), never used per tick); unreadable ones as errors. */
  async list(): Promise<{ states: StateSnapshot[]; errors: ScheduleError[] }> {
    const names = (await this.blobs.list(SCHEDULES_PREFIX))
      .map((b) => parseStateBlobName(b.name))
      .filter((n): n is string => n !== undefined);
    const reads = await mapLimit(names, this.tuning.concurrency, async (name) => ({
      name,
      read: await this.read(name).catch((e: unknown) => ({ status: 'failed' as const, error: errorOf(e) })),
    }));
    const states: StateSnapshot[] = [];
    const errors: ScheduleError[] = [];
    for (const { name, read } of reads) {
      if (read.status === 'found') states.push(read.snapshot);
      else if (read.status === 'corrupt' || read.status === 'failed') errors.push({ name, error: read.error });
    }
    return { states, errors };
  }

  // -- writing --------------------------------------------------------------------------------------

  /** Creates the state of a new schedule if it has none (If-None-Match: *); see `initialState`. */
  async initialize(
    def: ScheduleDefinition,
    now: Date,
  ): Promise<{ status: 'created' | 'exists'; snapshot: StateSnapshot }> {
    const state = initialState(def, now);
    const marker = state.wakeAt ? newDueMarkerName(def.name, new Date(state.wakeAt)) : undefined;
    const stored: ScheduleState = marker ? { ...state, dueMarker: marker } : state;
    if (marker) await this.blobs.upsert(marker, {});
    const created = await this.blobs.createIfAbsent(stateBlobName(def.name), stored);
    if (created.status === 'written') return { status: 'created', snapshot: { state: stored, etag: created.etag } };
    if (marker) await this.blobs.deleteIfMatch(marker);
    const existing = await this.get(def.name);
    if (!existing) return this.initialize(def, now); // deleted between our create and read: try again
    return { status: 'exists', snapshot: existing };
  }

  /** Brings a schedule's state in line with its (possibly edited) definition (`applyDefinition`); creates it when new. */
  async syncDefinition(def: ScheduleDefinition, now: Date): Promise<SyncOutcome> {
    for (let attempt = 0; attempt < this.tuning.casAttempts; attempt++) {
      const current = await this.get(def.name);
      if (!current) {
        const init = await this.initialize(def, now);
        if (init.status === 'created') return { status: 'created', snapshot: init.snapshot };
        continue;
      }
      const applied = applyDefinition(current.state, def, now);
      if (!applied) return { status: 'unchanged', snapshot: current };
      const saved = await this.save(current, applied.state, now);
      if (saved.status === 'saved') return { status: 'updated', snapshot: saved.snapshot, changes: applied.changes };
    }
    throw contendedError(def.name, this.tuning.casAttempts);
  }

  /**
   * Writes `next` over `current` (If-Match on `current.etag`), keeping the due index in step: `wakeAt`
   * is recomputed from `nextDue` / `pending` / `enabled`, and when it moves, a new marker is written
   * before the state and the old one deleted after — or, with `replaced`, handed to the caller to delete
   * later (the timer deletes all a tick replaced in one batch: `deleteMarkers`; one it never deletes is
   * a stale marker `findDue` removes). The state's `updatedAt` is set to `now`.
   */
  async save(current: StateSnapshot, next: ScheduleState, now: Date, replaced?: ReplacedMarkers): Promise<SaveOutcome> {
    const woken = withWake({ ...next, updatedAt: isoInstant(now) });
    const previousMarker = current.state.dueMarker;
    const sameWake =
      woken.wakeAt === current.state.wakeAt && previousMarker !== undefined && woken.wakeAt !== undefined;
    let marker: string | undefined;
    if (sameWake) marker = previousMarker;
    else if (woken.wakeAt) marker = newDueMarkerName(woken.name, new Date(woken.wakeAt));
    const stored: ScheduleState = marker ? { ...woken, dueMarker: marker } : withoutMarker(woken);
    const createdMarker = marker !== undefined && marker !== previousMarker;
    if (createdMarker) await this.blobs.upsert(marker!, {});
    const written = await this.blobs.replaceIfMatch(stateBlobName(stored.name), stored, current.etag);
    if (written.status !== 'written') {
      if (createdMarker) await this.blobs.deleteIfMatch(marker!);
      return { status: written.status === 'missing' ? 'missing' : 'conflict' };
    }
    if (previousMarker && previousMarker !== marker) {
      if (replaced) replaced.push(previousMarker);
      else await this.blobs.deleteIfMatch(previousMarker);
    }
    return { status: 'saved', snapshot: { state: stored, etag: written.etag } };
  }

  /**
   * Read-modify-write with retries on lost races: `change` gets the current state and returns the next
   * one, or undefined to leave it as it is. `missing`: the schedule has no state.
   */
  async update(
    name: string,
    now: Date,
    change: (state: ScheduleState) => ScheduleState | undefined,
    replaced?: ReplacedMarkers,
  ): Promise<SaveOutcome | { status: 'unchanged'; snapshot: StateSnapshot }> {
    for (let attempt = 0; attempt < this.tuning.casAttempts; attempt++) {
      const current = await this.get(name);
      if (!current) return { status: 'missing' };
      const next = change(current.state);
      if (!next) return { status: 'unchanged', snapshot: current };
      const saved = await this.save(current, next, now, replaced);
      if (saved.status !== 'conflict') return saved;
    }
    throw contendedError(name, this.tuning.casAttempts);
  }

  /** The timer's step (`advanceState`), If-Match on `current.etag`: a conflict means another instance advanced it first. */
  advance(current: StateSnapshot, change: Advance, now: Date, replaced?: ReplacedMarkers): Promise<SaveOutcome> {
    return this.save(current, advanceState(current.state, change), now, replaced);
  }

  /**
   * Deletes markers that saves replaced (`save(..., replaced)`), in batches of up to 256 per request.
   * Markers are unique and named by no state any more, so they are deleted unconditionally.
   */
  async deleteMarkers(markers: readonly string[]): Promise<{ deleted: number; failed: number }> {
    if (markers.length === 0) return { deleted: 0, failed: 0 };
    const result = await this.blobs.deleteMany(markers);
    return { deleted: result.deleted + result.missing, failed: result.failed.length };
  }

  /** Enables (`enable`: plans from `now`, replays nothing) or disables (`disable`) a schedule. */
  async setEnabled(def: ScheduleDefinition, enabled: boolean, now: Date): Promise<EnableOutcome> {
    const result = await this.update(def.name, now, (s) => (enabled ? enable(s, def, now) : disable(s, now)));
    if (result.status === 'missing') return { status: 'missing' };
    if (result.status === 'unchanged') return { status: 'unchanged', snapshot: result.snapshot };
    if (result.status === 'saved') return { status: 'changed', snapshot: result.snapshot };
    throw contendedError(def.name, this.tuning.casAttempts);
  }

  // -- due index ------------------------------------------------------------------------------------

  /**
   * The schedules that need attention at `now` (their `wakeAt` <= now), at most `limit`, reading only
   * the due markers and the due schedules' states. Checks each marker against its state; removes
   * orphaned markers older than the grace period, and unparseable names at once (they do not count
   * against `limit`, so no number of them can keep a schedule from running).
   */
  async findDue(now: Date, limit = 1000, options: { readonly wholeIndex?: boolean } = {}): Promise<FindDueResult> {
    const byName = new Map<string, { blob: string; wakeAt: Date; lastModified?: Date }[]>();
    const unparseable: { name: string; etag: string }[] = [];
    const through = dueListingThrough(now);
    const index = options.wholeIndex ? { markers: new Set<string>(), names: new Set<string>() } : undefined;
    let scanned = 0;
    let markers = 0;
    // Pages of 128, 512, 1000, ...: a tick with few due schedules transfers few markers. With
    // `wholeIndex` (the hourly repair) the listing goes on past `now`, only noting the markers it sees.
    for await (const m of this.blobs.iterate(DUE_PREFIX, {
      ...(index ? {} : { through }),
      firstPageSize: 128,
      pageSize: 1000,
    })) {
      scanned++;
      const parsed = parseDueMarkerName(m.name);
      if (parsed && index) {
        index.markers.add(m.name);
        index.names.add(parsed.name);
      }
      if (!parsed) {
        unparseable.push(m);
        continue;
      }
      if (m.name > through || markers >= limit) continue; // only with `wholeIndex`
      const list = byName.get(parsed.name) ?? [];
      list.push({ blob: m.name, wakeAt: parsed.wakeAt, lastModified: m.lastModified });
      byName.set(parsed.name, list);
      if (++markers >= limit && !index) break;
    }
    const unparseableRemoved = await this.removeUnparseable(unparseable);
    const due: DueSchedule[] = [];
    const errors: ScheduleError[] = [];
    let staleRemoved = 0;
    await mapLimit([...byName.entries()], this.tuning.concurrency, async ([name, found]) => {
      let read: StateRead;
      try {
        read = await this.read(name);
      } catch (e) {
        errors.push({ name, error: errorOf(e) });
        return;
      }
      if (read.status === 'corrupt') {
        errors.push({ name, error: read.error }); // its markers stay: the state may be repaired
        return;
      }
      const snapshot = read.status === 'found' ? read.snapshot : undefined;
      for (const marker of found) {
        const live =
          snapshot &&
          snapshot.state.enabled &&
          snapshot.state.dueMarker === marker.blob &&
          snapshot.state.wakeAt !== undefined;
        if (live && snapshot) {
          due.push({ name, snapshot, wakeAt: new Date(snapshot.state.wakeAt!) });
        } else if (
          !marker.lastModified ||
          now.getTime() - marker.lastModified.getTime() >= this.tuning.staleMarkerGraceMs
        ) {
          const removed = await this.blobs.deleteIfMatch(marker.blob);
          if (removed.status === 'deleted') staleRemoved++;
        }
      }
    });
    due.sort((a, b) => a.wakeAt.getTime() - b.wakeAt.getTime() || a.name.localeCompare(b.name));
    return {
      due,
      markersScanned: scanned,
      staleRemoved,
      unparseableRemoved,
      errors,
      truncated: markers >= limit,
      ...(index ? { index } : {}),
    };
  }

  /**
   * Gives every schedule in `names` whose state wants a wake-up (enabled, `wakeAt`) but has no marker in
   * the index a fresh one, and removes blobs under `due/` whose names are not markers. One listing of
   * the whole index (none when `listed` is the one `findDue(..., { wholeIndex: true })` just made: the
   * timer's hourly tick) plus one state read per name without any marker (disabled and ended
   * schedules, and those that lost theirs).
   */
  async repairDueIndex(names: readonly string[], now: Date, listed?: DueIndexListing): Promise<RepairResult> {
    let index = listed;
    let unparseableRemoved: string[] = [];
    let scanned = 0;
    if (!index) {
      const all = await this.blobs.list(DUE_PREFIX, { firstPageSize: 128, pageSize: 5000 });
      scanned = all.length;
      const parsed = all.map((m) => ({ m, p: parseDueMarkerName(m.name) }));
      index = {
        markers: new Set(parsed.filter((x) => x.p).map((x) => x.m.name)),
        names: new Set(parsed.flatMap((x) => (x.p ? [x.p.name] : []))),
      };
      unparseableRemoved = await this.removeUnparseable(parsed.filter((x) => !x.p).map((x) => x.m));
    }
    const present = index.markers;
    const withMarker = index.names;
    const markersWritten: string[] = [];
    const errors: ScheduleError[] = [];
    await mapLimit(
      names.filter((n) => !withMarker.has(n)),
      this.tuning.concurrency,
      async (name) => {
        try {
          const read = await this.read(name);
          if (read.status === 'corrupt') return errors.push({ name, error: read.error });
          if (read.status !== 'found') return;
          const s = read.snapshot.state;
          if (!s.enabled || !s.wakeAt || (s.dueMarker && present.has(s.dueMarker))) return;
          // Force a fresh marker by saving with the current marker forgotten (If-Match: a concurrent save wins).
          const saved = await this.save({ ...read.snapshot, state: withoutMarker(s) }, s, now);
          if (saved.status === 'saved') markersWritten.push(name);
        } catch (e) {
          errors.push({ name, error: errorOf(e) });
        }
        return;
      },
    );
    return { markersWritten: markersWritten.sort(), unparseableRemoved, errors, scanned };
  }

  /**
   * Rewrites the due index from the states (an O(schedules) repair, e.g. after restoring a backup or
   * deleting blobs by hand): every enabled state with a `wakeAt` gets a marker, orphans are removed.
   * The markers are listed before the states, and an orphan younger than `orphanGraceMs` (default the
   * store's grace period; 0: any age, for when the app is stopped) is kept and counted in `orphansKept`:
   * a save writes its new marker before its state, so a marker no state names yet may be one in flight.
   * A state that cannot be read is reported in `errors` and its markers are left alone.
   */
  async rebuildDueIndex(now: Date, options: { readonly orphanGraceMs?: number } = {}): Promise<RebuildResult> {
    const grace = options.orphanGraceMs ?? this.tuning.staleMarkerGraceMs;
    const listed = await this.blobs.list(DUE_PREFIX);
    const markers = new Set(listed.map((m) => m.name));
    const { states, errors } = await this.list();
    const unreadable = new Set(errors.map((e) => e.name));
    let markersWritten = 0;
    const referenced = new Set<string>();
    await mapLimit(states, this.tuning.concurrency, async (snap) => {
      const s = snap.state;
      if (!s.enabled || !s.wakeAt) return;
      if (
        s.dueMarker &&
        markers.has(s.dueMarker) &&
        parseDueMarkerName(s.dueMarker)?.wakeAt.getTime() === Date.parse(s.wakeAt)
      ) {
        referenced.add(s.dueMarker);
        return;
      }
      // Force a fresh marker by saving with the current marker forgotten.
      const saved = await this.save({ ...snap, state: withoutMarker(snap.state) }, snap.state, now);
      if (saved.status === 'saved' && saved.snapshot.state.dueMarker) {
        referenced.add(saved.snapshot.state.dueMarker);
        markersWritten++;
      } else if (s.dueMarker) {
        referenced.add(s.dueMarker); // changed meanwhile: leave its markers to findDue's own checks
      }
    });
    let orphansRemoved = 0;
    let orphansKept = 0;
    for (const m of listed) {
      if (referenced.has(m.name)) continue;
      const owner = parseDueMarkerName(m.name)?.name;
      if (owner !== undefined && unreadable.has(owner)) continue;
      if (grace > 0 && (!m.lastModified || now.getTime() - m.lastModified.getTime() < grace)) {
        orphansKept++;
        continue;
      }
      if ((await this.blobs.deleteIfMatch(m.name, m.etag)).status === 'deleted') orphansRemoved++;
    }
    return { markersWritten, orphansRemoved, orphansKept, errors };
  }

  private async removeUnparseable(blobs: readonly { name: string; etag: string }[]): Promise<string[]> {
    const results = await mapLimit(blobs, this.tuning.concurrency, async (b) =>
      (await this.blobs.deleteIfMatch(b.name, b.etag)).status === 'deleted' ? b.name : undefined,
    );
    return results.filter((n): n is string => n !== undefined);
  }
}

// ---------------------------------------------------------------------------------------------------

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const parseState: JsonParser<ScheduleState> = (raw) => {
  if (
    !isObj(raw) ||
    typeof raw.name !== 'string' ||
    typeof raw.enabled !== 'boolean' ||
    (raw.kind !== 'time' && raw.kind !== 'reactive')
  ) {
    return { ok: false, message: 'is not a schedule state document (name, kind, enabled)' };
  }
  return {
    ok: true,
    value: {
      ...(raw as unknown as ScheduleState),
      pending: Array.isArray(raw.pending) ? (raw.pending as ScheduleState['pending']) : [],
    },
  };
};

/** A state (or the catalog) kept changing while it was being updated. */
export function contendedError(name: string, attempts: number): AppFailure {
  return new AppFailure(appError('schedule.state.contended', { name, attempts }, { source: stateBlobName(name) }));
}

export function errorOf(e: unknown): AppError {
  return errorFrom(e, { code: 'storage.unavailable', transient: true });
}
