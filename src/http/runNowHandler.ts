/**
 * `POST /api/schedules/{name}/run` (registered in src/functions/schedules.ts, authLevel admin): run a
 * time-based schedule now (logic in src/schedules/runNow.ts).
 *
 * Request id: `Idempotency-Key` or `x-ms-client-request-id` (Logic Apps and the Azure SDKs send the
 * latter); both may be given when equal. A repeated request with the same id submits nothing and answers
 * with the first one's run (`202`, `Idempotent-Replayed: true`), or a 409 problem saying it is in
 * progress (with Retry-After), failed, or ended with an unknown outcome. Without one, every request is a
 * new run; the id made up for it is in the answer.
 *
 * Body (optional, JSON): `{"ParameterAssignments": {...}, "DataPathAssignments": {...}, "Inputs": {...}}`
 * (Inputs: v2 targets), checked by the submit route's parser and merged over the schedule's own values
 * key by key (a name the request sets replaces the schedule's input of that name); other fields are refused
 * (the schedule decides its experiment, tags and the rest).
 *
 * Who asked: the signed-in principal App Service authentication passes on (`x-ms-client-principal-name`),
 * else "the holder of an admin key" (function keys carry no identity).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { AppFailure, statusOf, type AppError } from '../errors';
import { checkName } from '../schedules/operations';
import { runScheduleNow, type RunNowDeps } from '../schedules/runNow';
import type { TickLog } from '../schedules/tick';
import { problemResponse } from './problem';
import { readRunRequest } from './submitRun';

export const RUN_NOW_FIELDS = ['ParameterAssignments', 'DataPathAssignments', 'Inputs'] as const;
export const ADMIN_KEY_HOLDER = 'the holder of an admin key';

export function createRunNowHandler(getDeps: (log: TickLog) => RunNowDeps, now: () => Date = () => new Date()) {
  return async function runNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const instance = `urn:uuid:${context.invocationId}`;
    const refuse = (error: AppError, status = statusOf(error)): HttpResponseInit => {
      context.warn(`Refused run-now ${new URL(request.url).pathname}: ${error.code}: ${error.message}`);
      return problemResponse(error, status, instance);
    };
    const name = request.params.name ?? '';
    const badName = checkName(name);
    if (badName) return refuse({ ...badName, status: 400 });

    const key = request.headers.get('idempotency-key')?.trim() || undefined;
    const clientId = request.headers.get('x-ms-client-request-id')?.trim() || undefined;
    if (key && clientId && key !== clientId) {
      return refuse({
        code: 'schedule.run_now.request_id.conflict',
        status: 400,
        field: 'Idempotency-Key',
        value: key,
        message: `Idempotency-Key ${JSON.stringify(key)} and x-ms-client-request-id ${JSON.stringify(clientId)} differ; send one request id (or the same in both).`,
      });
    }
    const requestId = key ?? clientId;

    const parsed = await readRunRequest(request);
    if (!parsed.ok) return refuse(parsed.error);
    const other = Object.keys(parsed.value).filter((k) => !(RUN_NOW_FIELDS as readonly string[]).includes(k));
    if (other.length > 0) {
      return refuse({
        code: 'schedule.run_now.field.unsupported',
        status: 400,
        field: other[0],
        message: `${other.join(', ')} cannot be set on a run-now request: the schedule decides them. Only ${RUN_NOW_FIELDS.join(' and ')} may override the schedule's own values.`,
      });
    }

    const principal = request.headers.get('x-ms-client-principal-name')?.trim();
    try {
      const log: TickLog = {
        info: (l) => context.log(l),
        warn: (l) => context.warn(l),
        error: (l) => context.error(l),
      };
      const result = await runScheduleNow(getDeps(log), {
        name,
        ...(requestId !== undefined
          ? { requestId, requestIdField: key ? 'Idempotency-Key' : 'x-ms-client-request-id' }
          : {}),
        ...(parsed.value.ParameterAssignments ? { parameters: parsed.value.ParameterAssignments } : {}),
        ...(parsed.value.DataPathAssignments ? { dataPaths: parsed.value.DataPathAssignments } : {}),
        ...(parsed.value.Inputs ? { inputs: parsed.value.Inputs } : {}),
        requestedBy: principal || ADMIN_KEY_HOLDER,
        now: now(),
      });
      if (!result.ok) return refuse(result.error, result.error.status);
      return {
        status: 202,
        jsonBody: result.value,
        headers: {
          'Content-Type': 'application/json',
          ...(result.value.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
        },
      };
    } catch (e) {
      const error: AppError =
        e instanceof AppFailure ? e.error : { code: 'internal', message: e instanceof Error ? e.message : String(e) };
      context.error(`run-now of schedule ${name} failed: ${error.code}: ${error.message}`);
      // Storage details (account URL, settings) stay in the log.
      const status = error.transient ? 503 : 500;
      return problemResponse(
        {
          code: error.code,
          message: `Run-now of schedule "${name}" could not be carried out (${error.code}); the Function App log has the details.${error.transient ? ' Ask again with the same request id.' : ''}`,
        },
        status,
        instance,
        error.transient ? { 'Retry-After': '5' } : {},
      );
    }
  };
}
