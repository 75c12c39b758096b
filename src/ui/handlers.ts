/**
 * HTTP handlers of the web pages under /api/ui (registered in src/functions/ui.ts). Each page reads and
 * acts through the operations API (src/ui/api.ts) and renders plain HTML (src/ui/views); no script runs
 * in the browser. A refusal from the API is shown as its problem+json title and detail (by the fields
 * it names), with the API's status, never as a blank page.
 *
 *   GET  /api/ui                              Schedules (?status=Active|Disabled, ?target=)
 *   GET  /api/ui/schedules/{name}             A schedule
 *   POST /api/ui/schedules/{name}/enable      Enable, then back to its page (master key, like the API)
 *   POST /api/ui/schedules/{name}/disable     Disable, likewise
 *   GET  /api/ui/submit                       Targets to submit to
 *   GET  /api/ui/submit/{target}              The Submit form
 *   POST /api/ui/submit/{target}              Submit it (POST /api/pipelines/{target}/runs)
 *   GET  /api/ui/preview                      Preview a recurrence (?recurrence=, ?count=)
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { TargetView } from '../http/pipelinesHandlers';
import { studioUrl } from '../http/submitRun';
import { readBodyText } from '../http/body';
import type { ScheduleDetail, ScheduleSummary } from '../schedules/operations';
import { appError, statusOf } from '../errors';
import { toProblem } from '../http/problem';
import { callApi, toProblemView, type ApiAnswer, type HttpHandler, type UiApi } from './api';
import type { UiLinks } from './layout';
import { uiHref } from './layout';
import { preview } from './preview';
import { buildRunRequest, defaultValues, valuesFromForm } from './submitForm';
import { renderErrorPage } from './views/common';
import { renderPreview } from './views/preview';
import { renderScheduleDetail, type ActionResult } from './views/scheduleDetail';
import { renderScheduleList, type StatusFilter } from './views/scheduleList';
import { renderSubmitForm, renderTargets, type RunAcceptedView } from './views/submit';

export interface UiDeps {
  readonly api: UiApi;
  /** "Now" for the Preview page (tests pin it). */
  readonly now?: () => Date;
}

/** Occurrences shown on a schedule's page, and runs of its history. */
export const DETAIL_NEXT = 10;
export const DETAIL_RUNS = 25;
/** A form post is a few hundred bytes. */
const MAX_FORM_BYTES = 64 * 1024;

/**
 * Pages send no script at all, so the policy allows none; styles are inline; forms post to this app only.
 */
const HTML_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

function page(status: number, body: string): HttpResponseInit {
  return { status, body, headers: HTML_HEADERS };
}

interface Where {
  readonly links: UiLinks;
  /** Origin and route prefix, for the in-process API requests. */
  readonly apiBase: string;
}

/** The route prefix is whatever precedes `/ui` in the page's own path (host.json routePrefix). */
function where(request: HttpRequest): Where {
  const url = new URL(request.url);
  const at = url.pathname.search(/\/ui(\/|$)/);
  const prefix = at >= 0 ? url.pathname.slice(0, at) : '/api';
  const key = url.searchParams.get('code') ?? undefined;
  return { links: { prefix, ...(key ? { key } : {}) }, apiBase: `${url.origin}${prefix}` };
}

type PageHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Runs a page; anything unexpected still answers an HTML page that says so. */
function pageHandler(
  label: string,
  run: (request: HttpRequest, context: InvocationContext, at: Where) => Promise<HttpResponseInit>,
): PageHandler {
  return async (request, context) => {
    const at = where(request);
    try {
      return await run(request, context, at);
    } catch (e) {
      context.error(`UI page ${label} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      const problem = toProblemView(500, {
        title: 'Internal Server Error',
        detail: 'The page could not be built; the Function App log has the details.',
        instance: `urn:uuid:${context.invocationId}`,
      });
      return page(500, renderErrorPage(at.links, problem));
    }
  };
}

const api = <T>(
  handler: HttpHandler,
  at: Where,
  context: InvocationContext,
  call: Parameters<typeof callApi>[1],
): Promise<ApiAnswer<T>> => callApi<T>(handler, call, context, at.apiBase);

function statusFilter(value: string | null): StatusFilter {
  return value === 'Active' || value === 'Disabled' ? value : 'all';
}

export function createSchedulesPage(deps: UiDeps): PageHandler {
  return pageHandler('schedules', async (request, context, at) => {
    const status = statusFilter(request.query.get('status'));
    const target = request.query.get('target')?.trim() || undefined;
    const query = new URLSearchParams();
    if (status === 'Active') query.set('activeOnly', 'true');
    if (target) query.set('target', target);
    const qs = query.toString();
    const [list, targets] = await Promise.all([
      api<{ schedules: ScheduleSummary[] }>(deps.api.listSchedules, at, context, {
        path: `/schedules${qs ? `?${qs}` : ''}`,
      }),
      api<{ targets: TargetView[] }>(deps.api.listTargets, at, context, { path: '/pipelines' }),
    ]);
    const names = new Set(targets.ok ? targets.body.targets.map((t) => t.name) : []);
    if (list.ok) for (const s of list.body.schedules) if (s.pipeline.target) names.add(s.pipeline.target);
    const model = {
      links: at.links,
      filter: { status, ...(target ? { target } : {}) },
      targets: [...names].sort(),
    };
    if (!list.ok) return page(list.problem.status, renderScheduleList({ ...model, problem: list.problem }));
    // The API filters Active itself (activeOnly); Disabled is the rest.
    const schedules =
      status === 'Disabled' ? list.body.schedules.filter((s) => s.status !== 'Active') : list.body.schedules;
    return page(200, renderScheduleList({ ...model, schedules }));
  });
}

async function detailPage(
  deps: UiDeps,
  request: HttpRequest,
  context: InvocationContext,
  at: Where,
  action?: ActionResult,
): Promise<HttpResponseInit> {
  const name = request.params.name ?? '';
  const [detail, targets] = await Promise.all([
    api<ScheduleDetail>(deps.api.getSchedule, at, context, {
      path: `/schedules/${encodeURIComponent(name)}?next=${DETAIL_NEXT}&runs=${DETAIL_RUNS}`,
      params: { name },
    }),
    api<{ targets: TargetView[] }>(deps.api.listTargets, at, context, { path: '/pipelines' }),
  ]);
  const targetName = detail.ok ? detail.body.pipeline.target : undefined;
  const target = targets.ok && targetName ? targets.body.targets.find((t) => t.name === targetName) : undefined;
  const runLink = target?.workspace ? (runId: string) => studioUrl({ workspace: target.workspace }, runId) : undefined;
  const model = { links: at.links, name, ...(action ? { action } : {}), ...(runLink ? { runLink } : {}) };
  if (!detail.ok)
    return page(
      action?.kind === 'failed' ? action.problem.status : detail.problem.status,
      renderScheduleDetail({ ...model, problem: detail.problem }),
    );
  return page(
    action?.kind === 'failed' ? action.problem.status : 200,
    renderScheduleDetail({ ...model, schedule: detail.body }),
  );
}

export function createSchedulePage(deps: UiDeps): PageHandler {
  return pageHandler('schedule', async (request, context, at) => {
    // After Enable / Disable (post, then redirect here): what the API answered.
    const done = request.query.get('done');
    const action: ActionResult | undefined =
      done === 'enable' || done === 'disable'
        ? {
            kind: 'done',
            action: done,
            status: request.query.get('status') ?? (done === 'enable' ? 'Active' : 'Disabled'),
            changed: request.query.get('changed') !== 'false',
          }
        : undefined;
    return detailPage(deps, request, context, at, action);
  });
}

/** Enable or Disable through the API; success goes back to the schedule's page (so a reload does not post again). */
export function createSetEnabledPage(deps: UiDeps, enabled: boolean): PageHandler {
  const action = enabled ? 'enable' : 'disable';
  return pageHandler(action, async (request, context, at) => {
    const name = request.params.name ?? '';
    const result = await api<{ status: string; changed: boolean; nextRun?: string }>(
      enabled ? deps.api.enableSchedule : deps.api.disableSchedule,
      at,
      context,
      {
        method: 'POST',
        path: `/schedules/${encodeURIComponent(name)}/${action}`,
        params: { name },
      },
    );
    if (!result.ok) return detailPage(deps, request, context, at, { kind: 'failed', action, problem: result.problem });
    const location = uiHref(at.links, `/schedules/${encodeURIComponent(name)}`, {
      done: action,
      status: result.body.status,
      changed: String(result.body.changed),
    });
    return { status: 303, headers: { Location: location, 'Cache-Control': 'no-store' } };
  });
}

export function createTargetsPage(deps: UiDeps): PageHandler {
  return pageHandler('targets', async (_request, context, at) => {
    const targets = await api<{ targets: TargetView[] }>(deps.api.listTargets, at, context, { path: '/pipelines' });
    if (!targets.ok) return page(targets.problem.status, renderTargets({ links: at.links, problem: targets.problem }));
    return page(200, renderTargets({ links: at.links, targets: targets.body.targets }));
  });
}

async function loadTarget(
  deps: UiDeps,
  request: HttpRequest,
  context: InvocationContext,
  at: Where,
): Promise<{ ok: true; target: TargetView } | { ok: false; response: HttpResponseInit }> {
  const name = request.params.target ?? '';
  const targets = await api<{ targets: TargetView[] }>(deps.api.listTargets, at, context, { path: '/pipelines' });
  if (!targets.ok)
    return {
      ok: false,
      response: page(
        targets.problem.status,
        renderSubmitForm({ links: at.links, targetName: name, problem: targets.problem }),
      ),
    };
  const target = targets.body.targets.find((t) => t.name === name);
  if (target) return { ok: true, target };
  const configured = targets.body.targets.map((t) => t.name);
  const problem = toProblemView(
    404,
    toProblem(appError('target.unknown', { name, configured }, { field: 'target', value: name })),
  );
  return { ok: false, response: page(404, renderSubmitForm({ links: at.links, targetName: name, problem })) };
}

export function createSubmitFormPage(deps: UiDeps): PageHandler {
  return pageHandler('submit form', async (request, context, at) => {
    const loaded = await loadTarget(deps, request, context, at);
    if (!loaded.ok) return loaded.response;
    const target = loaded.target;
    // After a submission (post, then redirect here): the run Azure ML accepted.
    const runId = request.query.get('run');
    const attempts = Number(request.query.get('attempts'));
    const experiment = request.query.get('experiment');
    const studio = runId ? studioUrl({ workspace: target.workspace }, runId) : undefined;
    const accepted: RunAcceptedView | undefined = runId
      ? {
          runId,
          ...(experiment ? { experimentName: experiment } : {}),
          ...(Number.isInteger(attempts) && attempts > 0 ? { attempts } : {}),
          ...(studio ? { studioUrl: studio } : {}),
          ...(request.query.get('reconciled') === 'true' ? { reconciled: true } : {}),
        }
      : undefined;
    return page(
      200,
      renderSubmitForm({
        links: at.links,
        targetName: target.name,
        target,
        values: defaultValues(target),
        ...(accepted ? { accepted } : {}),
      }),
    );
  });
}

export function createSubmitRunPage(deps: UiDeps): PageHandler {
  return pageHandler('submit run', async (request, context, at) => {
    const loaded = await loadTarget(deps, request, context, at);
    if (!loaded.ok) return loaded.response;
    const target = loaded.target;
    const model = { links: at.links, targetName: target.name, target };
    const text = await readBodyText(request, MAX_FORM_BYTES);
    if (!text.ok)
      return page(
        statusOf(text.error),
        renderSubmitForm({
          ...model,
          values: defaultValues(target),
          problem: toProblemView(statusOf(text.error), { detail: text.error.message, code: text.error.code }),
        }),
      );
    const values = valuesFromForm(new URLSearchParams(text.value), target);
    const built = buildRunRequest(values, target);
    if (built.errors.length > 0) {
      const problem = toProblemView(400, {
        title: 'Bad Request',
        detail:
          built.errors.length === 1
            ? built.errors[0]!.detail
            : `${built.errors.length} values do not have the type chosen for them; nothing was sent.`,
        errors: built.errors,
        ...(built.errors.length === 1 ? { field: built.errors[0]!.field } : {}),
      });
      return page(400, renderSubmitForm({ ...model, values, problem }));
    }
    const answer = await api<RunAcceptedView>(deps.api.submitRun, at, context, {
      method: 'POST',
      path: `/pipelines/${encodeURIComponent(target.name)}/runs`,
      params: { target: target.name },
      json: built.body,
    });
    if (!answer.ok) return page(answer.problem.status, renderSubmitForm({ ...model, values, problem: answer.problem }));
    // Post, then redirect: reloading the answer shows it again instead of submitting a second run.
    const a = answer.body;
    const location = uiHref(at.links, `/submit/${encodeURIComponent(target.name)}`, {
      run: a.runId,
      experiment: a.experimentName,
      attempts: a.attempts !== undefined ? String(a.attempts) : undefined,
      reconciled: a.reconciled ? 'true' : undefined,
    });
    return { status: 303, headers: { Location: location, 'Cache-Control': 'no-store' } };
  });
}

export function createPreviewPage(deps: UiDeps): PageHandler {
  return pageHandler('preview', async (request, _context, at) => {
    const now = deps.now?.() ?? new Date();
    const recurrence = request.query.get('recurrence');
    const count = request.query.get('count') ?? '';
    if (recurrence === null || recurrence.trim() === '')
      return page(200, renderPreview({ links: at.links, recurrence: '', count, now }));
    const outcome = preview(recurrence, count, now);
    return page(outcome.ok ? 200 : 400, renderPreview({ links: at.links, recurrence, count, outcome, now }));
  });
}
