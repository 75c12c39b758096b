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

export interface FakeAmlOptions {
  /**
   * Checks a bearer token: returns its audience when valid (e.g. `FakeMsi.validateToken`), undefined when
   * unknown. Without one, any non-empty token is accepted and its audience is unknown.
   */
  validateToken?: (token: string) => { audience: string } | undefined;
  /** Audience the token must be for (default `https://management.azure.com`, trailing slash ignored). */
  audience?: string;
}

export interface FakeAml {
  /** `http://127.0.0.1:<port>`: the service host, as in `https://<region>.api.azureml.ms`. */
  readonly origin: string;
  /** A discovery URL on this host, as ARM reports it in `properties.discoveryUrl`. */
  readonly discoveryUrl: string;
  readonly attempts: AmlAttempt[];
  readonly submissions: AmlSubmission[];
  addPipeline(pipeline: FakePipeline): FakePipeline;
  setDisabled(id: string, disabled: boolean): void;
  /** Queue scripted answers, consumed one per request before normal handling. */
  script(entries: ScriptEntry[]): void;
  /** Drops scripted answers not yet used. */
  clearScript(): void;
  /** Submit URL for a registered pipeline (optionally a version, or by name). */
  submitUrl(workspace: FakeWorkspace, ref: { published: string } | { endpointId: string; version?: string } | { endpointName: string; version?: string }): string;
  close(): Promise<void>;
}

const PREFIX = /^\/pipelines\/v1\.0\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/PipelineRuns\/(.+)$/i;

const KNOWN_KEYS = new Set([
  'ExperimentName',
  'ParameterAssignments',
  'DataPathAssignments',
  'RunSource',
  'Description',
  'Tags',
  'DataSetDefinitionValueAssignments',
  'ContinueOnStepFailure',
]);

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
        if (key !== 'DataStoreName' && key !== 'RelativePath') return `Unknown property '${key}' in DataPathAssignments.${name}.`;
      }
      if (pipeline?.dataPathParameters && !pipeline.dataPathParameters.includes(name)) {
        return `DataPath parameter '${name}' is not a parameter of pipeline ${pipeline.id}.`;
      }
    }
  }
  for (const key of ['RunSource', 'Description'] as const) {
    if (body[key] !== undefined && typeof body[key] !== 'string') return `${key} must be a string.`;
  }
  if (body.ContinueOnStepFailure !== undefined && typeof body.ContinueOnStepFailure !== 'boolean') {
    return 'ContinueOnStepFailure must be a boolean.';
  }
  if (body.Tags !== undefined) {
    if (!isRecord(body.Tags)) return 'Tags must be an object of strings.';
    for (const [name, value] of Object.entries(body.Tags)) {
      if (typeof value !== 'string') return `Tags.${name} must be a string.`;
    }
  }
  if (body.DataSetDefinitionValueAssignments !== undefined) {
    if (!isRecord(body.DataSetDefinitionValueAssignments)) return 'DataSetDefinitionValueAssignments must be an object.';
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
  const queue: ScriptEntry[] = [];
  let origin = '';

  const error = (res: ServerResponse, attempt: AmlAttempt, status: number, code: string, message: string, headers: Record<string, string> = {}): void => {
    attempt.outcome = status;
    sendJson(res, status, { error: { code, message } }, headers);
  };

  const findPipeline = (workspace: FakeWorkspace, rest: string, search: URLSearchParams): { pipeline?: FakePipeline; version?: string; message: string } => {
    const inWorkspace = (p: FakePipeline): boolean =>
      !p.workspace ||
      (sameText(p.workspace.subscriptionId, workspace.subscriptionId) &&
        sameText(p.workspace.resourceGroup, workspace.resourceGroup) &&
        sameText(p.workspace.workspaceName, workspace.workspaceName));
    const segments = rest.split('/').map((s) => decodeURIComponent(s));
    const [first, second, third, fourth] = segments;
    if (first && sameText(first, 'PipelineSubmit') && second && segments.length === 2) {
      const pipeline = pipelines.find((p) => p.kind === 'published' && sameText(p.id, second) && inWorkspace(p));
      return { pipeline, message: `Published pipeline ${second} was not found in workspace ${workspace.workspaceName}.` };
    }
    if (first && sameText(first, 'PipelineEndpointSubmit') && second && sameText(second, 'Id') && third && segments.length <= 4) {
      const pipeline = pipelines.find((p) => p.kind === 'endpoint' && sameText(p.id, third) && inWorkspace(p));
      return { pipeline, version: fourth, message: `Pipeline endpoint ${third} was not found in workspace ${workspace.workspaceName}.` };
    }
    if (first && sameText(first, 'PipelineEndpointSubmit') && second && sameText(second, 'Name') && segments.length === 2) {
      const name = search.get('name') ?? '';
      const pipeline = pipelines.find((p) => p.kind === 'endpoint' && p.name !== undefined && sameText(p.name, name) && inWorkspace(p));
      return { pipeline, version: search.get('pipelineVersion') ?? undefined, message: `Pipeline endpoint named '${name}' was not found in workspace ${workspace.workspaceName}.` };
    }
    return { message: `No route matches ${rest}.` };
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

    const scripted = queue.shift();
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
      sendJson(res, scripted.status, scripted.body ?? { error: { code: `Scripted${scripted.status}`, message: `Scripted answer ${scripted.status}.` } }, headers);
      return;
    }

    if (req.method === 'GET' && url.pathname === '/discovery') {
      // Shape of the regional discovery document: service name → base URL.
      attempt.outcome = 200;
      sendJson(res, 200, { api: origin, catalog: origin, experimentation: origin, history: origin, hyperdrive: origin, modelmanagement: origin, pipelines: origin, studio: 'https://ml.azure.com' });
      return;
    }

    if (!token) {
      error(res, attempt, 401, 'AuthenticationFailed', 'Authentication failed: the Authorization header with a Bearer token is missing.', { 'www-authenticate': 'Bearer' });
      return;
    }
    if (options.validateToken) {
      if (!validated) {
        error(res, attempt, 401, 'InvalidAuthenticationToken', 'The access token is invalid or expired.', { 'www-authenticate': 'Bearer error="invalid_token"' });
        return;
      }
      if (trimSlash(validated.audience) !== expectedAudience) {
        error(res, attempt, 401, 'InvalidAuthenticationTokenAudience', `The access token has the wrong audience '${validated.audience}'; expected '${expectedAudience}'.`, { 'www-authenticate': 'Bearer error="invalid_token"' });
        return;
      }
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
      error(res, attempt, 404, 'PipelineDisabled', `Pipeline ${pipeline.id} is disabled; only Active pipelines accept submissions.`);
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

  const server = await startLoopbackServer(handle);
  origin = server.origin;

  const base = (ws: FakeWorkspace): string =>
    `${origin}/pipelines/v1.0/subscriptions/${encodeURIComponent(ws.subscriptionId)}/resourceGroups/${encodeURIComponent(ws.resourceGroup)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(ws.workspaceName)}/PipelineRuns`;

  return {
    origin,
    discoveryUrl: `${origin}/discovery`,
    attempts,
    submissions,
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
