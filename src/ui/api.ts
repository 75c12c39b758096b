/**
 * The pages read and act through the app's own operations API: each call runs the same HTTP handler
 * the `/api/...` route runs (in-process, with the caller's invocation context), so a page shows exactly
 * the documents and problem+json answers an API client gets.
 */
import { HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { createListTargetsHandler, createSubmitRunHandler, type PipelinesDeps } from '../http/pipelinesHandlers';
import {
  createGetScheduleHandler,
  createListSchedulesHandler,
  createSetEnabledHandler,
  schedulesDepsFrom,
} from '../http/schedulesHandlers';
import type { Runtime } from '../runtime';

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** The operations API routes the pages use. */
export interface UiApi {
  readonly listSchedules: HttpHandler;
  readonly getSchedule: HttpHandler;
  readonly enableSchedule: HttpHandler;
  readonly disableSchedule: HttpHandler;
  readonly listTargets: HttpHandler;
  readonly submitRun: HttpHandler;
}

/** The handlers, built over the runtime exactly as src/functions/schedules.ts and pipelines.ts build them. */
export function uiApiFrom(runtime: Runtime & PipelinesDeps): UiApi {
  const schedules = schedulesDepsFrom(runtime);
  return {
    listSchedules: createListSchedulesHandler(schedules),
    getSchedule: createGetScheduleHandler(schedules),
    enableSchedule: createSetEnabledHandler(schedules, true),
    disableSchedule: createSetEnabledHandler(schedules, false),
    listTargets: createListTargetsHandler(runtime),
    submitRun: createSubmitRunHandler(runtime),
  };
}

/** A problem+json answer as the pages show it. */
export interface ProblemView {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly code?: string;
  readonly field?: string;
  readonly instance?: string;
  readonly errors: ReadonlyArray<{ readonly detail: string; readonly field?: string }>;
}

export type ApiAnswer<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly problem: ProblemView };

export interface ApiCall {
  readonly method?: string;
  /** Path under the route prefix, e.g. `/schedules/nightly`, with its query. */
  readonly path: string;
  readonly params?: Record<string, string>;
  readonly json?: unknown;
}

/** Runs `handler` as the route would for `call`, and reads its JSON or problem+json answer. */
/** `apiBase`: origin and route prefix of the app, e.g. `https://app.azurewebsites.net/api`. */
export async function callApi<T>(
  handler: HttpHandler,
  call: ApiCall,
  context: InvocationContext,
  apiBase: string,
): Promise<ApiAnswer<T>> {
  const request = new HttpRequest({
    method: call.method ?? 'GET',
    url: `${apiBase}${call.path}`,
    params: call.params ?? {},
    headers: call.json !== undefined ? { 'content-type': 'application/json' } : {},
    ...(call.json !== undefined ? { body: { string: JSON.stringify(call.json) } } : {}),
  });
  let response: HttpResponseInit;
  try {
    response = await handler(request, context);
  } catch (e) {
    // The handlers answer problems themselves; anything thrown past them is still shown, never a blank page.
    context.error(`UI call ${call.method ?? 'GET'} ${call.path} failed: ${e instanceof Error ? e.message : String(e)}`);
    return {
      ok: false,
      problem: {
        status: 500,
        title: 'Internal Server Error',
        detail: 'The operation failed unexpectedly; the Function App log has the details.',
        errors: [],
      },
    };
  }
  const status = response.status ?? 200;
  const body = readBody(response);
  if (status >= 200 && status < 300) return { ok: true, status, body: body as T };
  return { ok: false, problem: toProblemView(status, body) };
}

function readBody(response: HttpResponseInit): unknown {
  if (response.jsonBody !== undefined) return response.jsonBody;
  if (typeof response.body === 'string') {
    try {
      return JSON.parse(response.body);
    } catch {
      return response.body;
    }
  }
  return undefined;
}

/** Any answer that is not a success, read generically: title and detail, the field(s) when named. */
export function toProblemView(status: number, body: unknown): ProblemView {
  const p = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const errors = Array.isArray(p.errors)
    ? p.errors.flatMap((e) => {
        const item = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
        const detail = text(item.detail) ?? text(item.message);
        const field = text(item.field);
        return detail ? [{ detail, ...(field ? { field } : {}) }] : [];
      })
    : [];
  const code = text(p.code);
  const field = text(p.field);
  const instance = text(p.instance);
  return {
    status: typeof p.status === 'number' ? p.status : status,
    title: text(p.title) ?? `HTTP ${status}`,
    detail:
      text(p.detail) ??
      (typeof body === 'string' && body.trim() !== ''
        ? body
        : `The request failed with HTTP ${status} and no explanation.`),
    ...(code ? { code } : {}),
    ...(field ? { field } : {}),
    ...(instance ? { instance } : {}),
    errors,
  };
}

/** The messages of a problem for one field (its top-level detail when it names the field, and its `errors`). */
export function messagesFor(problem: ProblemView | undefined, field: string): string[] {
  if (!problem) return [];
  const fromErrors = problem.errors.filter((e) => e.field === field).map((e) => e.detail);
  if (fromErrors.length > 0) return fromErrors;
  return problem.field === field ? [problem.detail] : [];
}
