/**
 * Schedule state in Blob Storage (the app's storage account, container `SCHEDULE_STATE_CONTAINER`,
 * default `aml-triggers`). Layout:
 *
 *   schedules/<name>/state.json          ScheduleState: enabled, hashes, lastOccurrence, nextDue, pending
 *                                        retries, wakeAt, dueMarker, lastRun. Changed only If-Match.
 *   schedules/<name>/history.json        { name, entries } newest first, at most `historyLimit` (100).
 *   claims/<name>/<occurrence>.json      Claim, created If-None-Match: * before submitting; the single
 *                                        winner then moves it claimed → submitted | failed | retrying.
 *                                        Deleted once settled for good (`pruneSettledClaims`).
 *   due/<yyyyMMddTHHmmssZ>/<name>/<id>   Due-index marker: one per enabled time schedule, keyed by its
 *                                        `wakeAt`. Empty JSON body; the name is the information.
 *   catalog.json                         { schedules: name → definition hash }: lets `syncAll` find the
 *                                        new / edited / removed definitions with one read.
 *
 * Why a tick is proportional to the due schedules: blob listings come back in lexicographic order, and
 * the marker names start with a fixed-width UTC time, so `findDue(now)` lists `due/` only up to
 * `due/<now>/~` and stops: a few listing pages (128, 512, then 1000 markers each), then one state read
 * per due schedule.
 * Schedules not due cost nothing. The state is the truth, a marker only a hint: `findDue` checks each
 * marker against the state's `dueMarker` and removes markers that no state references (left by a crash
 * or a lost race) once they are older than a grace period (so a marker written just before its state
 * is never mistaken for an orphan).
 *
 * Marker names carry a random id, and a state names its one marker, so a marker is never shared or
 * reused: a save writes the new marker first, then the state (If-Match), then deletes the old marker;
 * a save that loses the race deletes the marker it created. A schedule can therefore not lose its
 * marker to an interleaving of saves; `rebuildDueIndex()` repairs the index after manual tampering.
 *
 * Precondition failures (another writer got there first) come back as typed outcomes; storage
 * failures throw `AppFailure` (code `storage.*`, `transient` when worth retrying).
 */
import { randomBytes } from 'node:crypto';
import { AppFailure, err, ok, type AppError, type Result } from '../errors';
import { BlobJsonStore, type JsonParser } from '../storage/blobJson';
import { blobServiceFromSettings, type Env } from '../storage/blobService';
import type { OperationCounter } from '../storage/operationCounter';
import { nextOccurrence } from '../recurrence';
import { recurrenceFor, type ScheduleDefinition } from './definition';
import {
  STATE_SCHEMA_VERSION,
  type Claim,
  type ClaimStatus,
  type ErrorSummary,
  type HistoryDocument,
  type HistoryEntry,
  type PendingRetry,
  type ScheduleState,
  type Trigger,
} from './stateTypes';

export const SCHEDULE_STATE_CONTAINER_SETTING = 'SCHEDULE_STATE_CONTAINER';
export const DEFAULT_SCHEDULE_STATE_CONTAINER = 'aml-triggers';
export const DEFAULT_HISTORY_LIMIT = 100;
export const MAX_PENDING_RETRIES = 50;

export interface StateSnapshot {
  readonly state: ScheduleState;
  readonly etag: string;
}

export type SaveOutcome =
  | { readonly status: 'saved'; readonly snapshot: StateSnapshot }
  /** The state changed since it was read: read it again and decide again. */
  | { readonly status: 'conflict' }
  /** The state was deleted meanwhile. */
  | { readonly status: 'missing' };

export interface DueSchedule {
  readonly name: string;
  readonly snapshot: StateSnapshot;
  /** The instant the schedule asked to be looked at (`state.wakeAt`). */
  readonly wakeAt: Date;
}

export interface FindDueResult {
  /** Due schedules, earliest `wakeAt` first, one entry per schedule. */
  readonly due: readonly DueSchedule[];
  /** Markers listed (due ones, stale ones). */
  readonly markersScanned: number;
  /** Stale markers removed. */
  readonly staleRemoved: number;
  /** States that could not be read (corrupt JSON, storage failures), per schedule: the tick goes on. */
  readonly errors: readonly { readonly name: string; readonly error: AppError }[];
  /** True when `limit` markers were returned and more may be due. */
  readonly truncated: boolean;
}

export type ClaimOutcome =
  | { readonly status: 'claimed'; readonly claim: Claim; readonly etag: string }
  /** Someone else holds (or held) the occurrence; `claim` is what they wrote, when readable. */
  | { readonly status: 'taken'; readonly claim?: Claim; readonly etag?: string };

export type ClaimWriteOutcome =
  | { readonly status: 'written'; readonly claim: Claim; readonly etag: string }
  | { readonly status: 'conflict' }
  | { readonly status: 'missing' };

export type Outcome =
  | { readonly status: 'submitted'; readonly runId: string }
  | { readonly status: 'failed'; readonly error: ErrorSummary }
  | { readonly status: 'retrying'; readonly error: ErrorSummary; readonly nextAttemptAt: Date; readonly deadline: Date }
  | { readonly status: 'skipped'; readonly reason: string };

export type SyncOutcome =
  | { readonly status: 'created'; readonly snapshot: StateSnapshot }
  | { readonly status: 'unchanged'; readonly snapshot: StateSnapshot }
  /** `changes`: what the new definition changed: 'definition' always; 'timing' (nextDue re-planned), 'enabled'. */
  | { readonly status: 'updated'; readonly snapshot: StateSnapshot; readonly changes: readonly ('definition' | 'timing' | 'enabled')[] };

export type EnableOutcome =
  | { readonly status: 'changed' | 'unchanged'; readonly snapshot: StateSnapshot }
  | { readonly status: 'missing' };

export interface ScheduleStateStoreOptions {
  /** History entries kept per schedule (default 100). */
  readonly historyLimit?: number;
  /** Age after which a marker no state references is removed (default 5 minutes). */
  readonly staleMarkerGraceMs?: number;
  /** Parallel storage requests within one call (default 32). */
  readonly concurrency?: number;
  /** Attempts of read-modify-write loops that lose races (default 8). */
  readonly casAttempts?: number;
}

// ---------------------------------------------------------------------------------------------------
// Keys

/** `2026-11-24T17:10:00Z` → `20261124T171000Z`: fixed width, sorts chronologically. */
export function occurrenceKey(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Inverse of `occurrenceKey`, undefined if the text is not one. */
export function parseOccurrenceKey(key: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(key);
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** ISO 8601 UTC with `Z` and no fractional seconds. */
export function isoInstant(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const CLAIM_ID = /^[A-Za-z0-9][A-Za-z0-9_.=-]{0,199}$/;

export const CATALOG_BLOB = 'catalog.json';
/** `definitionHash` of a state whose definition was removed from the files. */
export const REMOVED_HASH = 'removed';

export interface SyncAllResult {
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: number;
  /** Names the catalog knew that no definition has any more (handled per the `orphans` option). */
  readonly orphans: string[];
}

interface CatalogDocument {
  readonly schedules: Readonly<Record<string, string>>;
  readonly updatedAt: string;
}

export const stateBlobName = (name: string): string => `schedules/${name}/state.json`;
export const historyBlobName = (name: string): string => `schedules/${name}/history.json`;
export const claimBlobName = (name: string, occurrence: string): string => `claims/${name}/${occurrence}.json`;
const DUE_PREFIX = 'due/';

function newMarkerName(name: string, wakeAt: Date): string {
  return `${DUE_PREFIX}${occurrenceKey(wakeAt)}/${name}/${randomBytes(6).toString('hex')}`;
}

function parseMarkerName(blob: string): { wakeAt: Date; name: string } | undefined {
  const parts = blob.slice(DUE_PREFIX.length).split('/');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return undefined;
  const wakeAt = parseOccurrenceKey(parts[0]);
  return wakeAt ? { wakeAt, name: parts[1] } : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Parsers for stored documents (what is read back is checked, not trusted)

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const parseState: JsonParser<ScheduleState> = (raw) => {
  if (!isObj(raw) || typeof raw.name !== 'string' || typeof raw.enabled !== 'boolean' || (raw.kind !== 'time' && raw.kind !== 'reactive')) {
    return { ok: false, message: 'is not a schedule state document (name, kind, enabled)' };
  }
  return { ok: true, value: { ...(raw as unknown as ScheduleState), pending: Array.isArray(raw.pending) ? (raw.pending as PendingRetry[]) : [] } };
};

const parseCatalog: JsonParser<CatalogDocument> = (raw) =>
  isObj(raw) && isObj(raw.schedules) ? { ok: true, value: raw as unknown as CatalogDocument } : { ok: false, message: 'is not a schedule catalog (schedules)' };

const parseClaim: JsonParser<Claim> = (raw) =>
  isObj(raw) && typeof raw.occurrence === 'string' && typeof raw.status === 'string'
    ? { ok: true, value: raw as unknown as Claim }
    : { ok: false, message: 'is not a claim document (occurrence, status)' };

const parseHistory: JsonParser<HistoryDocument> = (raw) =>
  isObj(raw) && Array.isArray(raw.entries)
    ? { ok: true, value: raw as unknown as HistoryDocument }
    : { ok: false, message: 'is not a history document (entries)' };

// ---------------------------------------------------------------------------------------------------

export class ScheduleStateStore {
  readonly historyLimit: number;
  private readonly graceMs: number;
  private readonly concurrency: number;
  private readonly casAttempts: number;

  constructor(
    readonly blobs: BlobJsonStore,
    options: ScheduleStateStoreOptions = {},
  ) {
    this.historyLimit = Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    this.graceMs = options.staleMarkerGraceMs ?? 5 * 60_000;
    this.concurrency = Math.max(1, options.concurrency ?? 32);
    this.casAttempts = Math.max(1, options.casAttempts ?? 8);
  }

  /**
   * The store for the app's settings: `AzureWebJobsStorage` (connection string) or
   * `AzureWebJobsStorage__blobServiceUri` (+ managed identity), container `SCHEDULE_STATE_CONTAINER`.
   */
  static fromSettings(env: Env, options: ScheduleStateStoreOptions & { counter?: OperationCounter } = {}): Result<ScheduleStateStore, AppError> {
    const service = blobServiceFromSettings(env);
    if (!service.ok) return service;
    const container = env[SCHEDULE_STATE_CONTAINER_SETTING]?.trim() || DEFAULT_SCHEDULE_STATE_CONTAINER;
    if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(container)) {
      return err({
        code: 'schedule.state_container.invalid',
        message: `Setting ${SCHEDULE_STATE_CONTAINER_SETTING} ${JSON.stringify(container)} is not a valid blob container name (3-63 lowercase letters, digits and single hyphens).`,
        field: SCHEDULE_STATE_CONTAINER_SETTING,
        value: container,
        source: SCHEDULE_STATE_CONTAINER_SETTING,
      });
    }
    return ok(new ScheduleStateStore(BlobJsonStore.forContainer(service.value, container, options.counter), options));
  }

  get counter(): OperationCounter {
    return this.blobs.counter;
  }

  async ensureContainer(): Promise<void> {
    await this.blobs.ensureContainer();
  }

  // -- state -------------------------------------------------------------------------------------

  async getState(name: string): Promise<StateSnapshot | undefined> {
    const read = await this.blobs.read(stateBlobName(name), parseState);
    if (read.status === 'missing') return undefined;
    if (read.status === 'corrupt') throw new AppFailure(read.error);
    return { state: read.value, etag: read.etag };
  }

  /** Every schedule's state (an operation for listings; O(number of schedules), never used per tick). */
  async listStates(): Promise<StateSnapshot[]> {
    const names = (await this.blobs.list('schedules/'))
      .map((b) => /^schedules\/([^/]+)\/state\.json$/.exec(b.name)?.[1])
      .filter((n): n is string => n !== undefined);
    const states = await mapLimit(names, this.concurrency, (n) => this.getState(n));
    return states.filter((s): s is StateSnapshot => s !== undefined);
  }

  /**
   * Creates the state of a new schedule if it has none (If-None-Match: *). An enabled time schedule's
   * first `nextDue` is its first occurrence after `now`: nothing before the schedule existed is run.
   */
  async initialize(def: ScheduleDefinition, now: Date): Promise<{ status: 'created' | 'exists'; snapshot: StateSnapshot }> {
    const enabled = def.status === 'Active';
    const base: ScheduleState = {
      schemaVersion: STATE_SCHEMA_VERSION,
      name: def.name,
      kind: def.kind,
      enabled,
      definitionHash: def.hash,
      timingHash: def.timingHash,
      definitionStatus: def.status,
      createdAt: isoInstant(now),
      updatedAt: isoInstant(now),
      pending: [],
    };
    const state = withWake({ ...base, ...optionalDue(enabled ? this.firstDue(def, now, now) : undefined) });
    const marker = state.wakeAt ? newMarkerName(def.name, new Date(state.wakeAt)) : undefined;
    const stored: ScheduleState = marker ? { ...state, dueMarker: marker } : state;
    if (marker) await this.blobs.upsert(marker, {});
    const created = await this.blobs.createIfAbsent(stateBlobName(def.name), stored);
    if (created.status === 'written') return { status: 'created', snapshot: { state: stored, etag: created.etag } };
    if (marker) await this.blobs.deleteIfMatch(marker);
    const existing = await this.getState(def.name);
    if (!existing) return this.initialize(def, now); // deleted between our create and read: try again
    return { status: 'exists', snapshot: existing };
  }

  /**
   * Brings a schedule's state in line with its (possibly edited) definition: creates it when new;
   * when the recurrence or zone changed, re-plans `nextDue` from `now` (no replay of the past); when the
   * file's `status` changed, `enabled` follows it. Retries lost races.
   */
  async syncDefinition(def: ScheduleDefinition, now: Date): Promise<SyncOutcome> {
    for (let attempt = 0; attempt < this.casAttempts; attempt++) {
      const current = await this.getState(def.name);
      if (!current) {
        const init = await this.initialize(def, now);
        if (init.status === 'created') return { status: 'created', snapshot: init.snapshot };
        continue;
      }
      const s = current.state;
      if (s.definitionHash === def.hash) return { status: 'unchanged', snapshot: current };
      const changes: ('definition' | 'timing' | 'enabled')[] = ['definition'];
      let enabled = s.enabled;
      if (s.definitionStatus !== def.status) {
        enabled = def.status === 'Active';
        if (enabled !== s.enabled) changes.push('enabled');
      }
      const timingChanged = s.timingHash !== def.timingHash || s.kind !== def.kind;
      if (timingChanged) changes.push('timing');
      const replan = timingChanged || (enabled && !s.enabled);
      let next: ScheduleState = {
        ...s,
        kind: def.kind,
        enabled,
        definitionHash: def.hash,
        timingHash: def.timingHash,
        definitionStatus: def.status,
        updatedAt: isoInstant(now),
        ...(enabled !== s.enabled ? { enabledChangedAt: isoInstant(now) } : {}),
      };
      if (!enabled) next = { ...next, nextDue: undefined, pending: [] };
      else if (replan) next = { ...next, nextDue: isoOrUndefined(this.firstDue(def, now, new Date(s.createdAt))), ...(def.kind === 'reactive' ? { pending: [] } : {}) };
      const saved = await this.save(current, next, now);
      if (saved.status === 'saved') return { status: 'updated', snapshot: saved.snapshot, changes };
    }
    throw this.tooContended(def.name);
  }

  /**
   * Syncs every definition with as few storage calls as possible: the catalog blob (`catalog.json`,
   * name → definition hash) is read once, and only definitions whose hash differs from it (new, edited)
   * are synced one by one; an unchanged deployment costs one read, whatever the number of schedules.
   * Names in the catalog without a definition (removed from the files) are handled per `orphans`:
   * `disable` (default: stops firing, keeps history; adding the file back re-syncs it), `delete`
   * (removes everything stored), or `keep`.
   */
  async syncAll(defs: readonly ScheduleDefinition[], now: Date, options: { readonly orphans?: 'disable' | 'delete' | 'keep' } = {}): Promise<SyncAllResult> {
    const orphanPolicy = options.orphans ?? 'disable';
    for (let attempt = 0; attempt < this.casAttempts; attempt++) {
      const read = await this.blobs.read(CATALOG_BLOB, parseCatalog);
      const catalog = read.status === 'found' ? read.value.schedules : {};
      const result = { created: [] as string[], updated: [] as string[], unchanged: 0, orphans: [] as string[] };
      const changed = defs.filter((d) => catalog[d.name] !== d.hash);
      result.unchanged = defs.length - changed.length;
      const outcomes = await mapLimit(changed, this.concurrency, (d) => this.syncDefinition(d, now));
      outcomes.forEach((o, i) => {
        const name = changed[i]!.name;
        if (o.status === 'created') result.created.push(name);
        else if (o.status === 'updated') result.updated.push(name);
        else result.unchanged++;
      });
      const defined = new Set(defs.map((d) => d.name));
      const orphans = Object.keys(catalog).filter((n) => !defined.has(n));
      result.orphans.push(...orphans);
      if (orphanPolicy === 'delete') await mapLimit(orphans, this.concurrency, (n) => this.delete(n));
      if (orphanPolicy === 'disable') {
        await mapLimit(orphans, this.concurrency, (n) =>
          this.update(n, now, (st) =>
            st.definitionHash === REMOVED_HASH
              ? undefined
              : { ...st, enabled: false, nextDue: undefined, pending: [], definitionHash: REMOVED_HASH, definitionStatus: 'Disabled', ...(st.enabled ? { enabledChangedAt: isoInstant(now) } : {}) },
          ),
        );
      }
      const next: CatalogDocument = {
        schedules: Object.fromEntries([...defs.map((d) => [d.name, d.hash] as const), ...(orphanPolicy === 'keep' ? orphans.map((n) => [n, catalog[n]!] as const) : [])].sort(([a], [b]) => a.localeCompare(b))),
        updatedAt: isoInstant(now),
      };
      if (changed.length === 0 && (orphans.length === 0 || orphanPolicy === 'keep')) return result;
      const written =
        read.status === 'missing' ? await this.blobs.createIfAbsent(CATALOG_BLOB, next) : await this.blobs.replaceIfMatch(CATALOG_BLOB, next, read.etag);
      if (written.status === 'written') return result;
      // Another instance wrote the catalog meanwhile: go again (syncDefinition is idempotent).
    }
    throw this.tooContended('catalog');
  }

  /**
   * Writes `next` over `current` (If-Match on `current.etag`), keeping the due index in step: `wakeAt`
   * is recomputed from `nextDue` / `pending` / `enabled`, and when it moves, a new marker is written
   * before the state and the old one deleted after. The state's `updatedAt` is set to `now`.
   */
  async save(current: StateSnapshot, next: ScheduleState, now: Date): Promise<SaveOutcome> {
    const woken = withWake({ ...next, updatedAt: isoInstant(now) });
    const previousMarker = current.state.dueMarker;
    const sameWake = woken.wakeAt === current.state.wakeAt && previousMarker !== undefined && woken.wakeAt !== undefined;
    let marker: string | undefined;
    if (sameWake) marker = previousMarker;
    else if (woken.wakeAt) marker = newMarkerName(woken.name, new Date(woken.wakeAt));
    const stored: ScheduleState = marker ? { ...woken, dueMarker: marker } : withoutMarker(woken);
    const createdMarker = marker !== undefined && marker !== previousMarker;
    if (createdMarker) await this.blobs.upsert(marker!, {});
    const written = await this.blobs.replaceIfMatch(stateBlobName(stored.name), stored, current.etag);
    if (written.status !== 'written') {
      if (createdMarker) await this.blobs.deleteIfMatch(marker!);
      return { status: written.status === 'missing' ? 'missing' : 'conflict' };
    }
    if (previousMarker && previousMarker !== marker) await this.blobs.deleteIfMatch(previousMarker);
    return { status: 'saved', snapshot: { state: stored, etag: written.etag } };
  }

  /**
   * Read-modify-write with retries on lost races: `change` gets the current state and returns the next
   * one, or undefined to leave it as it is. Undefined result: the schedule has no state.
   */
  async update(name: string, now: Date, change: (state: ScheduleState) => ScheduleState | undefined): Promise<SaveOutcome | { status: 'unchanged'; snapshot: StateSnapshot }> {
    for (let attempt = 0; attempt < this.casAttempts; attempt++) {
      const current = await this.getState(name);
      if (!current) return { status: 'missing' };
      const next = change(current.state);
      if (!next) return { status: 'unchanged', snapshot: current };
      const saved = await this.save(current, next, now);
      if (saved.status !== 'conflict') return saved;
    }
    throw this.tooContended(name);
  }

  /**
   * Records that the timer handled occurrences up to `lastOccurrence` and that the next one is `nextDue`
   * (undefined: the recurrence has ended). `pending` replaces the pending retries when given.
   * If-Match on `current.etag`: a conflict means another instance advanced it first.
   */
  advance(
    current: StateSnapshot,
    change: { readonly lastOccurrence?: Date; readonly nextDue: Date | undefined; readonly pending?: readonly PendingRetry[]; readonly lastRun?: HistoryEntry },
    now: Date,
  ): Promise<SaveOutcome> {
    const s = current.state;
    const last = change.lastOccurrence && (!s.lastOccurrence || change.lastOccurrence.getTime() > Date.parse(s.lastOccurrence)) ? isoInstant(change.lastOccurrence) : s.lastOccurrence;
    const next: ScheduleState = {
      ...s,
      ...(last !== undefined ? { lastOccurrence: last } : {}),
      nextDue: change.nextDue ? isoInstant(change.nextDue) : undefined,
      pending: (change.pending ?? s.pending).slice(0, MAX_PENDING_RETRIES),
      ...(change.lastRun ? { lastRun: change.lastRun } : {}),
    };
    return this.save(current, next, now);
  }

  /**
   * Enables or disables a schedule. Disabling drops `nextDue` and pending retries (a disabled schedule
   * never fires). Enabling plans `nextDue` as the first occurrence after `now`: nothing missed while
   * disabled is replayed. Enabling an enabled schedule changes nothing.
   */
  async setEnabled(def: ScheduleDefinition, enabled: boolean, now: Date): Promise<EnableOutcome> {
    const result = await this.update(def.name, now, (s) => {
      if (s.enabled === enabled) return undefined;
      const base = { ...s, enabled, enabledChangedAt: isoInstant(now) };
      if (!enabled) return { ...base, nextDue: undefined, pending: [] };
      return { ...base, nextDue: isoOrUndefined(this.firstDue(def, now, new Date(s.createdAt))), pending: [] };
    });
    if (result.status === 'missing') return { status: 'missing' };
    if (result.status === 'unchanged') return { status: 'unchanged', snapshot: result.snapshot };
    if (result.status === 'saved') return { status: 'changed', snapshot: result.snapshot };
    throw this.tooContended(def.name);
  }

  // -- due index ----------------------------------------------------------------------------------

  /**
   * The schedules that need attention at `now` (their `wakeAt` <= now), at most `limit`, reading only
   * the due markers and the due schedules' states. Checks each marker against its state; removes
   * orphaned markers older than the grace period.
   */
  async findDue(now: Date, limit = 1000): Promise<FindDueResult> {
    // Pages of 128, 512, 1000, ...: a tick with few due schedules transfers few markers.
    const markers = await this.blobs.list(DUE_PREFIX, { through: `${DUE_PREFIX}${occurrenceKey(now)}/~`, limit, firstPageSize: 128, pageSize: 1000 });
    const byName = new Map<string, { blob: string; wakeAt: Date; lastModified?: Date }[]>();
    for (const m of markers) {
      const parsed = parseMarkerName(m.name);
      if (!parsed) continue;
      const list = byName.get(parsed.name) ?? [];
      list.push({ blob: m.name, wakeAt: parsed.wakeAt, lastModified: m.lastModified });
      byName.set(parsed.name, list);
    }
    const due: DueSchedule[] = [];
    const errors: { name: string; error: AppError }[] = [];
    let staleRemoved = 0;
    await mapLimit([...byName.entries()], this.concurrency, async ([name, found]) => {
      let snapshot: StateSnapshot | undefined;
      try {
        snapshot = await this.getState(name);
      } catch (e) {
        errors.push({ name, error: e instanceof AppFailure ? e.error : { code: 'storage.unavailable', message: String(e), transient: true } });
        return;
      }
      for (const marker of found) {
        const live = snapshot && snapshot.state.enabled && snapshot.state.dueMarker === marker.blob && snapshot.state.wakeAt !== undefined;
        if (live && snapshot) {
          due.push({ name, snapshot, wakeAt: new Date(snapshot.state.wakeAt!) });
        } else if (!marker.lastModified || now.getTime() - marker.lastModified.getTime() >= this.graceMs) {
          const removed = await this.blobs.deleteIfMatch(marker.blob);
          if (removed.status === 'deleted') staleRemoved++;
        }
      }
    });
    due.sort((a, b) => a.wakeAt.getTime() - b.wakeAt.getTime() || a.name.localeCompare(b.name));
    return { due, markersScanned: markers.length, staleRemoved, errors, truncated: markers.length >= limit };
  }

  /**
   * Rewrites the due index from the states (an O(schedules) repair, e.g. after restoring a backup or
   * deleting blobs by hand): every enabled state with a `wakeAt` gets a marker, orphans are removed.
   * The markers are listed before the states, and an orphan younger than `orphanGraceMs` (default the
   * store's grace period; 0: any age, for when the app is stopped) is kept and counted in `orphansKept`:
   * a save writes its new marker before its state, so a marker no state names yet may be one in flight.
   */
  async rebuildDueIndex(now: Date, options: { readonly orphanGraceMs?: number } = {}): Promise<{ markersWritten: number; orphansRemoved: number; orphansKept: number }> {
    const grace = options.orphanGraceMs ?? this.graceMs;
    const listed = await this.blobs.list(DUE_PREFIX);
    const markers = new Set(listed.map((m) => m.name));
    const states = await this.listStates();
    let markersWritten = 0;
    const referenced = new Set<string>();
    await mapLimit(states, this.concurrency, async (snap) => {
      const s = snap.state;
      if (!s.enabled || !s.wakeAt) return;
      if (s.dueMarker && markers.has(s.dueMarker) && parseMarkerName(s.dueMarker)?.wakeAt.getTime() === Date.parse(s.wakeAt)) {
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
      if (grace > 0 && (!m.lastModified || now.getTime() - m.lastModified.getTime() < grace)) {
        orphansKept++;
        continue;
      }
      if ((await this.blobs.deleteIfMatch(m.name, m.etag)).status === 'deleted') orphansRemoved++;
    }
    return { markersWritten, orphansRemoved, orphansKept };
  }

  // -- claims -------------------------------------------------------------------------------------

  /**
   * Claims an occurrence (If-None-Match: *). Exactly one caller gets `claimed` for a given
   * (schedule, occurrence), however many race; the others get `taken` with the winner's claim.
   * `occurrence` is an instant (keyed by `occurrenceKey`) or an id of letters, digits and `_.=-`.
   */
  async claimOccurrence(
    name: string,
    occurrence: Date | string,
    init: { readonly now: Date; readonly trigger?: Trigger; readonly owner?: string },
  ): Promise<ClaimOutcome> {
    const id = claimId(occurrence);
    const claim: Claim = {
      name,
      occurrence: id,
      trigger: init.trigger ?? 'schedule',
      status: 'claimed',
      attempts: 1,
      claimedAt: isoInstant(init.now),
      updatedAt: isoInstant(init.now),
      ...(init.owner ? { owner: init.owner } : {}),
    };
    const created = await this.blobs.createIfAbsent(claimBlobName(name, id), claim);
    if (created.status === 'written') return { status: 'claimed', claim, etag: created.etag };
    const existing = await this.blobs.read(claimBlobName(name, id), parseClaim);
    return existing.status === 'found' ? { status: 'taken', claim: existing.value, etag: existing.etag } : { status: 'taken' };
  }

  async getClaim(name: string, occurrence: Date | string): Promise<{ claim: Claim; etag: string } | undefined> {
    const read = await this.blobs.read(claimBlobName(name, claimId(occurrence)), parseClaim);
    if (read.status === 'missing') return undefined;
    if (read.status === 'corrupt') throw new AppFailure(read.error);
    return { claim: read.value, etag: read.etag };
  }

  /**
   * Takes over a claim left in `retrying` (or any status in `from`) for another attempt, If-Match on
   * its ETag: exactly one of several racing instances gets `written`.
   */
  async reclaim(claim: Claim, etag: string, init: { readonly now: Date; readonly owner?: string; readonly from?: readonly ClaimStatus[] }): Promise<ClaimWriteOutcome> {
    if (!(init.from ?? ['retrying']).includes(claim.status)) return { status: 'conflict' };
    const { error: _e, nextAttemptAt: _n, ...rest } = claim;
    return this.writeClaim(
      { ...rest, status: 'claimed', attempts: claim.attempts + 1, updatedAt: isoInstant(init.now), trigger: 'retry', ...(init.owner ? { owner: init.owner } : {}) },
      etag,
    );
  }

  /**
   * Records what became of a claimed occurrence (If-Match on the claim's ETag) and appends it to the
   * schedule's history. `conflict` means the claim changed meanwhile (someone else took it over).
   */
  async recordOutcome(
    claim: Claim,
    etag: string,
    outcome: Outcome,
    now: Date,
    options: { readonly history?: boolean; readonly detail?: string } = {},
  ): Promise<ClaimWriteOutcome> {
    const { error: _e, nextAttemptAt: _n, deadline: _d, runId: _r, ...rest } = claim;
    const next: Claim = {
      ...rest,
      status: outcome.status,
      updatedAt: isoInstant(now),
      ...(outcome.status === 'submitted' ? { runId: outcome.runId } : {}),
      ...(outcome.status === 'failed' || outcome.status === 'retrying' ? { error: outcome.error } : {}),
      ...(outcome.status === 'skipped' ? { error: { code: 'schedule.occurrence.skipped', message: outcome.reason } } : {}),
      ...(outcome.status === 'retrying' ? { nextAttemptAt: isoInstant(outcome.nextAttemptAt), deadline: isoInstant(outcome.deadline) } : {}),
    };
    const written = await this.writeClaim(next, etag);
    if (written.status === 'written' && options.history !== false) {
      await this.appendHistory(claim.name, historyEntryOf(next, now, options.detail));
    }
    return written;
  }

  /**
   * Deletes the claims of occurrences settled for good, so claim blobs do not pile up (one per occurrence
   * otherwise: half a million a year for a schedule that runs each minute). A claim goes when
   *   - its schedule's state has moved past the occurrence (`lastOccurrence` at or after it, `nextDue`
   *     after it) and does not hold it in `pending`: it can never be planned or retried again, and
   *   - the claim blob has not changed for `settledForMs` of storage time: a tick that read the state
   *     before the occurrence settled (a tick lasts at most the function timeout) cannot still be about
   *     to act on it, so nobody can mistake the missing claim for "not claimed yet".
   * Claims whose id is not an instant, and claims of schedules without a state, are left alone. Looks at
   * `limit` claims at most (oldest schedules' names first); the next call goes on from the start.
   */
  async pruneSettledClaims(options: { readonly settledForMs: number; readonly limit?: number; readonly wallClock?: () => number }): Promise<{ scanned: number; deleted: number; schedules: number }> {
    const wall = options.wallClock ?? Date.now;
    const cutoff = wall() - options.settledForMs;
    const listed = await this.blobs.list('claims/', { limit: options.limit ?? 5000, pageSize: 5000 });
    const bySchedule = new Map<string, { blob: string; etag: string; occurrence: string; instant: number }[]>();
    for (const item of listed) {
      const parts = item.name.slice('claims/'.length).split('/');
      if (parts.length !== 2 || !parts[0] || !parts[1]?.endsWith('.json')) continue;
      const occurrence = parts[1].slice(0, -'.json'.length);
      const instant = parseOccurrenceKey(occurrence);
      if (!instant || !item.lastModified || item.lastModified.getTime() > cutoff) continue;
      const list = bySchedule.get(parts[0]) ?? [];
      list.push({ blob: item.name, etag: item.etag, occurrence, instant: instant.getTime() });
      bySchedule.set(parts[0], list);
    }
    let deleted = 0;
    await mapLimit([...bySchedule.entries()], this.concurrency, async ([name, claims]) => {
      const current = await this.getState(name).catch(() => undefined);
      if (!current?.state.lastOccurrence) return;
      const last = Date.parse(current.state.lastOccurrence);
      const next = current.state.nextDue ? Date.parse(current.state.nextDue) : Number.POSITIVE_INFINITY;
      const pending = new Set(current.state.pending.map((p) => p.occurrence));
      const settled = claims.filter((c) => c.instant <= last && c.instant < next && !pending.has(c.occurrence));
      // If-Match on the listed ETag: a claim written since the listing is not deleted.
      const results = await mapLimit(settled, this.concurrency, (c) => this.blobs.deleteIfMatch(c.blob, c.etag));
      deleted += results.filter((r) => r.status === 'deleted').length;
    });
    return { scanned: listed.length, deleted, schedules: bySchedule.size };
  }

  // -- history ------------------------------------------------------------------------------------

  /** Adds `entry` at the front of the schedule's history, keeping the newest `historyLimit`. */
  async appendHistory(name: string, entry: HistoryEntry): Promise<void> {
    const blob = historyBlobName(name);
    for (let attempt = 0; attempt < this.casAttempts * 2; attempt++) {
      const current = await this.blobs.read(blob, parseHistory);
      if (current.status === 'missing') {
        const created = await this.blobs.createIfAbsent(blob, { name, entries: [entry] } satisfies HistoryDocument);
        if (created.status === 'written') return;
        continue;
      }
      const entries = current.status === 'found' ? current.value.entries : []; // corrupt: start afresh
      const doc: HistoryDocument = { name, entries: [entry, ...entries].slice(0, this.historyLimit) };
      const written = await this.blobs.replaceIfMatch(blob, doc, current.etag);
      if (written.status === 'written') return;
    }
    throw this.tooContended(name);
  }

  /** The newest `limit` history entries (newest first). */
  async history(name: string, limit = this.historyLimit): Promise<HistoryEntry[]> {
    const read = await this.blobs.read(historyBlobName(name), parseHistory);
    if (read.status === 'missing') return [];
    if (read.status === 'corrupt') throw new AppFailure(read.error);
    return read.value.entries.slice(0, Math.max(0, limit));
  }

  // -- delete -------------------------------------------------------------------------------------

  /** Removes everything stored for `name`: its marker, state, history and claims. */
  async delete(name: string): Promise<{ status: 'deleted' | 'missing'; blobsDeleted: number }> {
    const current = await this.getState(name).catch(() => undefined);
    const blobs = [
      ...(current?.state.dueMarker ? [current.state.dueMarker] : []),
      ...(await this.blobs.list(`schedules/${name}/`)).map((b) => b.name),
      ...(await this.blobs.list(`claims/${name}/`)).map((b) => b.name),
    ];
    const results = await mapLimit(blobs, this.concurrency, (b) => this.blobs.deleteIfMatch(b));
    const blobsDeleted = results.filter((r) => r.status === 'deleted').length;
    return { status: current ? 'deleted' : blobsDeleted > 0 ? 'deleted' : 'missing', blobsDeleted };
  }

  // -- helpers ------------------------------------------------------------------------------------

  /** First occurrence strictly after `after` (recurrences without start_time count from `anchor`). */
  private firstDue(def: ScheduleDefinition, after: Date, anchor: Date): Date | undefined {
    if (def.kind !== 'time') return undefined;
    return nextOccurrence(recurrenceFor(def, anchor), after);
  }

  private async writeClaim(next: Claim, etag: string): Promise<ClaimWriteOutcome> {
    const written = await this.blobs.replaceIfMatch(claimBlobName(next.name, next.occurrence), next, etag);
    if (written.status === 'written') return { status: 'written', claim: next, etag: written.etag };
    return { status: written.status === 'missing' ? 'missing' : 'conflict' };
  }

  private tooContended(name: string): AppFailure {
    return new AppFailure({
      code: 'schedule.state.contended',
      message: `The state of schedule "${name}" kept changing while it was being updated (${this.casAttempts} attempts); try again.`,
      source: stateBlobName(name),
      transient: true,
      status: 409,
    });
  }
}

// ---------------------------------------------------------------------------------------------------

function isoOrUndefined(instant: Date | undefined): string | undefined {
  return instant ? isoInstant(instant) : undefined;
}

/** `nextDue` as an optional field of a state. */
function optionalDue(due: Date | undefined): { nextDue?: string } {
  return due ? { nextDue: isoInstant(due) } : {};
}

/** Sets `wakeAt`: the earliest of nextDue and pending retries, for an enabled schedule. */
function withWake(s: ScheduleState): ScheduleState {
  const times = s.enabled ? [s.nextDue, ...s.pending.map((p) => p.nextAttemptAt)].filter((t): t is string => !!t).map((t) => Date.parse(t)) : [];
  const { wakeAt: _w, nextDue, ...rest } = s;
  const base: ScheduleState = nextDue === undefined ? rest : { ...rest, nextDue };
  return times.length ? { ...base, wakeAt: isoInstant(new Date(Math.min(...times))) } : base;
}

function withoutMarker(s: ScheduleState): ScheduleState {
  const { dueMarker: _m, ...rest } = s;
  return rest;
}

function claimId(occurrence: Date | string): string {
  if (occurrence instanceof Date) return occurrenceKey(occurrence);
  if (!CLAIM_ID.test(occurrence)) {
    throw new AppFailure({
      code: 'schedule.claim.invalid_id',
      message: `Occurrence id ${JSON.stringify(occurrence)} cannot name a claim: use letters, digits and "_.=-" (at most 200), or pass the occurrence instant.`,
      value: occurrence,
    });
  }
  return occurrence;
}

function historyEntryOf(claim: Claim, now: Date, detail?: string): HistoryEntry {
  const instant = parseOccurrenceKey(claim.occurrence);
  return {
    occurrence: instant ? isoInstant(instant) : claim.occurrence,
    trigger: claim.trigger,
    status: claim.status === 'claimed' ? 'retrying' : claim.status,
    ...(claim.runId ? { runId: claim.runId } : {}),
    ...(claim.error ? { error: claim.error } : {}),
    attempts: claim.attempts,
    claimedAt: claim.claimedAt,
    recordedAt: isoInstant(now),
    ...(detail ? { detail } : {}),
  };
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
