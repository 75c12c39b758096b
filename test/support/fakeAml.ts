/**
 * A loopback Azure ML pipelines endpoint speaking the published-pipeline submit contract
 * (../shared/spec/aml-rest.md):
 *
 *   POST /pipelines/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices
 *        /workspaces/{ws}/PipelineRuns/PipelineSubmit/{pipelineId}
 *   POST .../PipelineRuns/PipelineEndpointSubmit/Id/{pipelineEndpointId}[/{version}]
 *   POST .../PipelineRuns/PipelineEndpointSubmit/Name?name={name}[&pipelineVersion={version}]
 *
 * Order of checks, like the service: bearer token (401), route and pipeline (404; a disabled pipeline is
 * 404 too), body (400 `{ error: { code, message } }`), then 200 with a run object whose `Id` is a new GUID.
 * `script([...])` makes the next requests answer a given status (with `Retry-After`), hang ('timeout') or
 * drop the connection ('reset') before normal handling. Every request is recorded in `attempts`; accepted
 * ones also in `submissions`. Also answers `GET /discovery` like the regional discovery service.
 *
 * Run history (for reconciling unknown outcomes; contract and sources in src/aml/constants.ts):
 *
 *   POST /history/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices
 *        /workspaces/{ws}/experiments/{experiment}/runs:query   { filter, top, continuationToken }
 *   GET  .../experiments/{experiment}/runs/{runId}
 *
 * Every accepted submission becomes a run in `runs` (its own record: count runs here, not answers),
 * with the body's Properties and Tags. The filter understands `(Properties/<k> eq <v>)` and
 * `(Tags/<k> eq <v>)` joined by ` and `, with the value double-quoted, single-quoted or bare; anything
 * else is a 400, so a client whose filter drifts fails loudly. Answers page by `continuationToken`
 * (`historyPageSize` makes pages small). `scriptHistory([...])` scripts history answers separately
 * from `script([...])`, which never touches history requests.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, plainHeaders, sendJson, startLoopbackServer } from './http';

export const DEFAULT_AUDIENCE = 'https://management.azure.com';

export interface FakeWorkspace {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
}

export interface FakePipeline {
  /** Published pipeline id, or pipeline endpoint id. */
  id: string;
  kind: 'published' | 'endpoint';
  /** Pipeline endpoint name (for submit by name). */
  name?: string;
  /** Workspace it lives in; when omitted any workspace in the path matches. */
  workspace?: FakeWorkspace;
  /** Pipeline endpoint versions ("0", "1", ...); default ["0"]. The default version is the first. */
  versions?: string[];
  /** A disabled pipeline refuses submissions with 404. */
  disabled?: boolean;
  /** Declared pipeline parameters; when given, any other ParameterAssignments key is a 400. */
  parameters?: string[];
  /** Declared DataPath parameters; when given, any other DataPathAssignments key is a 400. */
  dataPathParameters?: string[];
}

export type ScriptEntry =
  | { status: number; retryAfter?: string; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | 'timeout'
  | 'reset';

export interface AmlAttempt {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  token: string | undefined;
  audience: string | undefined;
  /** Status answered, or 'timeout' / 'reset' for scripted failures. */
  outcome: number | 'timeout' | 'reset';
  at: Date;
}

export interface AmlSubmission {
  path: string;
  pipeline: FakePipeline;
  /** The pipeline endpoint version asked for, if any. */
  version: string | undefined;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  token: string;
  audience: string | undefined;
  runId: string;
  run: Record<string, unknown>;
  at: Date;
}

/** A run as run history keeps it (camelCase, like the service's `Run`). */
export interface FakeRun {
  runId: string;
  parentRunId: string | null;
  experimentName: string;
  workspace: FakeWorkspace;
  status: string;
  createdUtc: string;
  properties: Record<string, string>;
  tags: Record<string, string>;
  runType: string;
  description: string | null;
}

/** A `PUT .../pipelines/{id}/status` the fake accepted (PublishedPipeline.disable()/enable()). */
export interface StatusUpdate {
  path: string;
  pipelineId: string;
  /** The body as sent (a JSON string, e.g. `"Disabled"`). */
  rawBody: string;
  status: 'Active' | 'Disabled';
  at: Date;
}

export interface HistoryQuery {
  path: string;
  experimentName: string;
  body: Record<string, unknown>;
  filter: string;
  outcome: number | 'timeout' | 'reset';
}

export interface FakeAmlOptions {
  /**
   * Checks a bearer token: returns its audience when valid (e.g. `FakeMsi.validateToken`), undefined when
   * unknown. Without one, any non-empty token is accepted and its audience is unknown.
   */
  validateToken?: (token: string) => { audience: string } | undefined;
  /** Audience the token must be for (default `https://management.azure.com`, trailing slash ignored). */
  audience?: string;
  /** Largest page of runs:query answers (default 100). */
  historyPageSize?: number;
  /**
   * How long an idle keep-alive connection stays open (default 5 s, Node's). The tick bench raises it: on a
   * loaded machine its client may reuse a connection just as the server closes it, and that lost answer
   * (rightly an unknown outcome) would stop the run.
   */
  keepAliveTimeoutMs?: number;
}

export interface FakeAml {
  /** `http://127.0.0.1:<port>`: the service host, as in `https://<region>.api.azureml.ms`. */
  readonly origin: string;
  /** A discovery URL on this host, as ARM reports it in `properties.discoveryUrl`. */
  readonly discoveryUrl: string;
  readonly attempts: AmlAttempt[];
  readonly submissions: AmlSubmission[];
  /** Every accepted published-pipeline status change (the pipeline's `disabled` follows it). */
  readonly statusUpdates: StatusUpdate[];
  /** Every run the fake holds: one per accepted submission, plus any added with `addRun`. */
  readonly runs: FakeRun[];
  /** Every runs:query request. */
  readonly historyQueries: HistoryQuery[];
  /** Adds a run to history directly (other runs, child runs, old runs: noise a look-up must see through). */
  addRun(run: Partial<FakeRun> & { experimentName: string; workspace: FakeWorkspace }): FakeRun;
  /** Largest page of runs:query answers (settable; default `historyPageSize` or 100). */
  historyPageSize: number;
  /** Queue scripted answers for run-history requests only. */
  scriptHistory(entries: ScriptEntry[]): void;
  /** Runs of an experiment carrying property (or tag) `name` = `value`. */
  runsWith(name: string, value: string, field?: 'properties' | 'tags'): FakeRun[];
  addPipeline(pipeline: FakePipeline): FakePipeline;
  setDisabled(id: string, disabled: boolean): void;
  /** Queue scripted answers, consumed one per request before normal handling. */
  script(entries: ScriptEntry[]): void;
  /** Drops scripted answers not yet used. */
  clearScript(): void;
  /** Submit URL for a registered pipeline (optionally a version, or by name). */
  submitUrl(
    workspace: FakeWorkspace,
    ref: { published: string } | { endpointId: string; version?: string } | { endpointName: string; version?: string },
  ): string;
  close(): Promise<void>;
}

const PREFIX =
  /^\/pipelines\/v1\.0\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/PipelineRuns\/(.+)$/i;

const STATUS =
  /^\/pipelines\/v1\.0\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/pipelines\/([^/]+)\/status$/i;

const KNOWN_KEYS = new Set([
  'ExperimentName',
  'ParameterAssignments',
  'DataPathAssignments',
  'RunSource',
  'Description',
  'Tags',
  'DataSetDefinitionValueAssignments',
  'ContinueRunOnStepFailure',
  'Properties',
]);

const HISTORY =
  /^\/history\/v1\.0\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/experiments\/([^/]+)\/runs(?::query|\/([^/]+))$/i;

const CLAUSE = /^\((Properties|Tags)\/([A-Za-z0-9_.-]+) eq (?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\)$/;

/** Parses a run-history filter into clauses, or returns an error message. */
export function parseRunFilter(
  filter: string,
): Array<{ field: 'properties' | 'tags'; name: string; value: string }> | string {
  const clauses: Array<{ field: 'properties' | 'tags'; name: string; value: string }> = [];
  for (const part of filter.split(' and ')) {
    const m = CLAUSE.exec(part.trim());
    if (!m) return `Unsupported filter clause '${part}'.`;
    clauses.push({
      field: m[1] === 'Properties' ? 'properties' : 'tags',
      name: m[2] ?? '',
      value: m[3] ?? m[4] ?? m[5] ?? '',
    });
  }
  return clauses;
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, '');
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a submission body like the service does; returns an error message or undefined. */
export function validateSubmissionBody(body: unknown, pipeline?: FakePipeline): string | undefined {
  if (!isRecord(body)) return 'The request body must be a JSON object.';
  for (const key of Object.keys(body)) {
    if (!KNOWN_KEYS.has(key)) return `Unknown property '${key}' in the request body.`;
  }
  if (typeof body.ExperimentName !== 'string' || body.ExperimentName.trim() === '') {
    return 'ExperimentName is required and must be a non-empty string.';
  }
  if (body.ParameterAssignments !== undefined) {
    if (!isRecord(body.ParameterAssignments)) return 'ParameterAssignments must be an object.';
    for (const [name, value] of Object.entries(body.ParameterAssignments)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        return `ParameterAssignments.${name} must be a string, number or boolean.`;
      }
      if (pipeline?.parameters && !pipeline.parameters.includes(name)) {
        return `Parameter '${name}' is not a parameter of pipeline ${pipeline.id}.`;
      }
    }
  }
  if (body.DataPathAssignments !== undefined) {
    if (!isRecord(body.DataPathAssignments)) return 'DataPathAssignments must be an object.';
    for (const [name, value] of Object.entries(body.DataPathAssignments)) {
      if (!isRecord(value) || typeof value.DataStoreName !== 'string' || typeof value.RelativePath !== 'string') {
        return `DataPathAssignments.${name} must be { DataStoreName: string, RelativePath: string }.`;
      }
      for (const key of Object.keys(value)) {
        if (key !== 'DataStoreName' && key !== 'RelativePath')
          return `Unknown property '${key}' in DataPathAssignments.${name}.`;
      }
      if (pipeline?.dataPathParameters && !pipeline.dataPathParameters.includes(name)) {
        return `DataPath parameter '${name}' is not a parameter of pipeline ${pipeline.id}.`;
      }
    }
  }
  for (const key of ['RunSource', 'Description'] as const) {
    if (body[key] !== undefined && typeof body[key] !== 'string') return `${key} must be a string.`;
  }
  if (body.ContinueRunOnStepFailure !== undefined && typeof body.ContinueRunOnStepFailure !== 'boolean') {
    return 'ContinueRunOnStepFailure must be a boolean.';
  }
  for (const key of ['Tags', 'Properties'] as const) {
    const map = body[key];
    if (map === undefined) continue;
    if (!isRecord(map)) return `${key} must be an object of strings.`;
    for (const [name, value] of Object.entries(map)) {
      if (typeof value !== 'string') return `${key}.${name} must be a string.`;
    }
  }
  if (body.DataSetDefinitionValueAssignments !== undefined) {
    if (!isRecord(body.DataSetDefinitionValueAssignments))
      return 'DataSetDefinitionValueAssignments must be an object.';
    for (const [name, value] of Object.entries(body.DataSetDefinitionValueAssignments)) {
      const ref = isRecord(value) ? value.SavedDataSetReference : undefined;
      if (!isRecord(ref) || typeof ref.Id !== 'string') {
        return `DataSetDefinitionValueAssignments.${name} must be { SavedDataSetReference: { Id: string } }.`;
      }
    }
  }
  return undefined;
}

export async function startFakeAml(options: FakeAmlOptions = {}): Promise<FakeAml> {
  const expectedAudience = trimSlash(options.audience ?? DEFAULT_AUDIENCE);
  const pipelines: FakePipeline[] = [];
  const attempts: AmlAttempt[] = [];
  const submissions: AmlSubmission[] = [];
  const statusUpdates: StatusUpdate[] = [];
  const runs: FakeRun[] = [];
  const historyQueries: HistoryQuery[] = [];
  const queue: ScriptEntry[] = [];
  const historyQueue: ScriptEntry[] = [];
  let pageSize = options.historyPageSize ?? 100;
  let origin = '';

  const error = (
    res: ServerResponse,
    attempt: AmlAttempt,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): void => {
    attempt.outcome = status;
    sendJson(res, status, { error: { code, message } }, headers);
  };

  const findPipeline = (
    workspace: FakeWorkspace,
    rest: string,
    search: URLSearchParams,
  ): { pipeline?: FakePipeline; version?: string; message: string } => {
    const inWorkspace = (p: FakePipeline): boolean =>
      !p.workspace ||
      (sameText(p.workspace.subscriptionId, workspace.subscriptionId) &&
        sameText(p.workspace.resourceGroup, workspace.resourceGroup) &&
        sameText(p.workspace.workspaceName, workspace.workspaceName));
    const segments = rest.split('/').map((s) => decodeURIComponent(s));
    const [first, second, third, fourth] = segments;
    if (first && sameText(first, 'PipelineSubmit') && second && segments.length === 2) {
      const pipeline = pipelines.find((p) => p.kind === 'published' && sameText(p.id, second) && inWorkspace(p));
      return {
        pipeline,
        message: `Published pipeline ${second} was not found in workspace ${workspace.workspaceName}.`,
      };
    }
    if (
      first &&
      sameText(first, 'PipelineEndpointSubmit') &&
      second &&
      sameText(second, 'Id') &&
      third &&
      segments.length <= 4
    ) {
      const pipeline = pipelines.find((p) => p.kind === 'endpoint' && sameText(p.id, third) && inWorkspace(p));
      return {
        pipeline,
        version: fourth,
        message: `Pipeline endpoint ${third} was not found in workspace ${workspace.workspaceName}.`,
      };
    }
    if (
      first &&
      sameText(first, 'PipelineEndpointSubmit') &&
      second &&
      sameText(second, 'Name') &&
      segments.length === 2
    ) {
      const name = search.get('name') ?? '';
      const pipeline = pipelines.find(
        (p) => p.kind === 'endpoint' && p.name !== undefined && sameText(p.name, name) && inWorkspace(p),
      );
      return {
        pipeline,
        version: search.get('pipelineVersion') ?? undefined,
        message: `Pipeline endpoint named '${name}' was not found in workspace ${workspace.workspaceName}.`,
      };
    }
    return { message: `No route matches ${rest}.` };
  };

  const runView = (run: FakeRun): Record<string, unknown> => ({
    runId: run.runId,
    parentRunId: run.parentRunId,
    rootRunId: run.parentRunId ?? run.runId,
    status: run.status,
    createdUtc: run.createdUtc,
    runType: run.runType,
    description: run.description,
    name: null,
    tags: { ...run.tags },
    properties: { ...run.properties },
  });

  const inWorkspace = (run: FakeRun, ws: FakeWorkspace): boolean =>
    sameText(run.workspace.subscriptionId, ws.subscriptionId) &&
    sameText(run.workspace.resourceGroup, ws.resourceGroup) &&
    sameText(run.workspace.workspaceName, ws.workspaceName);

  const handleHistory = (
    req: IncomingMessage,
    res: ServerResponse,
    attempt: AmlAttempt,
    m: RegExpExecArray,
    rawBody: string,
  ): void => {
    const ws: FakeWorkspace = {
      subscriptionId: decodeURIComponent(m[1] ?? ''),
      resourceGroup: decodeURIComponent(m[2] ?? ''),
      workspaceName: decodeURIComponent(m[3] ?? ''),
    };
    const experimentName = decodeURIComponent(m[4] ?? '');
    const runId = m[5] === undefined ? undefined : decodeURIComponent(m[5]);
    if (runId !== undefined) {
      const run =
        req.method === 'GET'
          ? runs.find((r) => r.runId === runId && sameText(r.experimentName, experimentName) && inWorkspace(r, ws))
          : undefined;
      if (!run) {
        error(res, attempt, 404, 'NotFound', `Run ${runId} was not found in experiment ${experimentName}.`);
        return;
      }
      attempt.outcome = 200;
      sendJson(res, 200, runView(run));
      return;
    }
    const query: HistoryQuery = { path: attempt.path, experimentName, body: {}, filter: '', outcome: 0 };
    historyQueries.push(query);
    const fail = (status: number, code: string, message: string): void => {
      query.outcome = status;
      error(res, attempt, status, code, message);
    };
    if (req.method !== 'POST') return fail(405, 'MethodNotAllowed', 'runs:query takes POST.');
    let body: unknown;
    try {
      body = rawBody.trim() === '' ? {} : JSON.parse(rawBody);
    } catch {
      return fail(400, 'ValidationError', 'The request body is not valid JSON.');
    }
    if (!isRecord(body)) return fail(400, 'ValidationError', 'The body must be a QueryParams object.');
    query.body = body;
    for (const k of Object.keys(body))
      if (!['filter', 'continuationToken', 'orderBy', 'top'].includes(k))
        return fail(400, 'ValidationError', `Unknown QueryParams member '${k}'.`);
    const filter = typeof body.filter === 'string' ? body.filter : '';
    query.filter = filter;
    const clauses = filter === '' ? [] : parseRunFilter(filter);
    if (typeof clauses === 'string') return fail(400, 'ValidationError', clauses);
    const top = typeof body.top === 'number' && body.top > 0 ? Math.min(body.top, pageSize) : pageSize;
    const token = body.continuationToken;
    const offset =
      typeof token === 'string' && token !== '' ? Number(Buffer.from(token, 'base64').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) return fail(400, 'ValidationError', 'Invalid continuationToken.');
    const selected = runs.filter(
      (r) =>
        sameText(r.experimentName, experimentName) &&
        inWorkspace(r, ws) &&
        clauses.every((c) => r[c.field][c.name] === c.value),
    );
    const page = selected.slice(offset, offset + top);
    const next = offset + top < selected.length ? Buffer.from(String(offset + top), 'utf8').toString('base64') : null;
    query.outcome = 200;
    attempt.outcome = 200;
    sendJson(res, 200, {
      value: page.map(runView),
      continuationToken: next,
      nextLink: next ? `${origin}${attempt.path}?continuationToken=${next}` : null,
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, rawBody: string): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = bearerToken(req);
    const validated = token && options.validateToken ? options.validateToken(token) : undefined;
    const attempt: AmlAttempt = {
      method: req.method ?? '',
      path: url.pathname + url.search,
      headers: plainHeaders(req),
      rawBody,
      token,
      audience: validated?.audience,
      outcome: 0,
      at: new Date(),
    };
    attempts.push(attempt);

    const history = HISTORY.exec(url.pathname);
    const scripted = history ? historyQueue.shift() : queue.shift();
    if (scripted === 'timeout') {
      attempt.outcome = 'timeout';
      return; // never answer; the socket is destroyed on close() or by the client giving up
    }
    if (scripted === 'reset') {
      attempt.outcome = 'reset';
      req.socket.destroy();
      return;
    }
    if (scripted) {
      if (scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
      const headers: Record<string, string> = { ...(scripted.headers ?? {}) };
      if (scripted.retryAfter !== undefined) headers['retry-after'] = scripted.retryAfter;
      attempt.outcome = scripted.status;
      sendJson(
        res,
        scripted.status,
        scripted.body ?? {
          error: { code: `Scripted${scripted.status}`, message: `Scripted answer ${scripted.status}.` },
        },
        headers,
      );
      return;
    }

    if (req.method === 'GET' && url.pathname === '/discovery') {
      // Shape of the regional discovery document: service name → base URL.
      attempt.outcome = 200;
      sendJson(res, 200, {
        api: origin,
        catalog: origin,
        experimentation: origin,
        history: origin,
        hyperdrive: origin,
        modelmanagement: origin,
        pipelines: origin,
        studio: 'https://ml.azure.com',
      });
      return;
    }

    if (!token) {
      error(
        res,
        attempt,
        401,
        'AuthenticationFailed',
        'Authentication failed: the Authorization header with a Bearer token is missing.',
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    if (options.validateToken) {
      if (!validated) {
        error(res, attempt, 401, 'InvalidAuthenticationToken', 'The access token is invalid or expired.', {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
        return;
      }
      if (trimSlash(validated.audience) !== expectedAudience) {
        error(
          res,
          attempt,
          401,
          'InvalidAuthenticationTokenAudience',
          `The access token has the wrong audience '${validated.audience}'; expected '${expectedAudience}'.`,
          { 'www-authenticate': 'Bearer error="invalid_token"' },
        );
        return;
      }
    }

    if (history) {
      handleHistory(req, res, attempt, history, rawBody);
      return;
    }

    const statusRoute = STATUS.exec(url.pathname);
    if (statusRoute && req.method === 'PUT') {
      const workspace: FakeWorkspace = {
        subscriptionId: decodeURIComponent(statusRoute[1] ?? ''),
        resourceGroup: decodeURIComponent(statusRoute[2] ?? ''),
        workspaceName: decodeURIComponent(statusRoute[3] ?? ''),
      };
      const id = decodeURIComponent(statusRoute[4] ?? '');
      const found = findPipeline(workspace, `PipelineSubmit/${encodeURIComponent(id)}`, url.searchParams);
      if (!found.pipeline) {
        error(res, attempt, 404, 'NotFound', found.message);
        return;
      }
      let status: unknown;
      try {
        status = JSON.parse(rawBody);
      } catch {
        status = undefined;
      }
      if (status !== 'Active' && status !== 'Disabled' && status !== 'Deprecated') {
        error(
          res,
          attempt,
          400,
          'BadRequest',
          `The body must be the new status as a JSON string ("Active", "Deprecated" or "Disabled"), not ${rawBody.slice(0, 80)}.`,
        );
        return;
      }
      found.pipeline.disabled = status !== 'Active';
      statusUpdates.push({
        path: attempt.path,
        pipelineId: found.pipeline.id,
        rawBody,
        status: status === 'Active' ? 'Active' : 'Disabled',
        at: attempt.at,
      });
      attempt.outcome = 200;
      res.writeHead(200, { 'content-length': '0' });
      res.end();
      return;
    }

    const match = PREFIX.exec(url.pathname);
    if (!match || req.method !== 'POST') {
      error(res, attempt, 404, 'NotFound', `No such resource: ${req.method ?? ''} ${url.pathname}.`);
      return;
    }
    const workspace: FakeWorkspace = {
      subscriptionId: decodeURIComponent(match[1] ?? ''),
      resourceGroup: decodeURIComponent(match[2] ?? ''),
      workspaceName: decodeURIComponent(match[3] ?? ''),
    };
    const found = findPipeline(workspace, match[4] ?? '', url.searchParams);
    const pipeline = found.pipeline;
    if (!pipeline) {
      error(res, attempt, 404, 'NotFound', found.message);
      return;
    }
    if (pipeline.disabled) {
      error(
        res,
        attempt,
        404,
        'PipelineDisabled',
        `Pipeline ${pipeline.id} is disabled; only Active pipelines accept submissions.`,
      );
      return;
    }
    const versions = pipeline.versions ?? ['0'];
    if (pipeline.kind === 'endpoint' && found.version !== undefined && !versions.includes(found.version)) {
      error(res, attempt, 404, 'NotFound', `Pipeline endpoint ${pipeline.id} has no version '${found.version}'.`);
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(contentType)) {
      error(res, attempt, 415, 'UnsupportedMediaType', `Content-Type must be application/json, not '${contentType}'.`);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      error(res, attempt, 400, 'BadRequest', 'The request body is not valid JSON.');
      return;
    }
    const problem = validateSubmissionBody(body, pipeline);
    if (problem || !isRecord(body)) {
      error(res, attempt, 400, 'BadRequest', problem ?? 'The request body must be a JSON object.');
      return;
    }
    const runId = randomUUID();
    const now = new Date().toISOString();
    const run: Record<string, unknown> = {
      Id: runId,
      Status: { StatusCode: 'NotStarted', StatusDetail: null, CreationTime: now, EndTime: null },
      RunType: 'azureml.PipelineRun',
      ExperimentName: body.ExperimentName,
      RunHistoryExperimentName: body.ExperimentName,
      PipelineId: pipeline.kind === 'published' ? pipeline.id : `${pipeline.id}:${found.version ?? versions[0] ?? '0'}`,
      PipelineEndpointId: pipeline.kind === 'endpoint' ? pipeline.id : null,
      RunSource: body.RunSource ?? 'Unavailable',
      Description: body.Description ?? null,
      ParameterAssignments: body.ParameterAssignments ?? {},
      DataPathAssignments: body.DataPathAssignments ?? {},
      Tags: body.Tags ?? {},
      CreatedDate: now,
      RunUrl: `https://ml.azure.com/runs/${runId}?wsid=/subscriptions/${workspace.subscriptionId}/resourcegroups/${workspace.resourceGroup}/workspaces/${workspace.workspaceName}`,
    };
    runs.push({
      runId,
      parentRunId: null,
      experimentName: String(body.ExperimentName),
      workspace,
      status: 'NotStarted',
      createdUtc: now,
      properties: {
        ...(isRecord(body.Properties) ? (body.Properties as Record<string, string>) : {}),
        'azureml.runsource': 'azureml.PipelineRun',
      },
      tags: { ...(isRecord(body.Tags) ? (body.Tags as Record<string, string>) : {}) },
      runType: 'azureml.PipelineRun',
      description: typeof body.Description === 'string' ? body.Description : null,
    });
    submissions.push({
      path: attempt.path,
      pipeline,
      version: found.version,
      headers: attempt.headers,
      body,
      token,
      audience: validated?.audience,
      runId,
      run,
      at: attempt.at,
    });
    attempt.outcome = 200;
    sendJson(res, 200, run);
  };

  const server = await startLoopbackServer(
    handle,
    options.keepAliveTimeoutMs ? { keepAliveTimeoutMs: options.keepAliveTimeoutMs } : {},
  );
  origin = server.origin;

  const base = (ws: FakeWorkspace): string =>
    `${origin}/pipelines/v1.0/subscriptions/${encodeURIComponent(ws.subscriptionId)}/resourceGroups/${encodeURIComponent(ws.resourceGroup)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(ws.workspaceName)}/PipelineRuns`;

  return {
    origin,
    discoveryUrl: `${origin}/discovery`,
    attempts,
    submissions,
    statusUpdates,
    runs,
    historyQueries,
    get historyPageSize() {
      return pageSize;
    },
    set historyPageSize(size: number) {
      pageSize = size;
    },
    addRun(partial) {
      const run: FakeRun = {
        runId: randomUUID(),
        parentRunId: null,
        status: 'Completed',
        createdUtc: new Date().toISOString(),
        properties: {},
        tags: {},
        runType: 'azureml.PipelineRun',
        description: null,
        ...partial,
      };
      runs.push(run);
      return run;
    },
    scriptHistory(entries) {
      historyQueue.push(...entries);
    },
    runsWith(name, value, field = 'properties') {
      return runs.filter((r) => r[field][name] === value);
    },
    addPipeline(pipeline) {
      pipelines.push(pipeline);
      return pipeline;
    },
    setDisabled(id, disabled) {
      for (const p of pipelines) if (sameText(p.id, id)) p.disabled = disabled;
    },
    script(entries) {
      queue.push(...entries);
    },
    clearScript() {
      queue.length = 0;
      historyQueue.length = 0;
    },
    submitUrl(workspace, ref) {
      if ('published' in ref) return `${base(workspace)}/PipelineSubmit/${encodeURIComponent(ref.published)}`;
      if ('endpointId' in ref) {
        const version = ref.version === undefined ? '' : `/${encodeURIComponent(ref.version)}`;
        return `${base(workspace)}/PipelineEndpointSubmit/Id/${encodeURIComponent(ref.endpointId)}${version}`;
      }
      const version = ref.version === undefined ? '' : `&pipelineVersion=${encodeURIComponent(ref.version)}`;
      return `${base(workspace)}/PipelineEndpointSubmit/Name?name=${encodeURIComponent(ref.endpointName)}${version}`;
    },
    close: () => server.close(),
  };
}
