/**
 * What happens to a schedule's state when its definition is applied, it is enabled or disabled, its
 * definition is removed, or the timer advances it: pure functions, no I/O. The state store, the registry
 * sync and the operations all change a state through these, so each rule is written once.
 *
 * A transition returns the next state, or undefined when nothing changes (the caller writes nothing).
 * `wakeAt` (when the timer must next look) follows from `enabled`, `nextDue` and `pending` (`withWake`);
 * `dueMarker` is the store's business (scheduleStates.ts).
 */
import { nextOccurrence } from '../recurrence';
import { recurrenceFor, type ScheduleDefinition } from './definition';
import { isoInstant } from './instants';
import { STATE_SCHEMA_VERSION, type HistoryEntry, type PendingRetry, type ScheduleState } from './stateTypes';

/** `definitionHash` of a state whose definition was removed. */
export const REMOVED_HASH = 'removed';
/** Most occurrences of one schedule in flight (pending) at a time. */
export const MAX_PENDING_RETRIES = 50;

/** What applying a changed definition changed: 'definition' always; 'timing' (nextDue re-planned), 'enabled'. */
export type DefinitionChange = 'definition' | 'timing' | 'enabled';

/** First occurrence strictly after `after` (recurrences without start_time count from `anchor`); undefined for reactive schedules. */
export function firstDue(def: ScheduleDefinition, after: Date, anchor: Date): Date | undefined {
  if (def.kind !== 'time') return undefined;
  return nextOccurrence(recurrenceFor(def, anchor), after);
}

/** The state of a new schedule: an enabled time schedule's first `nextDue` is its first occurrence after `now`. */
export function initialState(def: ScheduleDefinition, now: Date): ScheduleState {
  const enabled = def.status === 'Active';
  const due = enabled ? firstDue(def, now, now) : undefined;
  return withWake({
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
    ...(due ? { nextDue: isoInstant(due) } : {}),
  });
}

/**
 * Brings a state in line with its (possibly edited) definition: when the recurrence or zone changed,
 * `nextDue` is re-planned from `now` (no replay of the past); when the definition's `status` changed,
 * `enabled` follows it. Undefined when the state already holds this definition.
 */
export function applyDefinition(
  s: ScheduleState,
  def: ScheduleDefinition,
  now: Date,
): { state: ScheduleState; changes: DefinitionChange[] } | undefined {
  if (s.definitionHash === def.hash) return undefined;
  const changes: DefinitionChange[] = ['definition'];
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
  else if (replan)
    next = {
      ...next,
      nextDue: isoOrUndefined(firstDue(def, now, new Date(s.createdAt))),
      ...(def.kind === 'reactive' ? { pending: [] } : {}),
    };
  return { state: next, changes };
}

/** Enables: `nextDue` is the first occurrence after `now`, nothing missed while disabled is replayed. */
export function enable(s: ScheduleState, def: ScheduleDefinition, now: Date): ScheduleState | undefined {
  if (s.enabled) return undefined;
  return {
    ...s,
    enabled: true,
    enabledChangedAt: isoInstant(now),
    nextDue: isoOrUndefined(firstDue(def, now, new Date(s.createdAt))),
    pending: [],
  };
}

/** Disables: no next run, pending retries dropped (a disabled schedule never fires). Needs no definition. */
export function disable(s: ScheduleState, now: Date): ScheduleState | undefined {
  if (!s.enabled) return undefined;
  return { ...s, enabled: false, enabledChangedAt: isoInstant(now), nextDue: undefined, pending: [] };
}

/** The definition was removed: disabled and marked `REMOVED_HASH` (applying the name again revives it from "now"). */
export function markRemoved(s: ScheduleState, now: Date): ScheduleState | undefined {
  if (s.definitionHash === REMOVED_HASH) return undefined;
  return {
    ...s,
    enabled: false,
    nextDue: undefined,
    pending: [],
    definitionHash: REMOVED_HASH,
    definitionStatus: 'Disabled',
    ...(s.enabled ? { enabledChangedAt: isoInstant(now) } : {}),
  };
}

/** Whether a state was orphaned by a sync (its definition removed). */
export function isRemoved(s: ScheduleState): boolean {
  return s.definitionHash === REMOVED_HASH;
}

export interface Advance {
  readonly lastOccurrence?: Date;
  /** The next occurrence to handle; undefined: the recurrence has ended. */
  readonly nextDue: Date | undefined;
  /** Replaces the pending entries when given (at most MAX_PENDING_RETRIES kept). */
  readonly pending?: readonly PendingRetry[];
  readonly lastRun?: HistoryEntry;
}

/** The timer handled occurrences up to `lastOccurrence` (never moves back) and the next one is `nextDue`. */
export function advanceState(s: ScheduleState, change: Advance): ScheduleState {
  const last =
    change.lastOccurrence && (!s.lastOccurrence || change.lastOccurrence.getTime() > Date.parse(s.lastOccurrence))
      ? isoInstant(change.lastOccurrence)
      : s.lastOccurrence;
  return {
    ...s,
    ...(last !== undefined ? { lastOccurrence: last } : {}),
    nextDue: change.nextDue ? isoInstant(change.nextDue) : undefined,
    pending: (change.pending ?? s.pending).slice(0, MAX_PENDING_RETRIES),
    ...(change.lastRun ? { lastRun: change.lastRun } : {}),
  };
}

/** Sets `wakeAt`: the earliest of nextDue and pending retries, for an enabled schedule (absent otherwise). */
export function withWake(s: ScheduleState): ScheduleState {
  const times = s.enabled
    ? [s.nextDue, ...s.pending.map((p) => p.nextAttemptAt)].filter((t): t is string => !!t).map((t) => Date.parse(t))
    : [];
  const { wakeAt: _w, nextDue, ...rest } = s;
  const base: ScheduleState = nextDue === undefined ? rest : { ...rest, nextDue };
  return times.length ? { ...base, wakeAt: isoInstant(new Date(Math.min(...times))) } : base;
}

export function withoutMarker(s: ScheduleState): ScheduleState {
  const { dueMarker: _m, ...rest } = s;
  return rest;
}

function isoOrUndefined(instant: Date | undefined): string | undefined {
  return instant ? isoInstant(instant) : undefined;
}
