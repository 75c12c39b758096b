/**
 * HTTP handlers for a target's status (registered in src/functions/pipelines.ts; logic in
 * src/targets/operations.ts):
 *
 *   POST /api/pipelines/{target}/disable   ?withSchedules=true ?inAzureMl=true ?reason=...   authLevel admin
 *   POST /api/pipelines/{target}/enable    ?inAzureMl=true ?reason=...                       authLevel admin
 *
 * Who changed it is the caller's principal when App Service authentication names one
 * (`x-ms-client-principal-name`), else `?by=`, else "HTTP (master key)". Errors are problem+json: 404
 * unknown target, 409 `target.schedules.active` (naming them), 404/403/502 `aml.pipeline_status.*` from
 * Azure ML (the app's own status unchanged), 503 storage unavailable.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { errorFrom, type AppError } from '../errors';
import type { Telemetry } from '../telemetry';
import type { TargetOperations } from '../targets/operations';
import type { TargetStatus } from '../targets/mayFire';
import { problemResponse } from './problem';
import { booleanQuery } from './schedulesHandlers';
import type { Runtime } from '../runtime';

export interface TargetsDeps {
  /** Built on first use; may throw an `AppFailure` (storage or targets settings). */
  readonly targetOperations: TargetOperations;
  readonly telemetry?: Telemetry;
  /** "Now" for the change (tests pin it). */
  readonly now?: () => Date;
}

const MAX_TEXT = 500;

/** Status for a thrown failure: its own 4xx, 503 when transient, else 500. */
export function failureStatus(error: AppError): number {
  if (error.status !== undefined && error.status >= 400 && error.status < 600) return error.status;
  return error.transient ? 503 : 500;
}

export function createSetTargetStatusHandler(deps: TargetsDeps, status: TargetStatus) {
  const label = status === 'Disabled' ? 'disable target' : 'enable target';
  return async function setTargetStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const instance = `urn:uuid:${context.invocationId}`;
    const name = request.params.target ?? '';
    const withSchedules = booleanQuery(request, 'withSchedules');
    if (!withSchedules.ok) return problemResponse(withSchedules.error, 400, instance);
    const inAzureMl = booleanQuery(request, 'inAzureMl');
    if (!inAzureMl.ok) return problemResponse(inAzureMl.error, 400, instance);
    const reason = request.query.get('reason')?.trim().slice(0, MAX_TEXT) || undefined;
    const by =
      request.headers.get('x-ms-client-principal-name')?.trim() ||
      request.query.get('by')?.trim().slice(0, 200) ||
      'HTTP (master key)';
    try {
      const result = await deps.targetOperations.setStatus(name, status, {
        now: deps.now?.() ?? new Date(),
        by,
        ...(reason ? { reason } : {}),
        ...(withSchedules.value ? { withSchedules: true } : {}),
        ...(inAzureMl.value ? { inAzureMl: true } : {}),
      });
      if (!result.ok) {
        context.warn(`Refused ${label} ${name}: ${result.error.code}: ${result.error.message}`);
        return problemResponse(result.error, result.error.status ?? 400, instance);
      }
      const r = result.value;
      if (r.changed) {
        deps.telemetry?.event(status === 'Disabled' ? 'TargetDisabled' : 'TargetEnabled', {
          target: name,
          by,
          reason,
          schedulesDisabled: r.schedulesDisabled.join(','),
          azureMl: r.azureMl ? r.azureMl.status : undefined,
          trigger: 'http',
        });
      }
      context.log(
        `${label} ${name}: ${r.changed ? `now ${r.status}` : `already ${r.status}`} (by ${by}${r.schedulesDisabled.length ? `; schedules disabled: ${r.schedulesDisabled.join(', ')}` : ''}${r.azureMl ? `; Azure ML pipeline ${r.azureMl.pipelineId} set to ${r.azureMl.status}` : ''})`,
      );
      return { status: 200, jsonBody: r, headers: { 'Content-Type': 'application/json' } };
    } catch (e) {
      const error = errorFrom(e, { code: 'internal' });
      context.error(`${label} ${name} failed: ${error.code}: ${error.message}`);
      return problemResponse(error, failureStatus(error), instance, error.transient ? { 'Retry-After': '5' } : {});
    }
  };
}

/** Handler dependencies from the app's runtime, built on first call (the operations need the storage settings). */
export function targetsDepsFrom(runtime: Pick<Runtime, 'targetOperations' | 'telemetry'>): TargetsDeps {
  return {
    get targetOperations() {
      return runtime.targetOperations;
    },
    get telemetry() {
      return runtime.telemetry;
    },
  };
}
