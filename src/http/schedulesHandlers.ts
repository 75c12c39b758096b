/**
 * HTTP handlers for the schedule operations (registered in src/functions/schedules.ts; logic in
 * src/schedules/operations.ts):
 *
 *   GET    /api/schedules                     list (?activeOnly, ?pipelineId, ?pipelineEndpointId, ?target)
 *   GET    /api/schedules/{name}              one schedule, next N occurrences (?next), last runs (?runs)
 *   GET    /api/schedules/{name}/history      run history, newest first (?limit)
 *   POST   /api/schedules/{name}/enable       enable (no replay of missed occurrences)
 *   POST   /api/schedules/{name}/disable      disable (stops firing at once)
 *   POST   /api/schedules                     apply a definitions document (JSON or YAML; ?dryRun)
 *   DELETE /api/schedules/{name}              delete a schedule, its state and history
 *
 * Errors are RFC 9457 problem+json like the pipeline routes: 400 validation (with `field` and, for
 * definitions, `errors` naming file/line/field), 404 unknown schedule, 409 conflicts, 413/415 body
 * problems, 503 storage unavailable (transient). Storage failure details (account URLs, connection
 * settings) go to the log, not to the caller.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { parseDocument } from 'yaml';
import { AppFailure, appError, showValue, statusOf, type AppError, type Result } from '../errors';
import type { Telemetry } from '../telemetry';
import type { ScheduleFile } from '../schedules/loadDefinitions';
import { isV1ScheduleDocument } from '../schedules/v1Yaml';
import {
  checkCount,
  checkName,
  DEFAULT_HISTORY_COUNT,
  DEFAULT_LAST_RUNS,
  DEFAULT_NEXT_COUNT,
  MAX_HISTORY_COUNT,
  MAX_NEXT_COUNT,
  ScheduleOperations,
  type ListFilter,
} from '../schedules/operations';
import type { Runtime } from '../runtime';
import { checkContentLength, MAX_BODY_BYTES, readBodyText } from './body';
import { problemResponse } from './problem';

export interface SchedulesDeps {
  /** Built on first use (it needs the storage settings); may throw an `AppFailure` when they are wrong. */
  readonly operations: ScheduleOperations;
  readonly telemetry?: Telemetry;
  /** "Now" for occurrences and state changes (tests pin it). */
  readonly now?: () => Date;
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function ok(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: JSON_HEADERS };
}

/**
 * Wraps an operation: builds nothing until called, turns thrown `AppFailure`s (storage, settings) and
 * error results into problem responses, and logs refusals.
 */
function handle(
  deps: SchedulesDeps,
  label: string,
  run: (ops: ScheduleOperations, request: HttpRequest, now: Date) => Promise<Result<HttpResponseInit, AppError>>,
): Handler {
  return async (request, context) => {
    const instance = `urn:uuid:${context.invocationId}`;
    try {
      const result = await run(deps.operations, request, deps.now?.() ?? new Date());
      if (result.ok) return result.value;
      const error = result.error;
      context.warn(`Refused ${label} ${new URL(request.url).pathname}: ${error.code}: ${error.message}`);
      return problemResponse(error, statusOf(error), instance);
    } catch (e) {
      const error: AppError =
        e instanceof AppFailure ? e.error : { code: 'internal', message: e instanceof Error ? e.message : String(e) };
      context.error(`${label} failed: ${error.code}: ${error.message}`);
      deps.telemetry?.exception(e instanceof Error ? e : new Error(String(e)), { operation: label, code: error.code });
      return problemResponse(
        publicError(error),
        publicStatus(error),
        instance,
        error.transient ? { 'Retry-After': '5' } : {},
      );
    }
  };
}

/** Status for a thrown failure: its own 4xx (e.g. 409 contention), 503 when transient, else 500. */
function publicStatus(error: AppError): number {
  if (error.status !== undefined && error.status >= 400 && error.status < 500) return error.status;
  return error.transient ? 503 : 500;
}

/**
 * What the caller sees of an unexpected failure: the code and a sentence, not the storage account URL
 * or the connection setting's content (those are in the Function App log, under the same invocation).
 */
function publicError(error: AppError): AppError {
  const status = publicStatus(error);
  if (status < 500) return { code: error.code, message: error.message, status };
  if (error.code.startsWith('storage.connection') || error.code.startsWith('schedule.state_container')) {
    return {
      code: error.code,
      status,
      message:
        "The app's storage settings (AzureWebJobsStorage, SCHEDULE_STATE_CONTAINER) are missing or invalid, so schedules cannot be read or changed; the Function App log says which.",
    };
  }
  if (error.code.startsWith('storage.')) {
    return {
      code: error.code,
      status,
      transient: error.transient,
      message: error.transient
        ? "The schedule store (the app's storage account) is unavailable; try again shortly. The Function App log has the details."
        : "The schedule store (the app's storage account) refused the request; the Function App log has the details (check the storage settings and the app identity's roles).",
    };
  }
  return {
    code: error.code,
    status,
    message: 'The operation failed unexpectedly; the Function App log has the details.',
  };
}

/** A custom event for each change made through the API (Application Insights: who changed what, when). */
function audit(
  deps: SchedulesDeps,
  name: string,
  properties: Record<string, string | undefined>,
  measurements?: Record<string, number>,
): void {
  deps.telemetry?.event(name, { ...properties, trigger: 'http' }, measurements);
}

function nameParam(request: HttpRequest): Result<string, AppError> {
  const name = request.params.name ?? '';
  const bad = checkName(name);
  return bad ? { ok: false, error: bad } : { ok: true, value: name };
}

/** `true` / `false` (or 1 / 0, or the bare flag) for a boolean query parameter. */
export function booleanQuery(request: HttpRequest, key: string): Result<boolean | undefined, AppError> {
  const raw = request.query.get(key);
  if (raw === null) return { ok: true, value: undefined };
  const text = raw.trim().toLowerCase();
  if (text === '' || text === 'true' || text === '1') return { ok: true, value: true };
  if (text === 'false' || text === '0') return { ok: true, value: false };
  return {
    ok: false,
    error: {
      code: 'request.query.invalid',
      status: 400,
      field: key,
      value: raw,
      message: `Query parameter ${key} is ${showValue(raw)}; use true or false.`,
    },
  };
}

function stringQuery(request: HttpRequest, key: string): string | undefined {
  const raw = request.query.get(key);
  return raw === null || raw.trim() === '' ? undefined : raw.trim();
}

/** Query parameters the SDK spells in snake_case are accepted in both spellings. */
function query(request: HttpRequest, camel: string, snake: string): string | undefined {
  return stringQuery(request, camel) ?? stringQuery(request, snake);
}

export function createListSchedulesHandler(deps: SchedulesDeps): Handler {
  return handle(deps, 'list schedules', async (ops, request) => {
    const active = booleanQuery(request, request.query.has('active_only') ? 'active_only' : 'activeOnly');
    if (!active.ok) return active;
    const pipelineId = query(request, 'pipelineId', 'pipeline_id');
    const pipelineEndpointId = query(request, 'pipelineEndpointId', 'pipeline_endpoint_id');
    const target = stringQuery(request, 'target');
    const filter: ListFilter = {
      ...(active.value ? { activeOnly: true } : {}),
      ...(pipelineId !== undefined ? { pipelineId } : {}),
      ...(pipelineEndpointId !== undefined ? { pipelineEndpointId } : {}),
      ...(target !== undefined ? { target } : {}),
    };
    const schedules = await ops.list(filter);
    return { ok: true, value: ok(200, { schedules }) };
  });
}

export function createGetScheduleHandler(deps: SchedulesDeps): Handler {
  return handle(deps, 'get schedule', async (ops, request, now) => {
    const name = nameParam(request);
    if (!name.ok) return name;
    const next = checkCount(stringQuery(request, 'next'), 'next', DEFAULT_NEXT_COUNT, MAX_NEXT_COUNT);
    if (!next.ok) return next;
    const runs = checkCount(stringQuery(request, 'runs'), 'runs', DEFAULT_LAST_RUNS, MAX_HISTORY_COUNT);
    if (!runs.ok) return runs;
    const detail = await ops.get(name.value, { now, next: next.value, runs: runs.value });
    return detail.ok ? { ok: true, value: ok(200, detail.value) } : detail;
  });
}

export function createHistoryHandler(deps: SchedulesDeps): Handler {
  return handle(deps, 'schedule history', async (ops, request) => {
    const name = nameParam(request);
    if (!name.ok) return name;
    const limit = checkCount(stringQuery(request, 'limit'), 'limit', DEFAULT_HISTORY_COUNT, MAX_HISTORY_COUNT);
    if (!limit.ok) return limit;
    const history = await ops.history(name.value, { limit: limit.value });
    return history.ok ? { ok: true, value: ok(200, history.value) } : history;
  });
}

export function createSetEnabledHandler(deps: SchedulesDeps, enabled: boolean): Handler {
  return handle(deps, enabled ? 'enable schedule' : 'disable schedule', async (ops, request, now) => {
    const name = nameParam(request);
    if (!name.ok) return name;
    const result = await ops.setEnabled(name.value, enabled, now);
    if (!result.ok) return result;
    if (result.value.changed)
      audit(deps, enabled ? 'ScheduleEnabled' : 'ScheduleDisabled', {
        schedule: name.value,
        nextRun: result.value.nextRun,
      });
    return { ok: true, value: ok(200, result.value) };
  });
}

export function createDeleteScheduleHandler(deps: SchedulesDeps): Handler {
  return handle(deps, 'delete schedule', async (ops, request, now) => {
    const name = nameParam(request);
    if (!name.ok) return name;
    const result = await ops.delete(name.value, now);
    if (!result.ok) return result;
    audit(deps, 'ScheduleDeleted', { schedule: name.value, definition: result.value.definition });
    return { ok: true, value: ok(200, result.value) };
  });
}

export function createApplySchedulesHandler(deps: SchedulesDeps): Handler {
  return handle(deps, 'apply schedules', async (ops, request, now) => {
    const dryRun = booleanQuery(request, request.query.has('dry_run') ? 'dry_run' : 'dryRun');
    if (!dryRun.ok) return dryRun;
    const file = await readDefinitionsBody(request);
    if (!file.ok) return file;
    const report = await ops.apply([file.value], { now, dryRun: dryRun.value === true });
    if (!report.ok) return report;
    const r = report.value;
    if (!r.dryRun && r.created + r.updated > 0) {
      const changed = r.schedules.filter((i) => i.action !== 'unchanged').map((i) => `${i.name}:${i.action}`);
      audit(
        deps,
        'SchedulesApplied',
        { schedules: changed.join(',') },
        { created: r.created, updated: r.updated, unchanged: r.unchanged },
      );
    }
    return { ok: true, value: ok(200, r) };
  });
}

// ---------------------------------------------------------------------------------------------------
// The definitions body of POST /api/schedules

/** Media types of a definitions document → the extension the loader parses it by. */
const MEDIA: Readonly<Record<string, '.json' | '.yaml'>> = {
  'application/json': '.json',
  'text/json': '.json',
  'application/yaml': '.yaml',
  'application/x-yaml': '.yaml',
  'text/yaml': '.yaml',
  'text/x-yaml': '.yaml',
};

/** Name the request body gets in definitions' `source` and in error messages. */
export const REQUEST_FILE_BASENAME = 'request';

export function definitionsFileType(header: string | null): Result<'.json' | '.yaml', AppError> {
  const [type = '', ...params] = (header ?? '').split(';').map((s) => s.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  const ext =
    MEDIA[type] ??
    (/^application\/[a-z0-9.+-]+\+json$/.test(type)
      ? '.json'
      : /^application\/[a-z0-9.+-]+\+yaml$/.test(type)
        ? '.yaml'
        : undefined);
  if (ext && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return { ok: true, value: ext };
  return {
    ok: false,
    error: appError(
      'request.content_type.unsupported',
      { header, send: 'the schedule definitions as application/json or application/yaml' },
      { field: 'Content-Type', value: header ?? '' },
    ),
  };
}

async function readDefinitionsBody(request: HttpRequest): Promise<Result<ScheduleFile, AppError>> {
  const tooLong = checkContentLength(request.headers.get('content-length'), MAX_BODY_BYTES);
  if (tooLong) return { ok: false, error: tooLong };
  const type = definitionsFileType(request.headers.get('content-type'));
  if (!type.ok) return type;
  const text = await readBodyText(request, MAX_BODY_BYTES);
  if (!text.ok) return text;
  if (text.value.trim() === '') {
    return {
      ok: false,
      error: {
        code: 'request.body.empty',
        status: 400,
        field: 'body',
        message:
          'The request body is empty; send a schedule, a list of schedules, {schedules: [...]} or a v1 `Schedule:` document.',
      },
    };
  }
  const path = `${REQUEST_FILE_BASENAME}${type.value}`;
  // A v1 `Schedule:` file takes its name from the file name; a request body has none, so it must say it.
  if (type.value === '.yaml') {
    const data: unknown = safeYaml(text.value);
    if (isV1ScheduleDocument(data)) {
      const body = data.Schedule;
      if (typeof body === 'object' && body !== null && !Array.isArray(body) && !('name' in body)) {
        return {
          ok: false,
          error: {
            code: 'schedule.name.missing',
            status: 400,
            field: 'Schedule.name',
            source: path,
            message: `${path}: a v1 \`Schedule:\` document takes its name from the file name, and a request body has none; add \`name:\` under \`Schedule:\`.`,
          },
        };
      }
    }
  }
  return { ok: true, value: { path, text: text.value } };
}

function safeYaml(text: string): unknown {
  try {
    return parseDocument(text, { version: '1.2' }).toJS({ maxAliasCount: 100 });
  } catch {
    return undefined; // the loader reports syntax errors with their lines
  }
}

/**
 * Handler dependencies from the app's runtime: the operations are built on first use over the
 * runtime's registry and store (shared with the timer), so loading the module needs no settings.
 */
export function schedulesDepsFrom(
  runtime: Pick<Runtime, 'schedules' | 'scheduleStore' | 'targets' | 'telemetry' | 'env'>,
): SchedulesDeps {
  let operations: ScheduleOperations | undefined;
  return {
    get operations() {
      return (operations ??= new ScheduleOperations({
        registry: runtime.schedules,
        store: runtime.scheduleStore,
        targets: () => runtime.targets.targets,
        env: runtime.env,
      }));
    },
    get telemetry() {
      return runtime.telemetry;
    },
  };
}
