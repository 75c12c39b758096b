/**
 * The schedule store: everything the app keeps about schedules in Blob Storage (the app's storage
 * account, container `SCHEDULE_STATE_CONTAINER`, default `aml-triggers`; every blob is named in
 * blobNames.ts). It wires one part per job over one container and does the two things that span them:
 *
 *   states   scheduleStates.ts     states and the due index (the timer's "who is due")
 *   claims   occurrenceClaims.ts   the single right to submit one occurrence
 *   history  history.ts            each schedule's newest outcomes
 *   catalog  catalog.ts            the definition hashes last synced
 *   targets  ../targets/statusStore.ts   every pipeline target's status (Active / Disabled)
 *   syncAll                        brings the states in line with the definitions (catalog + states)
 *   delete                         removes everything stored for one schedule
 *
 * How a state changes is decided in stateTransitions.ts (pure); what to do about someone else's claim in
 * claimDecision.ts (pure).
 */
import { ok, type AppError, type Result } from '../errors';
import { BlobJsonStore } from '../storage/blobJson';
import { blobServiceFromSettings, type Env } from '../storage/blobService';
import type { OperationCounter } from '../storage/operationCounter';
import { mapLimit } from '../util/mapLimit';
import { readSetting, SETTINGS } from '../settings';
import { claimsFolder, scheduleFolder } from './blobNames';
import { ScheduleCatalog } from './catalog';
import type { ScheduleDefinition } from './definition';
import type { ScheduleState } from './stateTypes';
import { DEFAULT_HISTORY_LIMIT, ScheduleHistory } from './history';
import { OccurrenceClaims } from './occurrenceClaims';
import { contendedError, errorOf, ScheduleStates, type ScheduleError } from './scheduleStates';
import { markRemoved } from './stateTransitions';
import { TargetStatusStore } from '../targets/statusStore';

export const DEFAULT_SCHEDULE_STATE_CONTAINER = SETTINGS.stateContainer.default;

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

export interface SyncAllResult {
  readonly created: string[];
  readonly updated: string[];
  unchanged: number;
  /** Names the catalog knew that no definition has any more (handled per the `orphans` option). */
  readonly orphans: string[];
  /** Schedules whose state could not be read or written: left as they are, synced again next time. */
  readonly errors: ScheduleError[];
}

/** One definition `syncAll` handled (its stored state, or why it has none), with how many of how many are done. */
export interface SyncProgress {
  readonly name: string;
  readonly state?: ScheduleState;
  readonly error?: AppError;
  readonly done: number;
  readonly total: number;
}

export class ScheduleStateStore {
  readonly states: ScheduleStates;
  readonly claims: OccurrenceClaims;
  readonly history: ScheduleHistory;
  readonly catalog: ScheduleCatalog;
  readonly targets: TargetStatusStore;
  private readonly concurrency: number;
  private readonly casAttempts: number;

  constructor(
    readonly blobs: BlobJsonStore,
    options: ScheduleStateStoreOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 32);
    this.casAttempts = Math.max(1, options.casAttempts ?? 8);
    this.states = new ScheduleStates(blobs, {
      concurrency: this.concurrency,
      casAttempts: this.casAttempts,
      staleMarkerGraceMs: options.staleMarkerGraceMs ?? 5 * 60_000,
    });
    this.claims = new OccurrenceClaims(blobs, this.states, this.concurrency);
    this.history = new ScheduleHistory(
      blobs,
      Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT),
      this.casAttempts,
      this.states,
    );
    this.catalog = new ScheduleCatalog(blobs);
    this.targets = new TargetStatusStore(blobs, this.casAttempts);
  }

  /**
   * The store for the app's settings: `AzureWebJobsStorage` (connection string) or
   * `AzureWebJobsStorage__blobServiceUri` (+ managed identity), container `SCHEDULE_STATE_CONTAINER`.
   */
  static fromSettings(
    env: Env,
    options: ScheduleStateStoreOptions & { counter?: OperationCounter } = {},
  ): Result<ScheduleStateStore, AppError> {
    const service = blobServiceFromSettings(env);
    if (!service.ok) return service;
    const container = readSetting(env, SETTINGS.stateContainer);
    if (!container.ok) return container;
    return ok(
      new ScheduleStateStore(BlobJsonStore.forContainer(service.value, container.value, options.counter), options),
    );
  }

  get counter(): OperationCounter {
    return this.blobs.counter;
  }

  async ensureContainer(): Promise<void> {
    await this.blobs.ensureContainer();
  }

  /**
   * Syncs every definition with as few storage calls as possible: the catalog is read once, and only
   * definitions whose hash differs from it (new, edited) are synced one by one; an unchanged deployment
   * costs one read, whatever the number of schedules. Names in the catalog without a definition (removed
   * from the files) are handled per `orphans`: `disable` (default: stops firing, keeps history; adding the
   * file back re-syncs it), `delete` (removes everything stored), or `keep`. Names in `unreadable` (their
   * definition exists but cannot be read now) are neither synced nor treated as removed.
   * One schedule whose state cannot be read or written is reported in `errors` and keeps its old catalog
   * entry (so the next sync tries it again); the others are synced. `onSynced` hears of each definition
   * synced (or failed) as it happens, for progress and for callers that need the states written.
   */
  async syncAll(
    defs: readonly ScheduleDefinition[],
    now: Date,
    options: {
      readonly orphans?: 'disable' | 'delete' | 'keep';
      readonly unreadable?: ReadonlySet<string>;
      readonly onSynced?: (progress: SyncProgress) => void;
    } = {},
  ): Promise<SyncAllResult> {
    const orphanPolicy = options.orphans ?? 'disable';
    const unreadable = options.unreadable ?? new Set<string>();
    for (let attempt = 0; attempt < this.casAttempts; attempt++) {
      const { schedules: catalog, etag } = await this.catalog.read();
      const result: SyncAllResult = { created: [], updated: [], unchanged: 0, orphans: [], errors: [] };
      const changed = defs.filter((d) => catalog[d.name] !== d.hash);
      result.unchanged = defs.length - changed.length;
      const failed = new Set<string>();
      const guard = async (name: string, run: () => Promise<void>): Promise<void> => {
        try {
          await run();
        } catch (e) {
          failed.add(name);
          result.errors.push({ name, error: errorOf(e) });
        }
      };
      let done = 0;
      const outcomes = await mapLimit(changed, this.concurrency, async (d) => {
        let status: string | undefined;
        let state: ScheduleState | undefined;
        await guard(d.name, async () => {
          const synced = await this.states.syncDefinition(d, now);
          status = synced.status;
          state = synced.snapshot.state;
        });
        const error = state ? undefined : result.errors.find((e) => e.name === d.name)?.error;
        options.onSynced?.({
          name: d.name,
          ...(state ? { state } : {}),
          ...(error ? { error } : {}),
          done: ++done,
          total: changed.length,
        });
        return status;
      });
      outcomes.forEach((status, i) => {
        const name = changed[i]!.name;
        if (status === 'created') result.created.push(name);
        else if (status === 'updated') result.updated.push(name);
        else if (status === 'unchanged') result.unchanged++;
      });
      const defined = new Set(defs.map((d) => d.name));
      const orphans = Object.keys(catalog).filter((n) => !defined.has(n) && !unreadable.has(n));
      result.orphans.push(...orphans);
      if (orphanPolicy === 'delete')
        await mapLimit(orphans, this.concurrency, (n) => guard(n, async () => void (await this.delete(n))));
      if (orphanPolicy === 'disable')
        await mapLimit(orphans, this.concurrency, (n) =>
          guard(n, async () => void (await this.states.update(n, now, (st) => markRemoved(st, now)))),
        );
      const kept = (n: string): boolean => orphanPolicy === 'keep' || unreadable.has(n) || failed.has(n);
      const next: Record<string, string> = {};
      for (const [n, hash] of Object.entries(catalog)) if (!defined.has(n) && kept(n)) next[n] = hash;
      for (const d of defs) {
        if (!failed.has(d.name)) next[d.name] = d.hash;
        else if (catalog[d.name] !== undefined) next[d.name] = catalog[d.name]!;
      }
      if (changed.length === 0 && orphans.length === 0) return result;
      if (orphanPolicy === 'keep' && changed.length === 0) return result;
      if (sameEntries(next, catalog)) return result; // only failures: nothing to record
      if (await this.catalog.write(next, etag, now)) return result;
      // Another instance wrote the catalog meanwhile: go again (syncDefinition is idempotent).
    }
    throw contendedError('catalog', this.casAttempts);
  }

  /** Removes everything stored for `name`: its marker, state, history and claims. */
  async delete(name: string): Promise<{ status: 'deleted' | 'missing'; blobsDeleted: number }> {
    const current = await this.states.read(name).catch(() => ({ status: 'failed' as const }));
    const blobs = [
      ...(current.status === 'found' && current.snapshot.state.dueMarker ? [current.snapshot.state.dueMarker] : []),
      ...(await this.blobs.list(scheduleFolder(name))).map((b) => b.name),
      ...(await this.blobs.list(claimsFolder(name))).map((b) => b.name),
    ];
    const results = await mapLimit(blobs, this.concurrency, (b) => this.blobs.deleteIfMatch(b));
    const blobsDeleted = results.filter((r) => r.status === 'deleted').length;
    return {
      status: current.status === 'found' || current.status === 'corrupt' || blobsDeleted > 0 ? 'deleted' : 'missing',
      blobsDeleted,
    };
  }
}

function sameEntries(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
