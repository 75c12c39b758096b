/**
 * One timer tick: submits every due occurrence of every time schedule, once (docs/timer.md).
 *
 *   runTick(now, deps) →
 *     1. `registry.sync(now)`: state exists for every definition (one read when nothing changed);
 *     2. `store.findDue(now)`: the due index lists only the schedules whose `wakeAt` <= now, and their
 *        states are read (nothing is read for the others);
 *     3. per due schedule (at most `concurrency` at once):
 *        a. **plan** (missedRuns.ts): the occurrences from `nextDue` to now, run or skipped per
 *           `missed_runs`; the runs are written into the state's `pending` list and `nextDue` moves past
 *           now, in ONE conditional write (If-Match). Only one instance wins it, so an occurrence is
 *           planned once; once planned it is durable (a crash after this point loses nothing);
 *        b. **submit** each pending entry that is due: claim it (claim blob created If-None-Match: *, or
 *           taken over If-Match), mark the claim `submittingAt`, submit through the Azure ML client,
 *           record the outcome on the claim (If-Match) and in the history;
 *        c. **settle**: a second conditional write drops finished entries from `pending` and reschedules
 *           retries (nextAttemptAt with exponential backoff, until the retry deadline);
 *     4. the first tick of each hour deletes the claims of occurrences settled for good
 *        (`store.pruneSettledClaims`; unchanged for `claimSettledMs`, default an hour).
 *
 * Exactly once: the claim blob is the single right to submit an occurrence. A second instance, a
 * duplicate tick or a restarted one finds the claim and acts on its status:
 *   - submitted / failed / skipped: done, drop it from pending;
 *   - retrying: take it over (If-Match) when its nextAttemptAt has come, else wait for it;
 *   - claimed, no `submittingAt`: its holder is between claiming and submitting (milliseconds of work),
 *     or died there. After `claimTimeoutMs` it is taken over (If-Match) and submitted: nothing was sent.
 *   - claimed with `submittingAt`: its holder is submitting, or died while the request was in flight.
 *     After the submit deadline plus `claimTimeoutMs` the outcome is **unknown**: Azure ML may or may not
 *     have received the request, and its submit API has no idempotency key nor a look-up by tag here.
 *     Submitting again would risk a duplicate run, so the occurrence is recorded `failed` with code
 *     `schedule.submit.outcome_unknown`, an error log line and a `ScheduleOccurrenceFailed` event that
 *     say which run tag to look for (`aml-triggers.occurrence`). This is the one residual risk: a crash
 *     in the middle of an HTTP request to Azure ML.
 *
 * Disabled schedules are not in the due index (their state has no wakeAt): they never fire, and
 * enabling plans from "now" (stateStore.setEnabled), so nothing is replayed. `isPastDue` only changes the
 * log: downtime is detected from each schedule's own state (its nextDue is in the past).
 */
import type { PipelineClient, PipelineTarget } from '../aml/types';
import { AppFailure, type AppError, type Result } from '../errors';
import type { Telemetry } from '../telemetry';
import { recurrenceFor, resolveScheduleTarget, type ScheduleDefinition, type TimeScheduleDefinition, type WorkspaceDefaults } from './definition';
import { planOccurrences, SKIPPED_SAMPLE, type OccurrencePlan } from './missedRuns';
import type { SyncReport } from './registry';
import {
  claimBlobName,
  isoInstant,
  mapLimit,
  MAX_PENDING_RETRIES,
  occurrenceKey,
  parseOccurrenceKey,
  type DueSchedule,
  type Outcome,
  type ScheduleStateStore,
  type StateSnapshot,
} from './stateStore';
import type { Claim, ErrorSummary, HistoryEntry, PendingRetry, Trigger } from './stateTypes';
import type { ClockVerdict } from '../storage/serviceClock';
import { occurrenceSubmission, TAG_OCCURRENCE } from './submitOccurrence';

// ---------------------------------------------------------------------------------------------------
// Settings

export const TICK_SETTINGS = {
  /** Minutes an occurrence may be late and still count as current (not missed). */
  graceMinutes: 'SCHEDULE_MISSED_GRACE_MINUTES',
  /** Minutes after an occurrence's first attempt during which transient failures are retried. */
  retryDeadlineMinutes: 'SCHEDULE_RETRY_DEADLINE_MINUTES',
  /** Seconds one submission (with the client's own quick retries) may take within a tick. */
  submitDeadlineSeconds: 'SCHEDULE_SUBMIT_DEADLINE_SECONDS',
  /** Seconds after which a claim whose holder went silent is taken over. */
  claimTimeoutSeconds: 'SCHEDULE_CLAIM_TIMEOUT_SECONDS',
  /** Due schedules handled at once. */
  concurrency: 'SCHEDULE_TICK_CONCURRENCY',
  /** Seconds the app's clock may differ from the storage service's before a tick refuses to act. */
  clockToleranceSeconds: 'SCHEDULE_CLOCK_TOLERANCE_SECONDS',
} as const;

export interface TickSettings {
  readonly graceMs: number;
  readonly retryDeadlineMs: number;
  /** First retry delay; doubles per attempt up to `retryMaxDelayMs`. */
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly submitDeadlineMs: number;
  readonly claimTimeoutMs: number;
  readonly concurrency: number;
  /** Most due schedules handled in one tick (the rest are handled by the next one). */
  readonly maxDuePerTick: number;
  /** `RunSource` of scheduled submissions. */
  readonly runSource: string;
  /** Who claims (for diagnosis in claim blobs). */
  readonly owner: string;
  /**
   * Claims of settled occurrences are deleted once unchanged for this long (storage time), by the first
   * tick of each hour (see `ScheduleStateStore.pruneSettledClaims`). Well above the function timeout.
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
  concurrency: 32,
  maxDuePerTick: 1000,
  runSource: 'SDK',
  owner: `${process.env.WEBSITE_INSTANCE_ID?.slice(0, 12) ?? 'local'}:${process.pid}`,
  claimSettledMs: 60 * 60_000,
  pruneLimit: 5000,
  clockToleranceMs: 10_000,
};

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the tick settings; a malformed value is an error naming the setting. */
export function readTickSettings(env: Env, base: Partial<TickSettings> = {}): { ok: true; value: TickSettings } | { ok: false; error: AppError } {
  const out: { -readonly [K in keyof TickSettings]: TickSettings[K] } = { ...DEFAULT_TICK_SETTINGS, ...base };
  const numbers: [string, number, number, (v: number) => void][] = [
    [TICK_SETTINGS.graceMinutes, 1, 24 * 60, (v) => (out.graceMs = v * 60_000)],
    [TICK_SETTINGS.retryDeadlineMinutes, 0, 7 * 24 * 60, (v) => (out.retryDeadlineMs = v * 60_000)],
    [TICK_SETTINGS.submitDeadlineSeconds, 1, 600, (v) => (out.submitDeadlineMs = v * 1000)],
    [TICK_SETTINGS.claimTimeoutSeconds, 10, 3600, (v) => (out.claimTimeoutMs = v * 1000)],
    [TICK_SETTINGS.concurrency, 1, 256, (v) => (out.concurrency = v)],
    [TICK_SETTINGS.clockToleranceSeconds, 1, 3600, (v) => (out.clockToleranceMs = v * 1000)],
  ];
  for (const [name, min, max, set] of numbers) {
    const text = env[name]?.trim();
    if (!text) continue;
    const value = Number(text);
    // Whole numbers only: 2.5 schedules at once, or 0.5 minutes, would be rounded silently.
    if (!/^\d+$/.test(text) || value < min || value > max) {
      return {
        ok: false,
        error: { code: 'schedule.setting.invalid', message: `Setting ${name} is ${JSON.stringify(text)}; it must be a whole number from ${min} to ${max}.`, field: name, value: text, source: name },
      };
    }
    set(value);
  }
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

export interface OccurrenceReport {
  readonly schedule: string;
  readonly occurrence: string;
  readonly trigger: Trigger;
  readonly attempts: number;
  readonly runId?: string;
  readonly error?: ErrorSummary;
  readonly nextAttemptAt?: string;
}

export interface TickReport {
  readonly now: string;
  readonly isPastDue: boolean;
  /** Due schedules found. */
  readonly due: number;
  readonly submitted: readonly OccurrenceReport[];
  readonly failed: readonly OccurrenceReport[];
  readonly retrying: readonly OccurrenceReport[];
  readonly skipped: readonly { readonly schedule: string; readonly count: number; readonly first?: string; readonly last?: string }[];
  /** Schedules whose handling stopped on an error (storage, corrupt state): the next tick tries again. */
  readonly errors: readonly { readonly schedule?: string; readonly code: string; readonly message: string }[];
  /** True when more schedules were due than `maxDuePerTick`. */
  readonly truncated: boolean;
  readonly durationMs: number;
}

interface Collector {
  submitted: OccurrenceReport[];
  failed: OccurrenceReport[];
  retrying: OccurrenceReport[];
  skipped: { schedule: string; count: number; first?: string; last?: string }[];
  errors: { schedule?: string; code: string; message: string }[];
}

/** The schedule's target, resolved at most once per schedule and tick (on the first submission). */
type TargetResolver = () => Result<PipelineTarget>;

/** What became of one pending entry in this tick. */
type PendingChange =
  | { readonly kind: 'done'; readonly lastRun?: HistoryEntry }
  | { readonly kind: 'update'; readonly pending: PendingRetry; readonly lastRun?: HistoryEntry }
  | { readonly kind: 'leave' };

// ---------------------------------------------------------------------------------------------------

export async function runTick(now: Date, deps: TickDeps, options: { readonly isPastDue?: boolean } = {}): Promise<TickReport> {
  const started = Date.now();
  const out: Collector = { submitted: [], failed: [], retrying: [], skipped: [], errors: [] };
  const isPastDue = options.isPastDue === true;
  if (isPastDue) deps.log.warn(`schedule tick at ${isoInstant(now)} is past due (the app was stopped or busy); each schedule's missed_runs policy decides about occurrences missed meanwhile.`);

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
  } catch (e) {
    const error = errorOf(e);
    out.errors.push({ code: error.code, message: error.message });
    deps.log.error(`schedule tick at ${isoInstant(now)} could not load the schedule definitions: ${error.code}: ${error.message}`);
    deps.telemetry.exception(e, { code: error.code, phase: 'sync' });
    return report(now, isPastDue, 0, false, out, started);
  }

  let found;
  try {
    found = await deps.store.findDue(now, deps.settings.maxDuePerTick);
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
  if (found.truncated) deps.log.warn(`schedule tick at ${isoInstant(now)}: more than ${deps.settings.maxDuePerTick} schedules are due; the rest are handled by the next tick.`);

  await mapLimit(found.due, deps.settings.concurrency, async (due) => {
    const def = definitions.get(due.name);
    if (!def || def.kind !== 'time') return; // removed or not time-based: the sync disables / ignores it
    try {
      await handleSchedule(due, def, now, deps, out);
    } catch (e) {
      const error = errorOf(e);
      out.errors.push({ schedule: due.name, code: error.code, message: error.message });
      deps.log.error(`schedule ${due.name}: tick stopped on ${error.code}: ${error.message} (the next tick continues from the stored state)`);
      deps.telemetry.exception(e, { schedule: due.name, code: error.code });
    }
  });

  await pruneClaimsHourly(now, deps);

  const result = report(now, isPastDue, found.due.length, found.truncated, out, started);
  if (found.due.length > 0 || out.errors.length > 0) {
    deps.log.info(
      `schedule tick at ${result.now}: ${result.due} due, ${result.submitted.length} submitted, ${result.retrying.length} retrying, ${result.failed.length} failed, ${result.skipped.reduce((n, s) => n + s.count, 0)} skipped, ${result.errors.length} errors, ${result.durationMs} ms`,
    );
  }
  return result;
}

/**
 * Asks the time authority about `now`; returns the tick's error when the tick must not act (the clock
 * disagrees, or the storage service's clock cannot be read), after logging why and what to do.
 */
async function clockRefusal(now: Date, deps: TickDeps): Promise<{ code: string; message: string } | undefined> {
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
  deps.telemetry.event('ScheduleClockSkew', { appClock: isoInstant(now), serviceClock: serviceAt }, { skewSeconds: seconds });
  return { code: 'schedule.clock.skew', message };
}

/** The hour (of `now`) each store was last pruned in, in this process. */
const lastPruned = new WeakMap<object, number>();

/** Once per hour of `now` per store: deletes the claims of settled occurrences. Never fails the tick. */
async function pruneClaimsHourly(now: Date, deps: TickDeps): Promise<void> {
  const hour = Math.floor(now.getTime() / 3_600_000);
  if (lastPruned.get(deps.store) === hour) return;
  lastPruned.set(deps.store, hour);
  try {
    const pruned = await deps.store.pruneSettledClaims({ settledForMs: deps.settings.claimSettledMs, limit: deps.settings.pruneLimit });
    if (pruned.deleted > 0) deps.log.info(`schedule claims: ${pruned.deleted} claim(s) of settled occurrences deleted (${pruned.scanned} looked at, ${pruned.schedules} schedule(s))`);
  } catch (e) {
    const error = errorOf(e);
    deps.log.warn(`schedule claims: pruning stopped on ${error.code}: ${error.message} (tried again next hour; nothing is lost, old claims only take space)`);
  }
}

function report(now: Date, isPastDue: boolean, due: number, truncated: boolean, out: Collector, started: number): TickReport {
  return { now: isoInstant(now), isPastDue, due, ...out, truncated, durationMs: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------------

async function handleSchedule(due: DueSchedule, def: TimeScheduleDefinition, now: Date, deps: TickDeps, out: Collector): Promise<void> {
  const { store, settings } = deps;
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
    const saved = await store.advance(snapshot, { ...(plan.lastHandled ? { lastOccurrence: plan.lastHandled } : {}), nextDue: plan.nextDue, pending: [...s.pending, ...added] }, now);
    if (saved.status === 'saved') {
      snapshot = saved.snapshot;
      if (plan.skipped.count > 0) await recordSkipped(def, plan, now, deps, out);
      break;
    }
    if (saved.status === 'missing') return;
    snapshot = await store.getState(def.name); // another instance (or an enable/disable) got there first
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
  for (const entry of duePending) {
    changes.set(entry.occurrence, await handlePending(entry, def, now, deps, out, resolveTarget));
  }

  // c. Settle: drop finished entries, reschedule retries (re-reading on lost races).
  const lastRun = [...changes.values()].map((c) => (c.kind === 'leave' ? undefined : c.lastRun)).filter((e): e is HistoryEntry => !!e).at(-1);
  const settle = (s: StateSnapshot['state']): StateSnapshot['state'] | undefined => {
    let changed = false;
    const pending = s.pending.flatMap((p) => {
      const c = changes.get(p.occurrence);
      if (!c || c.kind === 'leave') return [p];
      changed = true;
      return c.kind === 'done' ? [] : [c.pending];
    });
    if (!changed && !lastRun) return undefined;
    return { ...s, pending: s.enabled ? pending : s.pending, ...(lastRun ? { lastRun } : {}) };
  };
  // Usually nobody wrote the state since this tick did: write over that snapshot (no re-read).
  const next = settle(snapshot.state);
  if (!next) return;
  const direct = await store.save(snapshot, next, now);
  if (direct.status !== 'conflict') return;
  const result = await store.update(def.name, now, settle);
  if (result.status === 'conflict') throw new AppFailure({ code: 'schedule.state.contended', message: `The state of schedule "${def.name}" kept changing; the next tick settles it.`, transient: true });
}

async function handlePending(
  entry: PendingRetry,
  def: TimeScheduleDefinition,
  now: Date,
  deps: TickDeps,
  out: Collector,
  resolveTarget: TargetResolver,
): Promise<PendingChange> {
  const { store, settings } = deps;
  const occurrence = parseOccurrenceKey(entry.occurrence);
  if (!occurrence) return { kind: 'done' }; // not an instant: not ours to handle
  const trigger: Trigger = entry.attempts > 0 ? 'retry' : (entry.trigger ?? 'schedule');

  let held: { claim: Claim; etag: string } | undefined;
  let existing: { claim: Claim; etag: string } | undefined;
  if (entry.attempts === 0) {
    const claimed = await store.claimOccurrence(def.name, occurrence, { now, trigger, owner: settings.owner });
    if (claimed.status === 'claimed') held = { claim: claimed.claim, etag: claimed.etag };
    else if (claimed.claim && claimed.etag) existing = { claim: claimed.claim, etag: claimed.etag };
    else return { kind: 'leave' };
  } else {
    existing = await store.getClaim(def.name, occurrence);
    if (!existing) {
      const claimed = await store.claimOccurrence(def.name, occurrence, { now, trigger, owner: settings.owner });
      if (claimed.status !== 'claimed') return { kind: 'leave' };
      held = { claim: claimed.claim, etag: claimed.etag };
    }
  }

  if (!held && existing) {
    const decided = await decideExisting(existing, entry, def, now, deps, out);
    if ('kind' in decided) return decided;
    held = decided;
  }
  if (!held) return { kind: 'leave' };
  return submitHeld(held, entry, def, occurrence, now, deps, out, resolveTarget);
}

/** Someone holds (or held) the claim: act on its status (see the header). */
async function decideExisting(
  existing: { claim: Claim; etag: string },
  entry: PendingRetry,
  def: TimeScheduleDefinition,
  now: Date,
  deps: TickDeps,
  out: Collector,
): Promise<PendingChange | { claim: Claim; etag: string }> {
  const { store, settings } = deps;
  const { claim, etag } = existing;
  const nowMs = now.getTime();
  const wait = (untilMs: number): PendingChange => ({ kind: 'update', pending: { ...entry, attempts: Math.max(entry.attempts, claim.attempts), nextAttemptAt: isoInstant(new Date(Math.max(untilMs, nowMs + 1000))) } });
  const takeOver = async (): Promise<{ claim: Claim; etag: string } | undefined> => {
    const taken = await store.reclaim(withoutSubmitting(claim), etag, { now, owner: settings.owner, from: [claim.status] });
    return taken.status === 'written' ? { claim: taken.claim, etag: taken.etag } : undefined;
  };
  switch (claim.status) {
    case 'submitted':
    case 'failed':
    case 'skipped':
      return { kind: 'done' };
    case 'retrying': {
      const deadline = Date.parse(claim.deadline ?? entry.deadline);
      const next = claim.nextAttemptAt ? Date.parse(claim.nextAttemptAt) : nowMs;
      if (next > nowMs && next <= deadline) return wait(next);
      const taken = await takeOver();
      if (!taken) return { kind: 'leave' };
      if (nowMs > deadline) {
        const error = claim.error ?? { code: 'schedule.retry.deadline', message: 'The retry deadline passed.' };
        return finishFailed(taken, def, now, deps, out, { code: error.code, message: `${error.message} (gave up: the retry deadline ${isoInstant(new Date(deadline))} passed)` });
      }
      return taken;
    }
    case 'claimed': {
      if (claim.submittingAt) {
        const expires = Date.parse(claim.submittingAt) + settings.submitDeadlineMs + settings.claimTimeoutMs;
        if (nowMs < expires) return wait(expires);
        const taken = await takeOver();
        if (!taken) return { kind: 'leave' };
        return finishFailed(taken, def, now, deps, out, {
          code: 'schedule.submit.outcome_unknown',
          message: `The app stopped while submitting this occurrence (request sent at ${claim.submittingAt}); Azure ML may or may not have started a run. It is not submitted again, to avoid a duplicate: look for a run tagged ${TAG_OCCURRENCE}=${isoInstant(parseOccurrenceKey(claim.occurrence) ?? now)} and submit it by hand if there is none.`,
        });
      }
      const expires = Date.parse(claim.updatedAt) + settings.claimTimeoutMs;
      if (nowMs < expires) return wait(expires);
      deps.log.warn(`schedule ${def.name} occurrence ${isoInstant(parseOccurrenceKey(claim.occurrence) ?? now)}: claim of ${claim.owner ?? 'another instance'} at ${claim.updatedAt} was never used (the instance stopped before submitting); taking it over.`);
      return (await takeOver()) ?? { kind: 'leave' };
    }
  }
}

async function submitHeld(
  held: { claim: Claim; etag: string },
  entry: PendingRetry,
  def: TimeScheduleDefinition,
  occurrence: Date,
  now: Date,
  deps: TickDeps,
  out: Collector,
  resolveTarget: TargetResolver,
): Promise<PendingChange> {
  const { store, settings } = deps;
  const target = resolveTarget();
  if (!target.ok) return finishFailed(held, def, now, deps, out, summary(target.error));
  await deps.afterClaim?.(def.name, occurrence);

  const marked: Claim = { ...held.claim, submittingAt: isoInstant(now) };
  const mark = await store.blobs.replaceIfMatch(claimBlobName(def.name, held.claim.occurrence), marked, held.etag);
  if (mark.status !== 'written') return { kind: 'leave' }; // taken over meanwhile: its new holder decides
  const attempt = held.claim.attempts;
  const body = occurrenceSubmission(def, target.value, { occurrence, trigger: held.claim.trigger, runSource: settings.runSource });
  const result = await deps.client.submit(target.value, body, { deadlineMs: settings.submitDeadlineMs });
  const when = isoInstant(occurrence);

  if (result.ok) {
    const outcome: Outcome = { status: 'submitted', runId: result.value.runId };
    await store.recordOutcome(marked, mark.etag, outcome, now);
    const item: OccurrenceReport = { schedule: def.name, occurrence: when, trigger: held.claim.trigger, attempts: attempt, runId: result.value.runId };
    out.submitted.push(item);
    deps.log.info(`schedule ${def.name} occurrence ${when} submitted run ${result.value.runId} (attempt ${attempt}${held.claim.trigger === 'schedule' ? '' : `, ${held.claim.trigger}`})`);
    deps.telemetry.event('ScheduleOccurrenceSubmitted', { schedule: def.name, occurrence: when, runId: result.value.runId, trigger: held.claim.trigger, experiment: body.ExperimentName }, { attempts: attempt, latenessSeconds: Math.round((now.getTime() - occurrence.getTime()) / 1000) });
    return { kind: 'done', lastRun: historyOf(held.claim, 'submitted', now, { runId: result.value.runId }) };
  }

  const error = summary(result.error);
  const deadline = Date.parse(held.claim.deadline ?? entry.deadline);
  const delay = Math.min(settings.retryMaxDelayMs, settings.retryBaseDelayMs * 2 ** Math.max(0, attempt - 1));
  const nextAttemptAt = new Date(now.getTime() + delay);
  if (result.error.transient && nextAttemptAt.getTime() <= deadline) {
    const outcome: Outcome = { status: 'retrying', error, nextAttemptAt, deadline: new Date(deadline) };
    const written = await store.recordOutcome(withoutSubmitting(marked), mark.etag, outcome, now, { history: attempt === 1 });
    if (written.status !== 'written') return { kind: 'leave' };
    const item: OccurrenceReport = { schedule: def.name, occurrence: when, trigger: held.claim.trigger, attempts: attempt, error, nextAttemptAt: isoInstant(nextAttemptAt) };
    out.retrying.push(item);
    deps.log.warn(`schedule ${def.name} occurrence ${when} not submitted (attempt ${attempt}): ${error.code}: ${error.message}; retrying at ${isoInstant(nextAttemptAt)} (gives up after ${isoInstant(new Date(deadline))})`);
    deps.telemetry.event('ScheduleOccurrenceRetrying', { schedule: def.name, occurrence: when, code: error.code, nextAttemptAt: isoInstant(nextAttemptAt) }, { attempts: attempt });
    return {
      kind: 'update',
      pending: { occurrence: entry.occurrence, attempts: attempt, nextAttemptAt: isoInstant(nextAttemptAt), deadline: isoInstant(new Date(deadline)), lastError: error },
      lastRun: historyOf(held.claim, 'retrying', now, { error }),
    };
  }
  const final = result.error.transient ? { code: error.code, message: `${error.message} (gave up after ${attempt} attempt(s): the retry deadline ${isoInstant(new Date(deadline))} would pass)` } : error;
  return finishFailed({ claim: marked, etag: mark.etag }, def, now, deps, out, final);
}

async function finishFailed(held: { claim: Claim; etag: string }, def: TimeScheduleDefinition, now: Date, deps: TickDeps, out: Collector, error: ErrorSummary): Promise<PendingChange> {
  const written = await deps.store.recordOutcome(withoutSubmitting(held.claim), held.etag, { status: 'failed', error }, now);
  if (written.status !== 'written') return { kind: 'leave' };
  const when = isoInstant(parseOccurrenceKey(held.claim.occurrence) ?? now);
  out.failed.push({ schedule: def.name, occurrence: when, trigger: held.claim.trigger, attempts: held.claim.attempts, error });
  deps.log.error(`schedule ${def.name} occurrence ${when} failed (attempt ${held.claim.attempts}): ${error.code}: ${error.message}`);
  deps.telemetry.event('ScheduleOccurrenceFailed', { schedule: def.name, occurrence: when, code: error.code, message: error.message }, { attempts: held.claim.attempts });
  return { kind: 'done', lastRun: historyOf(held.claim, 'failed', now, { error }) };
}

async function recordSkipped(def: TimeScheduleDefinition, plan: OccurrencePlan, now: Date, deps: TickDeps, out: Collector): Promise<void> {
  const { skipped } = plan;
  const reason = `missed while the app was not running (missed_runs: ${def.missedRuns}${def.missedRuns === 'all' ? `, limit ${def.missedRunsLimit}` : ''})`;
  const first = skipped.first ? isoInstant(skipped.first) : undefined;
  const last = skipped.last ? isoInstant(skipped.last) : undefined;
  out.skipped.push({ schedule: def.name, count: skipped.count, ...(first ? { first } : {}), ...(last ? { last } : {}) });
  const countText = `${skipped.count}${skipped.countIsLowerBound ? '+' : ''}`;
  if (skipped.count <= SKIPPED_SAMPLE && !skipped.countIsLowerBound) {
    for (const o of skipped.newest) {
      await deps.store.appendHistory(def.name, { occurrence: isoInstant(o), trigger: 'schedule', status: 'skipped', recordedAt: isoInstant(now), detail: reason });
      deps.log.warn(`schedule ${def.name} occurrence ${isoInstant(o)} skipped: ${reason}`);
    }
  } else {
    await deps.store.appendHistory(def.name, { occurrence: last, trigger: 'schedule', status: 'skipped', recordedAt: isoInstant(now), detail: `${countText} occurrences from ${first} to ${last} skipped: ${reason}` });
    deps.log.warn(`schedule ${def.name}: ${countText} occurrences from ${first} to ${last} skipped: ${reason}`);
  }
  deps.telemetry.event('ScheduleOccurrenceSkipped', { schedule: def.name, occurrence: last, first, last, reason }, { count: skipped.count });
}

// ---------------------------------------------------------------------------------------------------

function withoutSubmitting(claim: Claim): Claim {
  const { submittingAt: _s, ...rest } = claim;
  return rest;
}

function historyOf(claim: Claim, status: HistoryEntry['status'], now: Date, extra: { runId?: string; error?: ErrorSummary }): HistoryEntry {
  return {
    occurrence: isoInstant(parseOccurrenceKey(claim.occurrence) ?? now),
    trigger: claim.trigger,
    status,
    ...(extra.runId ? { runId: extra.runId } : {}),
    ...(extra.error ? { error: extra.error } : {}),
    attempts: claim.attempts,
    claimedAt: claim.claimedAt,
    recordedAt: isoInstant(now),
  };
}

function summary(error: AppError): ErrorSummary {
  return { code: error.code, message: error.message };
}

function errorOf(e: unknown): AppError {
  if (e instanceof AppFailure) return e.error;
  return { code: 'schedule.tick.error', message: e instanceof Error ? e.message : String(e) };
}
