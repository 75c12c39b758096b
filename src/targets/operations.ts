/**
 * Target operations, the logic behind `aml-triggers targets list|disable|enable` and
 * `GET /api/pipelines`, `POST /api/pipelines/{target}/disable|enable` (no Functions types here). The SDK
 * v1 equivalents are `PublishedPipeline.list()` (with `status`), `PublishedPipeline.disable()` /
 * `enable()` and, for the refusal, `Schedule.list(ws, pipeline_id=...)` + `schedule.disable()`.
 *
 * Disabling a target that still has active schedules is refused naming them, as v1 requires the
 * schedules to be disabled first, unless the caller asks to disable them too (`withSchedules`), which
 * disables each and reports it. With `inAzureMl` the published pipeline's own status is set in Azure ML
 * FIRST; a refusal there (404, 403, ...) leaves the app's status and the schedules unchanged and says why.
 * Enabling never enables schedules (they were disabled on their own, as in v1): the result lists those
 * still disabled.
 */
import type { PipelineTarget } from '../aml/types';
import type { PipelineStatusSetter } from '../aml/pipelineStatus';
import { err, ok, type AppError, type Result } from '../errors';
import type { ScheduleOperations } from '../schedules/operations';
import type { ScheduleStatus } from '../schedules/definition';
import { isoInstant } from '../schedules/instants';
import type { TargetStatusStore } from './statusStore';
import { enableAdvice, statusOf, type TargetStatus, type TargetStatusRecord } from './mayFire';

/** A schedule of a target as listings show it. */
export interface TargetScheduleView {
  name: string;
  status: ScheduleStatus;
}

/** A target's run-time status and its schedules (what GET /api/pipelines adds to each target). */
export interface TargetStatusView {
  name: string;
  status: TargetStatus;
  /** The last change of its status (absent: never changed, Active). */
  statusChange?: TargetStatusRecord;
  schedules: TargetScheduleView[];
}

export interface TargetChangeResult {
  name: string;
  status: TargetStatus;
  /** False when the target already had that status (nothing was written). */
  changed: boolean;
  statusChange: TargetStatusRecord;
  /** Schedules this call disabled (`withSchedules`). */
  schedulesDisabled: string[];
  /** Enable: the target's schedules that stay disabled (enable them one by one). */
  schedulesStillDisabled?: string[];
  /** `inAzureMl`: what was set in Azure ML. */
  azureMl?: { pipelineId: string; status: TargetStatus; url: string };
}

export interface TargetChangeOptions {
  readonly now: Date;
  /** Who asks (CLI user, HTTP principal). */
  readonly by: string;
  readonly reason?: string;
  readonly withSchedules?: boolean;
  readonly inAzureMl?: boolean;
}

export interface TargetOperationsDeps {
  readonly statuses: TargetStatusStore;
  readonly schedules: ScheduleOperations;
  /** The configured targets; throws `AppFailure` when the targets file is invalid. */
  readonly targets: () => ReadonlyMap<string, PipelineTarget>;
  /** Sets a published pipeline's status in Azure ML (`inAzureMl`); absent: refused. */
  readonly azureMl?: () => PipelineStatusSetter | undefined;
}

export class TargetOperations {
  constructor(private readonly deps: TargetOperationsDeps) {}

  /** Every configured target with its status and its schedules (name, status). */
  async list(): Promise<TargetStatusView[]> {
    const targets = this.deps.targets();
    const [statuses, schedules] = await Promise.all([this.deps.statuses.statuses(), this.deps.schedules.list()]);
    return [...targets.keys()].map((name) => {
      const record = Object.prototype.hasOwnProperty.call(statuses, name) ? statuses[name] : undefined;
      return {
        name,
        status: statusOf(name, statuses),
        ...(record ? { statusChange: record } : {}),
        schedules: schedules.filter((s) => s.pipeline.target === name).map((s) => ({ name: s.name, status: s.status })),
      };
    });
  }

  async setStatus(
    name: string,
    status: TargetStatus,
    options: TargetChangeOptions,
  ): Promise<Result<TargetChangeResult, AppError>> {
    const targets = this.deps.targets();
    const target = targets.get(name);
    if (!target) {
      const names = [...targets.keys()];
      return err({
        code: 'target.unknown',
        status: 404,
        field: 'target',
        value: name,
        message: `No target named ${JSON.stringify(name)} is configured${names.length ? `; the configured targets are ${names.join(', ')}` : ''}.`,
      });
    }
    const own = await this.deps.schedules.list({ target: name });
    const active = own.filter((s) => s.status === 'Active').map((s) => s.name);
    if (status === 'Disabled' && active.length > 0 && !options.withSchedules) {
      return err({
        code: 'target.schedules.active',
        status: 409,
        field: 'target',
        value: name,
        message:
          `Target ${JSON.stringify(name)} still has active schedules: ${active.join(', ')}. As with PublishedPipeline.disable() in SDK v1, disable them first ` +
          `(aml-triggers schedules disable <name>, POST /api/schedules/<name>/disable), or ask to disable them too: --with-schedules / ?withSchedules=true.`,
      });
    }
    let azureMl: TargetChangeResult['azureMl'];
    if (options.inAzureMl) {
      const setter = this.deps.azureMl?.();
      if (!setter)
        return err({
          code: 'aml.pipeline_status.unavailable',
          status: 500,
          field: 'inAzureMl',
          message: `The Azure ML client is not available here, so the status in Azure ML cannot be set; the app's own status of target ${JSON.stringify(name)} was left unchanged.`,
        });
      const set = await setter.setPublishedPipelineStatus(target, status);
      if (!set.ok) return set;
      azureMl = { pipelineId: set.value.pipelineId, status, url: set.value.url };
    }
    const schedulesDisabled: string[] = [];
    if (status === 'Disabled') {
      for (const schedule of active) {
        const result = await this.deps.schedules.setEnabled(schedule, false, options.now);
        if (!result.ok)
          return err({
            ...result.error,
            message: `${result.error.message} (disabling target ${JSON.stringify(name)} stopped here; disabled so far: ${schedulesDisabled.join(', ') || 'none'}; the target's own status is unchanged)`,
          });
        if (result.value.changed) schedulesDisabled.push(schedule);
      }
    }
    const record: TargetStatusRecord = {
      status,
      changedAt: isoInstant(options.now),
      changedBy: options.by,
      ...(options.reason ? { reason: options.reason } : {}),
    };
    const change = await this.deps.statuses.set(name, record);
    const stillDisabled = status === 'Active' ? own.filter((s) => s.status === 'Disabled').map((s) => s.name) : [];
    return ok({
      name,
      status,
      changed: change.status === 'changed',
      statusChange: change.record,
      schedulesDisabled,
      ...(status === 'Active' ? { schedulesStillDisabled: stillDisabled } : {}),
      ...(azureMl ? { azureMl } : {}),
    });
  }
}

/** One line about a target change, for the CLI and logs. */
export function describeChange(r: TargetChangeResult): string[] {
  const lines = [
    r.changed
      ? `Target ${r.name} is now ${r.status} (by ${r.statusChange.changedBy} at ${r.statusChange.changedAt}${r.statusChange.reason ? `: ${r.statusChange.reason}` : ''}).`
      : `Target ${r.name} was already ${r.status}; nothing changed.`,
  ];
  if (r.schedulesDisabled.length > 0) lines.push(`Schedules disabled with it: ${r.schedulesDisabled.join(', ')}.`);
  if (r.status === 'Disabled')
    lines.push(
      `HTTP submissions to it are refused (409 target.disabled) and its schedules do not fire; ${enableAdvice(r.name)}.`,
    );
  if (r.schedulesStillDisabled && r.schedulesStillDisabled.length > 0)
    lines.push(
      `Its schedules ${r.schedulesStillDisabled.join(', ')} stay disabled; enable each with aml-triggers schedules enable <name>.`,
    );
  if (r.azureMl) lines.push(`Azure ML: published pipeline ${r.azureMl.pipelineId} set to ${r.azureMl.status}.`);
  return lines;
}
