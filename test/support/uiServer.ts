/**
 * The app's HTTP functions served on loopback, as the Functions host would serve them, for browser
 * tests: routes, methods and auth levels come from the BUILT app's registrations (registration.ts), and
 * each registered function runs the handler its module builds from the same factories, over a test
 * `Runtime` (Azurite, the fake Azure ML). Keys work like the host's: `function` routes take the function
 * or the master key (`?code=` or `x-functions-key`), `admin` routes only the master key; a missing or
 * wrong key is a 401 with no body, as the host answers.
 */
import { createRunNowHandler } from '../../src/http/runNowHandler';
import { runtimeRunNowDeps } from '../../src/schedules/runNow';
import { createHealthHandler } from '../../src/functions/health';
import { runtimeHealthDeps } from '../../src/health/probe';
import { randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { createOpenApiHandler } from '../../src/functions/openapi';
import {
  createApplySchedulesHandler,
  createDeleteScheduleHandler,
  createHistoryHandler,
  schedulesDepsFrom,
} from '../../src/http/schedulesHandlers';
import type { Runtime } from '../../src/runtime';
import { uiApiFrom, type HttpHandler } from '../../src/ui/api';
import { uiHandlers } from '../../src/ui/routes';
import { createSetTargetStatusHandler, targetsDepsFrom } from '../../src/http/targetsHandlers';
import { startLoopbackServer, type LoopbackServer } from './http';
import { ensureBuilt, loadRegistrations, triggerOf } from './registration';

export interface AppKeys {
  readonly functionKey: string;
  readonly masterKey: string;
}

export interface AppServer extends LoopbackServer {
  readonly keys: AppKeys;
  /** `origin + /api + path` with `?code=<key>` (the function key unless `key` says otherwise). */
  url(path: string, key?: string): string;
  /** Log lines of every invocation, `<function>: <level>: <line>`. */
  readonly logs: string[];
}

/** Handlers by function name, built as src/functions/*.ts build them. */
function handlersFor(runtime: Runtime): Record<string, HttpHandler> {
  const api = uiApiFrom(runtime);
  const schedules = schedulesDepsFrom(runtime);
  return {
    listPipelineTargets: api.listTargets,
    submitPipelineRun: api.submitRun,
    listSchedules: api.listSchedules,
    getSchedule: api.getSchedule,
    enableSchedule: api.enableSchedule,
    disableSchedule: api.disableSchedule,
    getScheduleHistory: createHistoryHandler(schedules),
    applySchedules: createApplySchedulesHandler(schedules),
    deleteSchedule: createDeleteScheduleHandler(schedules),
    openApiDocument: createOpenApiHandler(),
    health: createHealthHandler(() => runtimeHealthDeps(runtime)),
    runScheduleNow: createRunNowHandler((log) => runtimeRunNowDeps(runtime, log)),
    disablePipelineTarget: createSetTargetStatusHandler(targetsDepsFrom(runtime), 'Disabled'),
    enablePipelineTarget: createSetTargetStatusHandler(targetsDepsFrom(runtime), 'Active'),
    ...uiHandlers({ api }),
  };
}

interface Route {
  readonly name: string;
  readonly methods: readonly string[];
  readonly authLevel: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly handler: HttpHandler;
}

/** `schedules/{name}/history` → a regex over the path after `/api/`, and the parameter names. */
function compile(template: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)\??\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`, 'i'), params };
}

export async function startAppServer(
  runtime: Runtime,
  keys: AppKeys = { functionKey: 'function-key-for-tests', masterKey: 'master-key-for-tests' },
): Promise<AppServer> {
  await ensureBuilt();
  const registered = await loadRegistrations();
  const handlers = handlersFor(runtime);
  const routes: Route[] = [];
  for (const fn of registered) {
    const trigger = triggerOf(fn);
    if (trigger?.type !== 'httpTrigger') continue;
    const handler = handlers[fn.name];
    if (!handler)
      throw new Error(`uiServer: no handler for the registered HTTP function ${fn.name}; add it to handlersFor()`);
    const { pattern, params } = compile(String(trigger.route));
    routes.push({
      name: fn.name,
      methods: (trigger.methods as string[]).map((m) => m.toUpperCase()),
      authLevel: String(trigger.authLevel),
      pattern,
      params,
      handler,
    });
  }
  const logs: string[] = [];
  const server = await startLoopbackServer(async (req, res, body) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const path = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : undefined;
    const method = (req.method ?? 'GET').toUpperCase();
    const candidates = path === undefined ? [] : routes.filter((r) => r.pattern.test(path));
    const route = candidates.find((r) => r.methods.includes(method));
    if (!route) {
      res.writeHead(candidates.length > 0 ? 405 : 404).end();
      return;
    }
    const key =
      url.searchParams.get('code') ??
      (typeof req.headers['x-functions-key'] === 'string' ? req.headers['x-functions-key'] : undefined);
    const allowed =
      route.authLevel === 'admin'
        ? [keys.masterKey]
        : route.authLevel === 'anonymous'
          ? undefined
          : [keys.functionKey, keys.masterKey];
    if (allowed && (key === undefined || !allowed.includes(key))) {
      res.writeHead(401).end();
      return;
    }
    const match = route.pattern.exec(path!)!;
    const params: Record<string, string> = {};
    route.params.forEach((p, i) => (params[p] = decodeURIComponent(match[i + 1]!)));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      params,
      ...(body !== '' ? { body: { string: body } } : {}),
    });
    const context = new InvocationContext({
      functionName: route.name,
      invocationId: randomUUID(),
      logHandler: (level, ...args) => logs.push(`${route.name}: ${level}: ${args.map(String).join(' ')}`),
    });
    const response: HttpResponseInit = await route.handler(request, context);
    const out = new Headers(response.headers as Record<string, string> | undefined);
    const text =
      response.jsonBody !== undefined
        ? JSON.stringify(response.jsonBody)
        : typeof response.body === 'string'
          ? response.body
          : '';
    if (response.jsonBody !== undefined && !out.has('content-type')) out.set('content-type', 'application/json');
    res.writeHead(response.status ?? 200, Object.fromEntries(out.entries()));
    res.end(text);
  });
  return {
    ...server,
    keys,
    logs,
    url: (path: string, key = keys.functionKey) =>
      `${server.origin}/api${path}${path.includes('?') ? '&' : '?'}code=${encodeURIComponent(key)}`,
  };
}
