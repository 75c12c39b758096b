/**
 * May this target fire? (pure; no I/O). The one rule the three paths share: an HTTP submission
 * (src/http/pipelinesHandlers.ts), a time schedule's occurrence (src/schedules/occurrenceJob.ts) and a
 * reactive schedule's blob (src/reactive/handler.ts) each ask it with the statuses read from storage
 * (src/targets/statusStore.ts) before anything is sent to Azure ML.
 *
 *   no target name (a schedule with inline pipeline ids)   → fire
 *   no record for the target, or its record is Active      → fire
 *   its record is Disabled                                 → refuse: `target.disabled`, naming the target,
 *                                                            who disabled it, when, why, and how to enable it
 */
import type { AppError } from '../errors';

export type TargetStatus = 'Active' | 'Disabled';

/** A target's run-time status and its last change. */
export interface TargetStatusRecord {
  readonly status: TargetStatus;
  /** When the status last changed (ISO 8601 UTC). */
  readonly changedAt: string;
  /** Who changed it (the CLI user, the HTTP caller's principal, or "HTTP (master key)"). */
  readonly changedBy: string;
  /** Why, as given (`--reason` / `?reason=`). */
  readonly reason?: string;
}

/** Every target's status by name; a target without a record is Active. */
export type TargetStatusMap = Readonly<Record<string, TargetStatusRecord>>;

export type FireDecision =
  | { readonly fire: true }
  | { readonly fire: false; readonly error: AppError & { readonly status: 409 }; readonly record: TargetStatusRecord };

/** How to enable a target again, for messages. */
export function enableAdvice(target: string): string {
  return `enable it with \`aml-triggers targets enable ${target}\` or POST /api/pipelines/${encodeURIComponent(target)}/enable (master key)`;
}

export function statusOf(target: string, statuses: TargetStatusMap): TargetStatus {
  return Object.prototype.hasOwnProperty.call(statuses, target) && statuses[target]!.status === 'Disabled'
    ? 'Disabled'
    : 'Active';
}

export function mayFire(target: string | undefined, statuses: TargetStatusMap): FireDecision {
  if (target === undefined || statusOf(target, statuses) === 'Active') return { fire: true };
  const record = statuses[target]!;
  const why = record.reason ? `: ${record.reason}` : '';
  return {
    fire: false,
    record,
    error: {
      code: 'target.disabled',
      status: 409,
      field: 'target',
      value: target,
      message: `Target ${JSON.stringify(target)} is disabled (by ${record.changedBy} at ${record.changedAt}${why}), so nothing is submitted to it; ${enableAdvice(target)}.`,
    },
  };
}
