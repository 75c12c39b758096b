/**
 * The Azure ML submission for one occurrence of a time schedule (pure): the resolved target (whose
 * parameters, experiment, description and continue_on_step_failure already carry the schedule's own,
 * see `resolveScheduleTarget`), the schedule's v2 inputs (`scheduleRequest`), plus tags that tie the run back to the schedule and the instant, so a
 * run found in the workspace can be matched to its occurrence (and a doubtful one looked up by hand).
 */
import { toSubmission } from '../aml/submission';
import { submissionKey } from '../aml/submissionKey';
import type { PipelineTarget, SubmissionBody } from '../aml/types';
import { scheduleRequest, type TimeScheduleDefinition } from './definition';
import { isoInstant } from './instants';

export const TAG_SCHEDULE = 'aml-triggers.schedule';
export const TAG_OCCURRENCE = 'aml-triggers.occurrence';
export const TAG_TRIGGER = 'aml-triggers.trigger';

export interface OccurrenceInfo {
  readonly occurrence: Date;
  /** `schedule` (on time), `catch_up` (missed, run by the missed_runs policy) or `retry`. */
  readonly trigger: string;
  /** `RunSource` of the submission (the app's AML_RUN_SOURCE, default "SDK"). */
  readonly runSource: string;
}

/**
 * The submission key of one occurrence (run property and tag `aml_triggers_key`): the same for every
 * attempt and trigger of that occurrence, so a retry or a later reconciliation finds the run.
 */
export function occurrenceSubmissionKey(scheduleName: string, occurrence: Date): string {
  return submissionKey('occ', scheduleName, isoInstant(occurrence));
}

export function occurrenceSubmission(
  def: TimeScheduleDefinition,
  target: PipelineTarget,
  info: OccurrenceInfo,
): SubmissionBody {
  const description = target.description ?? def.description;
  return toSubmission(target, {
    runSource: info.runSource,
    ...scheduleRequest(def),
    ...(description !== undefined ? { description } : {}),
    tags: { [TAG_SCHEDULE]: def.name, [TAG_OCCURRENCE]: isoInstant(info.occurrence), [TAG_TRIGGER]: info.trigger },
  });
}
