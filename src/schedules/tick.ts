/**
 * One timer tick: submits every due occurrence of every time schedule, once (docs/timer.md).
 *
 *   runTick(now, deps) →
 *     1. `registry.sync(now)`: state exists for every definition (one read when nothing changed);
 *     2. `store.states.findDue(now)`: the due index lists only the schedules whose `wakeAt` <= now, and their
 *        states are read (nothing is read for the others);
 *     3. per due schedule (at most `concurrency` at once):
 *        a. **plan** (missedRuns.ts): the occurrences from `nextDue` to now, run or skipped per
 *           `missed_runs`; the runs are written into the state's `pending` list and `nextDue` moves past
 *           now, in ONE conditional write (If-Match). Only one instance wins it, so an occurrence is
 *           planned once; once planned it is durable (a crash after this point loses nothing);
 *        b. **submit** each pending entry that is due: claim it with its `submittingAt` in the same write
 *           (claim blob created If-None-Match: *, or taken over If-Match), submit through the Azure ML
 *           client, record the outcome on the claim (If-Match);
 *        c. **settle**: a second conditional write drops finished entries from `pending` and reschedules
 *           retries (nextAttemptAt with exponential backoff, until the retry deadline);
 *     4. the first tick of each hour deletes the claims of occurrences settled for good
 *        (`store.claims.pruneSettled`; unchanged for `claimSettledMs`, default an hour) and repairs the
 *        due index (`store.states.repairDueIndex`: a lost marker is written again).
 *
 * 0. first of all the tick's clock is checked against the storage service's (`timeAuthority`): a tick
 *    whose clock disagrees does nothing but log.
 *
 * Exactly once: the claim blob is the single right to submit an occurrence. What happens to each due
 * pending entry — claim, decide about someone else's claim (claimDecision.ts), submit, reconcile an
 * unknown outcome by the run's key, record — is occurrenceJob.ts; this module plans, schedules the
 * work and settles the state.
 *
 * Disabled targets (src/targets): when something is due, the tick reads every target's status once
 * (`store.targets`, one small blob) and each occurrence asks `mayFire`; an occurrence of a disabled
 * target is claimed and recorded `skipped` with the reason (history, log) instead of submitted, so
 * enabling the target replays nothing. If the statuses cannot be read, schedules that name a target
 * are left for the next tick (nothing is skipped or sent on a guess).
 *
 * Disabled schedules are not in the due index (their state has no wakeAt): they never fire, and
 * enabling plans from "now" (stateTransitions.enable), so nothing is replayed. `isPastDue` only changes the
 * log: downtime is detected from each schedule's own state (its nextDue is in the past).
 */
import type { PipelineClient, PipelineTarget } from '../aml/types';
import { AppFailure, appError, errorFrom, type AppError, type Result } from '../errors';
import type { Telemetry } from '../telemetry';
import { instanceOwner, readSettings, settingText, SETTINGS, type Env } from '../settings';
import {
  recurrenceFor,
  resolveScheduleTarget,
  type ScheduleDefinition,
  type TimeScheduleDefinition,
  type WorkspaceDefaults,
} from './definition';
import { planOccurrences, SKIPPED_SAMPLE, type OccurrencePlan } from './missedRuns';
import { mapLimit } from '../util/mapLimit';
import { isoInstant, occurrenceKey, parseOccurrenceKey } from './instants';
import type { SyncReport } from './registry';
import type { DueIndexListing, DueSchedule, ReplacedMarkers, StateSnapshot } from './scheduleStates';
import type { ScheduleStateStore } from './stateStore';
import { MAX_PENDING_RETRIES } from './stateTransitions';
import {
  handleOccurrence,
  type Collector,
  type OccurrenceReport,
  type PendingChange,
  type TargetResolver,
} from './occurrenceJob';
import type { HistoryEntry, PendingRetry } from './stateTypes';
import { HISTORY_INBOX_LIMIT } from './history';
import type { ClockVerdict } from '../storage/serviceClock';
import type { ErrorCode } from '../errorCatalog';
import { mayFire, type TargetStatusMap } from '../targets/mayFire';
export type { OccurrenceReport } from './occurrenceJob';

// ---------------------------------------------------------------------------------------------------
// Settings

/** The tick's settings (names, ranges, errors: src/settings.ts), by the field they set. */
export const TICK_SETTINGS = {
  graceMinutes: SETTINGS.missedGraceMinutes.name,
  retryDeadlineMinutes: SETTINGS.retryDeadlineMinutes.name,
  submitDeadlineSeconds: SETTINGS.submitDeadlineSeconds.name,
  claimTimeoutSeconds: SETTINGS.claimTimeoutSeconds.name,
  concurrency: SETTINGS.tickConcurrency.name,
  clockToleranceSeconds: SETTINGS.clockToleranceSeconds.name,
} as const;

export interface TickSettings {
  readonly graceMs: number;
  readonly retryDeadlineMs: number;
  /** First retry delay; doubles per attempt up to `retryMaxDelayMs`. */
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly submitDeadlineMs: number;
  readonly claimTimeoutMs: number;
  /** How long after an outcome became unknown its run is looked up (again) (claimDecision.ts). */
  readonly reconcileAfterMs: number;
  readonly concurrency: number;
  /** Most due schedules handled in one tick (the rest are handled by the next one). */
  readonly maxDuePerTick: number;
  /** `RunSource` of scheduled submissions. */
  readonly runSource: string;
  /** Who claims (for diagnosis in claim blobs). */
  readonly owner: string;
  /**
   * Claims of settled occurrences are deleted once unchanged for this long (storage time), by the first
   * tick of each hour (see `OccurrenceClaims.pruneSettled`). Well above the function timeout.
   */
  readonly claimSettledMs: number;
  /** Claims looked at per pruning (the rest wait for the next hour). */
  readonly pruneLimit: number;
  /**
   * How far the app's clock may be from the storage service's (its answers' `Date`) before a tick does
   * nothing but log: a jumped clock must neither run an occurrence early nor skip one (timer.md, Clock).
   */
  readonly clockToleranceMs: number;
}

export const DEFAULT_TICK_SETTINGS: TickSettings = {
  graceMs: 5 * 60_000,
  retryDeadlineMs: 60 * 60_000,
  retryBaseDelayMs: 60_000,
  retryMaxDelayMs: 15 * 60_000,
  submitDeadlineMs: 30_000,
  claimTimeoutMs: 120_000,
  reconcileAfterMs: 120_000,
  concurrency: 32,
  maxDuePerTick: 1000,
  runSource: 'SDK',
  owner: `local:${process.pid}`,
  claimSettledMs: 60 * 60_000,
  pruneLimit: 5000,
  clockToleranceMs: 10_000,
};

/** Reads the tick settings; a malformed value is an error naming the setting. */
export function readTickSettings(
  env: Env,
  base: Partial<TickSettings> = {},
): { ok: true; value: TickSettings } | { ok: false; error: AppError } {
  const read = readSettings(env, [
    'missedGraceMinutes',
    'retryDeadlineMinutes',
    'submitDeadlineSeconds',
    'claimTimeoutSeconds',
    'tickConcurrency',
    'clockToleranceSeconds',
  ]);
  if (!read.ok) return { ok: false, error: read.error[0]! };
  const v = read.value;
  const out: { -readonly [K in keyof TickSettings]: TickSettings[K] } = {
    ...DEFAULT_TICK_SETTINGS,
    owner: instanceOwner(env),
    ...base,
  };
  // A setting that is set wins over `base`; unset ones keep `base` or the default.
  const set = (key: Parameters<typeof settingText>[1], apply: () => void): void => {
    if (settingText(env, key) !== undefined) apply();
  };
  set(SETTINGS.missedGraceMinutes, () => (out.graceMs = v.missedGraceMinutes * 60_000));
  set(SETTINGS.retryDeadlineMinutes, () => (out.retryDeadlineMs = v.retryDeadlineMinutes * 60_000));
  set(SETTINGS.submitDeadlineSeconds, () => (out.submitDeadlineMs = v.submitDeadlineSeconds * 1000));
  set(SETTINGS.claimTimeoutSeconds, () => (out.claimTimeoutMs = v.claimTimeoutSeconds * 1000));
  set(SETTINGS.tickConcurrency, () => (out.concurrency = v.tickConcurrency));
  set(SETTINGS.clockToleranceSeconds, () => (out.clockToleranceMs = v.clockToleranceSeconds * 1000));
  return { ok: true, value: out };
}

// ---------------------------------------------------------------------------------------------------
// Dependencies and report

export interface TickLog {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export interface TickDeps {
  readonly store: ScheduleStateStore;
  readonly registry: { sync(now: Date): Promise<SyncReport> };
  readonly client: PipelineClient;
  /** The configured targets (read when a schedule names one). */
  readonly targets: () => ReadonlyMap<string, PipelineTarget>;
  readonly workspaceDefaults?: WorkspaceDefaults;
  readonly telemetry: Telemetry;
  readonly log: TickLog;
  readonly settings: TickSettings;
  /**
   * The time authority: judges the tick's `now` against the storage service's clock (production: the
   * store's `verifyClock`). Absent in the scenario tests that drive a simulated clock.
   */
  readonly timeAuthority?: TimeAuthority;
  /**
   * Called after an occurrence is claimed and before anything is sent (fault injection for tests: a
   * throw here is a process dying between claim and submit).
   */
  readonly afterClaim?: (schedule: string, occurrence: Date) => Promise<void> | void;
}

export interface TimeAuthority {
  verify(now: Date): Promise<ClockVerdict>;
}

export interface TickReport {
  readonly now: string;
  readonly isPastDue: boolean;
  /** Due schedules found. */
  readonly due: number;
  readonly submitted: readonly OccurrenceReport[];
  readonly failed: readonly OccurrenceReport[];
  readonly retrying: readonly OccurrenceReport[];
  /** Occurrences whose submission's outcome became unknown in this tick (looked up by key on later ticks; never resent blindly). */
  readonly unknown: readonly OccurrenceReport[];
  readonly skipped: readonly {
    readonly schedule: string;
    readonly count: number;
    readonly first?: string;
    readonly last?: string;
  }[];
  /** Schedules whose handling stopped on an error (storage, corrupt state): the next tick tries again. */
  readonly errors: readonly { readonly schedule?: string; readonly code: ErrorCode; readonly message: string }[];
  /** True when more schedules were due than `maxDuePerTick`. */
  readonly truncated: boolean;
  readonly durationMs: number;
}

// ---------------------------------------------------------------------------------------------------

export async function runTick(
  now: Date,
  deps: TickDeps,
  options: { readonly isPastDue?: boolean } = {},
): Promise<TickReport> {
  const started = Date.now();
  const out: Collector = { submitted: [], failed: [], retrying: [], unknown: [], skipped: [], errors: [] };
  const isPastDue = options.isPastDue === true;
  if (isPastDue)
    deps.log.warn(
      `schedule tick at ${isoInstant(now)} is past due (the app was stopped or busy); each schedule's missed_runs policy decides about occurrences missed meanwhile.`,
    );

  // 0. The time authority: a clock that disagrees with the storage service's acts on nothing.
  if (deps.timeAuthority) {
    const refused = await clockRefusal(now, deps);
    if (refused) {
      out.errors.push(refused);
      return report(now, isPastDue, 0, false, out, started);
    }
  }

  let definitions: ReadonlyMap<string, ScheduleDefinition>;
  try {
    const synced = await deps.registry.sync(now);
    definitions = synced.byName;
    for (const p of synced.problems) deps.log.error(`schedule ${p.schedule}: ${p.code}: ${p.message}`);
    for (const e of synced.synced?.errors ?? []) {
      out.errors.push({ schedule: e.name, code: e.error.code, message: e.error.message });
      deps.log.error(
        `schedule ${e.name}: not synced with its definition: ${e.error.code}: ${e.error.message} (the other schedules go on; it is tried again on the next sync)`,
      );
    }
  } catch (e) {
    const error = errorOf(e);
    out.errors.push({ code: error.code, message: error.message });
    deps.log.error(
      `schedule tick at ${isoInstant(now)} could not load the schedule definitions: ${error.code}: ${error.message}`,
    );
    deps.telemetry.exception(e, { code: error.code, phase: 'sync' });
    return report(now, isPastDue, 0, false, out, started);
  }

  let found;
  try {
    // The hour's first tick lists the whole due index, for the hourly repair (no second listing).
    found = await deps.store.states.findDue(now, deps.settings.maxDuePerTick, {
      wholeIndex: isMaintenanceTick(now, deps),
    });
  } catch (e) {
    const error = errorOf(e);
    out.errors.push({ code: error.code, message: error.message });
    deps.log.error(`schedule tick at ${isoInstant(now)} could not read the due index: ${error.code}: ${error.message}`);
    return report(now, isPastDue, 0, false, out, started);
  }
  for (const e of found.errors) {
    out.errors.push({ schedule: e.name, code: e.error.code, message: e.error.message });
    deps.log.error(`schedule ${e.name}: state unreadable: ${e.error.code}: ${e.error.message}`);
  }
  for (const blob of found.unparseableRemoved)
    deps.log.warn(
      `schedule due index: removed ${blob}, which is not a due marker the app writes (written by hand or another tool)`,
    );
  if (found.truncated)
    deps.log.warn(
      `schedule tick at ${isoInstant(now)}: more than ${deps.settings.maxDuePerTick} schedules are due; the rest are handled by the next tick.`,
    );

  const statuses = await readTargetStatuses(found.due, definitions, now, deps, out);
  // The due markers this tick's saves replace: deleted at the end, in one batch request.
  const replaced: ReplacedMarkers = [];
  await mapLimit(found.due, deps.settings.concurrency, async (due) => {
    const def = definitions.get(due.name);
    if (!def || def.kind !== 'time') return; // removed or not time-based: the sync disables / ignores it
    if (def.pipeline.kind === 'target' && !statuses) return; // its target's status is unknown: the next tick
    try {
      await handleSchedule(due, def, now, { ...deps, replaced }, out, statuses ?? {});
    } catch (e) {
      const error = errorOf(e);
      out.errors.push({ schedule: due.name, code: error.code, message: error.message });
      deps.log.error(
        `schedule ${due.name}: tick stopped on ${error.code}: ${error.message} (the next tick continues from the stored state)`,
      );
      deps.telemetry.exception(e, { schedule: due.name, code: error.code });
    }
  });

  await deleteReplacedMarkers(replaced, deps);
  await maintainHourly(now, definitions, found.index, deps);

  const result = report(now, isPastDue, found.due.length, found.truncated, out, started);
  if (found.due.length > 0 || out.errors.length > 0) {
    deps.log.info(
      `schedule tick at ${result.now}: ${result.due} due, ${result.submitted.length} submitted, ${result.retrying.length} retrying, ${result.failed.length} failed, ${result.unknown.length} unknown, ${result.skipped.reduce((n, s) => n + s.count, 0)} skipped, ${result.errors.length} errors, ${result.durationMs} ms`,
    );
  }
  return result;
}

/**
 * Every target's status, read once per tick and only when a due schedule names a target (an idle tick
 * reads nothing). Undefined when it cannot be read: logged, and those schedules wait for the next tick.
 */
async function readTargetStatuses(
  due: readonly DueSchedule[],
  definitions: ReadonlyMap<string, ScheduleDefinition>,
  now: Date,
  deps: TickDeps,
  out: Collector,
): Promise<TargetStatusMap | undefined> {
  if (!due.some((d) => definitions.get(d.name)?.pipeline.kind === 'target')) return {};
  try {
    return await deps.store.targets.statuses();
  } catch (e) {
    const error = errorOf(e);
    out.errors.push({ code: error.code, message: error.message });
    deps.log.error(
      `schedule tick at ${isoInstant(now)}: the target statuses could not be read (${error.code}: ${error.message}); schedules that name a target wait for the next tick (nothing is skipped or submitted meanwhile).`,
    );
    return undefined;
  }
}

/**
 * Asks the time authority about `now`; returns the tick's error when the tick must not act (the clock
 * disagrees, or the storage service's clock cannot be read), after logging why and what to do.
 */
async function clockRefusal(now: Date, deps: TickDeps): Promise<{ code: ErrorCode; message: string } | undefined> {
  let verdict: ClockVerdict;
  try {
    verdict = await deps.timeAuthority!.verify(now);
  } catch (e) {
    const error = errorOf(e);
    const message = `The storage service's clock could not be read (${error.code}: ${error.message}); this tick does nothing, the next one tries again.`;
    deps.log.error(`schedule tick at ${isoInstant(now)}: ${message}`);
    return { code: 'schedule.clock.unverified', message };
  }
  if (verdict.kind === 'agrees') return undefined;
  const serviceAt = isoInstant(new Date(verdict.service.earliestMs));
  const seconds = Math.round(verdict.skewMs / 1000);
  const message =
    `The app's clock (${isoInstant(now)}) is ${Math.abs(seconds)} s ${seconds > 0 ? 'ahead of' : 'behind'} the storage service's (about ${serviceAt}), ` +
    `more than ${TICK_SETTINGS.clockToleranceSeconds} (${deps.settings.clockToleranceMs / 1000} s) allows: this tick submits and skips nothing, so no occurrence runs early or is lost; ` +
    `the first tick after the clocks agree again catches up. If this persists, check the host's time synchronisation.`;
  deps.log.error(`schedule tick at ${isoInstant(now)}: ${message}`);
  deps.telemetry.event(
    'ScheduleClockSkew',
    { appClock: isoInstant(now), serviceClock: serviceAt },
    { skewSeconds: seconds },
  );
  return { code: 'schedule.clock.skew', message };
}

/**
 * Deletes the due markers the tick's saves replaced (one Blob Batch request per 256). Never fails the
 * tick: a marker left behind names no state, so `findDue` removes it once it is older than its grace period.
 */
async function deleteReplacedMarkers(markers: ReplacedMarkers, deps: TickDeps): Promise<void> {
  try {
    const result = await deps.store.states.deleteMarkers(markers);
    if (result.failed > 0)
      deps.log.warn(
        `schedule due index: ${result.failed} replaced marker(s) could not be deleted; each is removed by a later tick once stale`,
      );
  } catch (e) {
    const error = errorOf(e);
    deps.log.warn(
      `schedule due index: the ${markers.length} replaced marker(s) could not be deleted (${error.code}: ${error.message}); each is removed by a later tick once stale`,
    );
  }
}

/** The hour (of `now`) each store was last looked after in, in this process. */
const lastMaintained = new WeakMap<object, number>();

/**
 * Once per hour of `now` per store: deletes the claims of settled occurrences, and repairs the due index
 * (a time schedule whose state wants a wake-up but lost its marker gets one; blobs under `due/` that are
 * not markers are removed). Never fails the tick.
 */
function isMaintenanceTick(now: Date, deps: TickDeps): boolean {
  return lastMaintained.get(deps.store) !== Math.floor(now.getTime() / 3_600_000);
}

async function maintainHourly(
  now: Date,
  definitions: ReadonlyMap<string, ScheduleDefinition>,
  index: DueIndexListing | undefined,
  deps: TickDeps,
): Promise<void> {
  if (!isMaintenanceTick(now, deps)) return;
  lastMaintained.set(deps.store, Math.floor(now.getTime() / 3_600_000));
  // The two passes are independent (claims/, due/): run them side by side.
  await Promise.all([pruneClaims(deps), repairDueIndex(now, definitions, index, deps)]);
}

async function pruneClaims(deps: TickDeps): Promise<void> {
  try {
    const pruned = await deps.store.claims.pruneSettled({
      settledForMs: deps.settings.claimSettledMs,
      limit: deps.settings.pruneLimit,
    });
    if (pruned.deleted > 0)
      deps.log.info(
        `schedule claims: ${pruned.deleted} claim(s) of settled occurrences deleted (${pruned.scanned} looked at, ${pruned.schedules} schedule(s))`,
      );
  } catch (e) {
    const error = errorOf(e);
    deps.log.warn(
      `schedule claims: pruning stopped on ${error.code}: ${error.message} (tried again next hour; nothing is lost, old claims only take space)`,
    );
  }
}

async function repairDueIndex(
  now: Date,
  definitions: ReadonlyMap<string, ScheduleDefinition>,
  index: DueIndexListing | undefined,
  deps: TickDeps,
): Promise<void> {
  try {
    const timed = [...definitions.values()].filter((d) => d.kind === 'time').map((d) => d.name);
    const repaired = await deps.store.states.repairDueIndex(timed, now, index);
    for (const name of repaired.markersWritten)
      deps.log.warn(
        `schedule ${name}: its due-index marker was missing (deleted by hand?); a new one was written, so it fires again`,
      );
    for (const blob of repaired.unparseableRemoved)
      deps.log.warn(
        `schedule due index: removed ${blob}, which is not a due marker the app writes (written by hand or another tool)`,
      );
    for (const e of repaired.errors)
      deps.log.error(`schedule ${e.name}: due index not checked: ${e.error.code}: ${e.error.message}`);
  } catch (e) {
    const error = errorOf(e);
    deps.log.warn(
      `schedule due index: the hourly check stopped on ${error.code}: ${error.message} (tried again next hour)`,
    );
  }
}

function report(
  now: Date,
  isPastDue: boolean,
  due: number,
  truncated: boolean,
  out: Collector,
  started: number,
): TickReport {
  return { now: isoInstant(now), isPastDue, due, ...out, truncated, durationMs: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------------

async function handleSchedule(
  due: DueSchedule,
  def: TimeScheduleDefinition,
  now: Date,
  deps: TickDeps & { readonly replaced: ReplacedMarkers },
  out: Collector,
  statuses: TargetStatusMap,
): Promise<void> {
  const { store, settings, replaced } = deps;
  let snapshot: StateSnapshot | undefined = due.snapshot;

  // a. Plan new occurrences into `pending` (one conditional write; on a lost race, read and re-plan).
  for (let attempt = 0; attempt < 4 && snapshot; attempt++) {
    const s: StateSnapshot['state'] = snapshot.state;
    if (!s.enabled) return;
    if (!s.nextDue || Date.parse(s.nextDue) > now.getTime()) break;
    const plan = planOccurrences({
      recurrence: recurrenceFor(def, new Date(s.createdAt)),
      nextDue: new Date(s.nextDue),
      now,
      policy: def.missedRuns,
      limit: def.missedRunsLimit,
      graceMs: settings.graceMs,
      room: MAX_PENDING_RETRIES - s.pending.length,
    });
    const known = new Set(s.pending.map((p) => p.occurrence));
    const added: PendingRetry[] = plan.run
      .filter((r) => !known.has(occurrenceKey(r.occurrence)))
      .map((r) => ({
        occurrence: occurrenceKey(r.occurrence),
        attempts: 0,
        // "Not before its own instant" (already past): the state's wakeAt stays at the earliest planned
        // occurrence, which is where its due marker already is, so planning moves no marker.
        nextAttemptAt: isoInstant(r.occurrence),
        deadline: isoInstant(new Date(now.getTime() + settings.retryDeadlineMs)),
        trigger: r.trigger,
      }));
    const saved = await store.states.advance(
      snapshot,
      {
        ...(plan.lastHandled ? { lastOccurrence: plan.lastHandled } : {}),
        nextDue: plan.nextDue,
        pending: [...s.pending, ...added],
      },
      now,
      replaced,
    );
    if (saved.status === 'saved') {
      snapshot = saved.snapshot;
      if (plan.skipped.count > 0) await recordSkipped(def, plan, now, deps, out);
      break;
    }
    if (saved.status === 'missing') return;
    snapshot = await store.states.get(def.name); // another instance (or an enable/disable) got there first
  }
  if (!snapshot || !snapshot.state.enabled) return;

  // b. Submit the pending entries that are due, oldest first.
  const duePending = snapshot.state.pending
    .filter((p) => Date.parse(p.nextAttemptAt) <= now.getTime())
    .sort((a, b) => a.occurrence.localeCompare(b.occurrence));
  if (duePending.length === 0) return;
  const changes = new Map<string, PendingChange>();
  let target: Result<PipelineTarget> | undefined;
  const resolveTarget: TargetResolver = () => {
    if (!target) {
      try {
        target = resolveScheduleTarget(def, deps.targets(), deps.workspaceDefaults ?? {});
      } catch (e) {
        target = { ok: false, error: errorOf(e) };
      }
    }
    return target;
  };
  const fire = mayFire(def.pipeline.kind === 'target' ? def.pipeline.target : undefined, statuses);
  for (const entry of duePending) {
    const occurrence = parseOccurrenceKey(entry.occurrence);
    const change: PendingChange = occurrence
      ? await handleOccurrence({ def, entry, occurrence, now, deps, out, target: resolveTarget, fire })
      : { kind: 'done' }; // not an instant: not ours
    changes.set(entry.occurrence, change);
  }

  // c. Settle: drop finished entries, reschedule retries, record this tick's history entries in the same
  //    write (the state's `recentHistory`; filed into history.json once there are HISTORY_INBOX_LIMIT);
  //    re-reading on lost races.
  const lastRun = [...changes.values()]
    .map((c) => (c.kind === 'leave' ? undefined : c.lastRun))
    .filter((e): e is HistoryEntry => !!e)
    .at(-1);
  const records = [...changes.entries()].flatMap(([occurrence, c]) =>
    c.kind !== 'leave' && c.record
      ? [{ occurrence, entry: c.record, onlyIfPending: c.kind === 'done' && c.recordOnlyIfPending === true }]
      : [],
  );
  const filed = await fileRecentHistory(def.name, snapshot.state, records.length, deps);
  const settle = (s: StateSnapshot['state']): StateSnapshot['state'] | undefined => {
    let changed = false;
    const pendingBefore = new Set(s.pending.map((p) => p.occurrence));
    const pending = s.pending.flatMap((p) => {
      const c = changes.get(p.occurrence);
      if (!c || c.kind === 'leave') return [p];
      changed = true;
      return c.kind === 'done' ? [] : [c.pending];
    });
    const { recentHistory: unfiled = [], ...rest } = s;
    const kept = unfiled.filter((e) => !filed.has(JSON.stringify(e)));
    // An outcome someone else's settle already recorded (a duplicate tick) is not recorded twice.
    const known = new Set(kept.map(outcomeKey));
    const added = records
      .filter((r) => (!r.onlyIfPending || pendingBefore.has(r.occurrence)) && !known.has(outcomeKey(r.entry)))
      .map((r) => r.entry);
    if (!changed && !lastRun && added.length === 0 && kept.length === unfiled.length) return undefined;
    const recentHistory = [...added.reverse(), ...kept].slice(0, deps.store.history.limit); // newest first
    return {
      ...rest,
      pending: s.enabled ? pending : s.pending,
      ...(lastRun ? { lastRun } : {}),
      ...(recentHistory.length > 0 ? { recentHistory } : {}),
    };
  };
  // Usually nobody wrote the state since this tick did: write over that snapshot (no re-read).
  const next = settle(snapshot.state);
  if (!next) return;
  const direct = await store.states.save(snapshot, next, now, replaced);
  if (direct.status !== 'conflict') return;
  const result = await store.states.update(def.name, now, settle, replaced);
  if (result.status === 'conflict')
    throw new AppFailure(
      appError(
        'schedule.state.contended',
        { name: def.name, then: 'the next tick settles it.' },
        { field: 'name', value: def.name },
      ),
    );
}

/** What makes two history entries the same outcome of the same occurrence (whoever recorded it). */
function outcomeKey(e: HistoryEntry): string {
  return JSON.stringify([e.occurrence, e.status, e.attempts, e.runId, e.error?.message]);
}

/**
 * When the state's unfiled history entries and this tick's new ones would be more than
 * HISTORY_INBOX_LIMIT, files the unfiled ones into history.json (before the settle write drops them from
 * the state: a reader always finds each entry in one of the two). Returns the filed entries (as JSON);
 * none when there is no need or filing failed (they then stay in the state and are filed next time).
 */
async function fileRecentHistory(
  name: string,
  state: StateSnapshot['state'],
  adding: number,
  deps: TickDeps,
): Promise<Set<string>> {
  const unfiled = state.recentHistory ?? [];
  if (adding === 0 || unfiled.length + adding <= HISTORY_INBOX_LIMIT) return new Set();
  try {
    await deps.store.history.file(name, unfiled);
    return new Set(unfiled.map((e) => JSON.stringify(e)));
  } catch (e) {
    const error = errorOf(e);
    deps.log.warn(
      `schedule ${name}: its newest ${unfiled.length} history entries could not be filed into the history blob (${error.code}: ${error.message}); they stay in its state and are filed by a later tick`,
    );
    return new Set();
  }
}

async function recordSkipped(
  def: TimeScheduleDefinition,
  plan: OccurrencePlan,
  now: Date,
  deps: TickDeps,
  out: Collector,
): Promise<void> {
  const { skipped } = plan;
  const reason = `missed while the app was not running (missed_runs: ${def.missedRuns}${def.missedRuns === 'all' ? `, limit ${def.missedRunsLimit}` : ''})`;
  const first = skipped.first ? isoInstant(skipped.first) : undefined;
  const last = skipped.last ? isoInstant(skipped.last) : undefined;
  out.skipped.push({
    schedule: def.name,
    count: skipped.count,
    ...(first ? { first } : {}),
    ...(last ? { last } : {}),
  });
  const countText = `${skipped.count}${skipped.countIsLowerBound ? '+' : ''}`;
  if (skipped.count <= SKIPPED_SAMPLE && !skipped.countIsLowerBound) {
    for (const o of skipped.newest) {
      await deps.store.history.append(def.name, {
        occurrence: isoInstant(o),
        trigger: 'schedule',
        status: 'skipped',
        recordedAt: isoInstant(now),
        detail: reason,
      });
      deps.log.warn(`schedule ${def.name} occurrence ${isoInstant(o)} skipped: ${reason}`);
    }
  } else {
    await deps.store.history.append(def.name, {
      occurrence: last,
      trigger: 'schedule',
      status: 'skipped',
      recordedAt: isoInstant(now),
      detail: `${countText} occurrences from ${first} to ${last} skipped: ${reason}`,
    });
    deps.log.warn(`schedule ${def.name}: ${countText} occurrences from ${first} to ${last} skipped: ${reason}`);
  }
  deps.telemetry.event(
    'ScheduleOccurrenceSkipped',
    { schedule: def.name, occurrence: last, first, last, reason },
    { count: skipped.count },
  );
}

// ---------------------------------------------------------------------------------------------------

function errorOf(e: unknown): AppError {
  return errorFrom(e, { code: 'schedule.tick.error' });
}
