/**
 * Run now (`POST /api/schedules/{name}/run`, `aml-triggers schedules run <name>`): one run of a
 * time-based schedule submitted at once, with the schedule's parameters (optionally overridden),
 * recorded in its history as a `manual` trigger with who asked. It is never an occurrence: the
 * schedule's state (next due, pending, last occurrence) is not touched, so the next occurrence runs as
 * planned.
 *
 * Exactly once per request id: the request is claimed like an occurrence (runNowDecision.ts), the
 * claim is marked `submittingAt` before the request goes to Azure ML and records the outcome after, so a
 * repeated request with the same id gets the first one's run (`replayed`), is told it is in progress,
 * or that its outcome is unknown; it never submits a second time. Without a request id, each request is
 * a new one (a fresh id is made up and returned).
 */
import { randomUUID } from 'node:crypto';
import { submissionKey } from '../aml/submissionKey';
import type { DataPathAssignment, ParameterValue, PipelineClient, PipelineTarget, V2Input } from '../aml/types';
import { err, ok, type AppError, type Result } from '../errors';
import { upstreamStatus } from '../http/submitRun';
import type { Runtime } from '../runtime';
import type { Telemetry } from '../telemetry';
import { resolveScheduleTarget, type WorkspaceDefaults } from './definition';
import type { SyncReport } from './registry';
import { notFound } from './operations';
import { manualClaimId } from './blobNames';
import { historyEntryOf } from './occurrenceClaims';
import { checkRequestId, decideRepeat, runNowSubmission, type RunNowOverrides } from './runNowDecision';
import type { ScheduleStateStore } from './stateStore';
import type { Claim } from './stateTypes';
import type { TickLog } from './tick';
import { runtimeTickDeps } from './tickDeps';
import { mayFire } from '../targets/mayFire';

export interface RunNowDeps {
  /** The timer's registry: `sync` brings the states (and the container) in line with the definitions, as a tick does. */
  readonly registry: { sync(now: Date): Promise<SyncReport> };
  readonly store: ScheduleStateStore;
  readonly client: PipelineClient;
  readonly targets: () => ReadonlyMap<string, PipelineTarget>;
  readonly workspaceDefaults?: WorkspaceDefaults;
  readonly telemetry: Telemetry;
  readonly settings: {
    readonly runSource: string;
    readonly submitDeadlineMs: number;
    readonly claimTimeoutMs: number;
    readonly reconcileAfterMs: number;
    readonly owner: string;
  };
  readonly log: TickLog;
}

/** Run-now's dependencies from the runtime: the timer's (same store, client, targets, settings) and the registry. */
export function runtimeRunNowDeps(rt: Runtime, log: TickLog): RunNowDeps {
  return { ...runtimeTickDeps(rt)(), registry: rt.schedules, log };
}

export interface RunNowRequest {
  readonly name: string;
  /** The caller's request id (Idempotency-Key / x-ms-client-request-id / --request-id); made up when absent. */
  readonly requestId?: string;
  /** Where the request id came from, for error messages (`Idempotency-Key`, `--request-id`). */
  readonly requestIdField?: string;
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly dataPaths?: Readonly<Record<string, DataPathAssignment>>;
  /** v2 targets: inputs in v2 terms, over the schedule's own. */
  readonly inputs?: Readonly<Record<string, V2Input>>;
  /** Who asked (a signed-in principal, "holder of the admin key", user@host for the CLI). */
  readonly requestedBy: string;
  readonly now: Date;
}

export interface RunNowResult {
  readonly schedule: string;
  readonly requestId: string;
  readonly runId: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly trigger: 'manual';
  /** True when this request id had already submitted its run: this is that run, nothing was sent now. */
  readonly replayed: boolean;
}

export type RunNowError = AppError & { readonly status: number; readonly retryAfterSeconds?: number };

export async function runScheduleNow(
  deps: RunNowDeps,
  request: RunNowRequest,
): Promise<Result<RunNowResult, RunNowError>> {
  const requestId = request.requestId ?? randomUUID();
  if (request.requestId !== undefined) {
    const bad = checkRequestId(request.requestId, request.requestIdField ?? 'requestId');
    if (bad) return err({ ...bad, status: 400 });
  }
  const def = (await deps.registry.sync(request.now)).byName.get(request.name);
  if (!def) return err({ ...notFound(request.name), status: 404 });
  if (def.kind !== 'time') {
    return err({
      code: 'schedule.run_now.reactive',
      status: 409,
      field: 'name',
      value: request.name,
      message: `Schedule "${request.name}" is reactive: it runs for a blob. Upload the blob (or run \`aml-triggers blob <container>/<path>\` on one), or submit its target with POST /api/pipelines/{target}/runs.`,
    });
  }
  const target = resolveScheduleTarget(def, deps.targets(), deps.workspaceDefaults ?? {});
  if (!target.ok) return err({ ...target.error, status: 409 });
  // A disabled target (src/targets) refuses people too: nothing is claimed or sent.
  if (def.pipeline.kind === 'target') {
    const fire = mayFire(def.pipeline.target, await deps.store.targets.statuses());
    if (!fire.fire) return err(fire.error);
  }

  const { store, settings } = deps;
  const claimId = manualClaimId(requestId);
  const claimed = await store.claims.claim(def.name, claimId, {
    now: request.now,
    trigger: 'manual',
    owner: settings.owner,
  });
  const result = (runId: string, replayed: boolean, claim: Claim): RunNowResult => ({
    schedule: def.name,
    requestId,
    runId,
    requestedBy: claim.owner?.startsWith(REQUESTED_BY) ? claim.owner.slice(REQUESTED_BY.length) : request.requestedBy,
    requestedAt: claim.claimedAt,
    trigger: 'manual',
    replayed,
  });
  if (claimed.status !== 'claimed') {
    const repeat = decideRepeat(claimed.existing, requestId, request.now, settings);
    if (repeat.kind === 'replay' && claimed.existing.status === 'found') {
      deps.log.info(
        `schedule ${def.name}: run-now request ${requestId} already submitted run ${repeat.runId}; not submitted again`,
      );
      return ok(result(repeat.runId, true, claimed.existing.claim));
    }
    if (repeat.kind === 'replay') throw new Error('unreachable: a replay needs a readable claim');
    return err({
      ...repeat.error,
      status: repeat.error.status ?? 409,
      ...(repeat.kind === 'in-progress' ? { retryAfterSeconds: repeat.retryAfterSeconds } : {}),
    });
  }

  // Who asked is kept on the claim, so a replay names the first caller.
  const mark = await store.claims.markSubmitting(
    { ...claimed.claim, owner: `${REQUESTED_BY}${request.requestedBy}` },
    claimed.etag,
    request.now,
  );
  if (mark.status !== 'written') {
    return err({
      code: 'schedule.run_now.in_progress',
      status: 409,
      transient: true,
      retryAfterSeconds: 1,
      message: `Run-now request ${requestId} of schedule "${def.name}" changed hands while it was being claimed; ask again with the same request id.`,
    });
  }
  const body = runNowSubmission(def, target.value, {
    requestId,
    requestedBy: request.requestedBy,
    now: request.now,
    runSource: settings.runSource,
    ...overrides(request),
  });
  // The run's key: Azure ML's answer lost in flight is looked up by it (never resubmitted blindly).
  const key = submissionKey('manual', def.name, requestId);
  const submitted = await deps.client.submit(target.value, body, { key, deadlineMs: settings.submitDeadlineMs });
  const detail = `run now, requested by ${request.requestedBy} (request id ${requestId})`;
  const { submittingAt: _s, ...held } = mark.claim;
  const recorded = await store.claims.recordOutcome(
    submitted.ok ? mark.claim : held,
    mark.etag,
    submitted.ok
      ? { status: 'submitted', runId: submitted.value.runId }
      : submitted.error.outcome === 'unknown'
        ? // Azure ML may have created the run: the claim says so, and a repeat is never resubmitted.
          {
            status: 'unknown',
            error: { code: submitted.error.code, message: submitted.error.message },
            since: request.now,
            nextLookupAt: new Date(request.now.getTime() + settings.reconcileAfterMs),
            key,
          }
        : { status: 'failed', error: { code: submitted.error.code, message: submitted.error.message } },
    request.now,
  );
  if (recorded.status === 'written')
    await store.history.append(def.name, historyEntryOf(recorded.claim, request.now, detail));
  if (submitted.ok) {
    deps.log.info(`schedule ${def.name}: run now submitted run ${submitted.value.runId} (${detail})`);
    deps.telemetry.event('ScheduleRunNowSubmitted', {
      schedule: def.name,
      runId: submitted.value.runId,
      requestId,
      requestedBy: request.requestedBy,
      experiment: body.ExperimentName,
    });
    return ok(result(submitted.value.runId, false, mark.claim));
  }
  const error = submitted.error;
  deps.log.error(`schedule ${def.name}: run now failed: ${error.code}: ${error.message} (${detail})`);
  deps.telemetry.event('ScheduleRunNowFailed', {
    schedule: def.name,
    code: error.code,
    requestId,
    requestedBy: request.requestedBy,
  });
  return err({ ...error, status: upstreamStatus(error) });
}

/** Prefix of a run-now claim's `owner`: who asked (for diagnosis, and so a replay names the first caller). */
const REQUESTED_BY = 'requested by ';

function overrides(request: RunNowRequest): RunNowOverrides {
  return {
    ...(request.parameters ? { parameters: request.parameters } : {}),
    ...(request.dataPaths ? { dataPaths: request.dataPaths } : {}),
    ...(request.inputs ? { inputs: request.inputs } : {}),
  };
}
