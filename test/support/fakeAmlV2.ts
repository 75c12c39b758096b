/**
 * The Azure ML v2 side of the test bed (../shared/spec/aml-v2.md), in two parts sharing one job store:
 *
 * ARM routes, served by the fake ARM (fakeArm.ts calls `arm(...)` after its token and api-version checks):
 *   PUT  …/workspaces/{ws}/jobs/{name}            pipeline job from a registered component
 *   GET  …/workspaces/{ws}/jobs/{name}            any job (pipeline jobs and batch jobs alike)
 *   GET  …/workspaces/{ws}/components/{name}      component container (`properties.latestVersion`)
 *   GET  …/workspaces/{ws}/batchEndpoints/{name}  batch endpoint (`properties.scoringUri`)
 * A PUT of a new name answers 201 with the job; of an existing name with the same immutable parts
 * (componentId, inputs, settings) 200 with the job, its tags replaced (Learn: "For update case, the Tags
 * in the definition passed in will replace Tags in the existing job"); with different ones, or with
 * `secondPut = 'immutable'` (what azure-sdk-for-python PR #47389 saw even for a round-tripped body), 400
 * UserError "A job with this name already exists …" with inner code JobPropertyImmutable. Never a
 * second job. `asyncAccepted` makes new creates answer 202 with Azure-AsyncOperation and Location
 * headers and no body (the long-running form).
 *
 * Batch scoring, on its own loopback HTTP server (`scoringOrigin`), as `<endpoint>.<region>.inference.ml.azure.com`:
 *   POST /{endpoint}/jobs    token audience https://ml.azure.com (401 otherwise), optional
 *                            azureml-model-deployment (404 for an unknown deployment), body
 *                            {properties: {InputData: {<name>: {JobInputType, Uri|Value}}, name?, tags?, properties?}}
 * answers 200 with the batch job; the job takes `properties.name` (409 if taken: **not** the documented
 * behaviour, which is unknown; the app never relies on it).
 *
 * `script([...])` queues answers for the next PUT job / batch invoke: `{status}` refuses without creating,
 * 'create_then_502' / 'create_then_reset' create the job and lose the answer, 'timeout' never answers
 * (without creating).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeWorkspace } from './fakeAml';
import { bearerToken, plainHeaders, sendJson, startLoopbackServer } from './http';

export const BATCH_AUDIENCE = 'https://ml.azure.com';

export interface FakeJob {
  name: string;
  workspace: FakeWorkspace;
  kind: 'pipeline' | 'batch';
  /** The endpoint a batch job was invoked on. */
  endpoint?: string;
  deployment?: string;
  /** The `properties` of the PUT (pipeline) or invoke (batch) body that created it. */
  request: Record<string, unknown>;
  tags: Record<string, string>;
  properties: Record<string, string>;
  createdAt: string;
  /** PUTs of this name after the first (updates and refusals). */
  laterPuts: number;
}

export interface V2Request {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown> | undefined;
  audience: string | undefined;
  status: number | 'timeout' | 'reset';
}

export type V2ScriptEntry =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | 'create_then_502'
  | 'create_then_reset'
  | 'timeout';

export interface FakeAmlV2 {
  readonly scoringOrigin: string;
  /** Every job, in creation order. */
  readonly jobs: FakeJob[];
  /** Every PUT …/jobs/{name}. */
  readonly puts: V2Request[];
  /** Every batch invoke. */
  readonly invokes: V2Request[];
  /** Every ARM GET of a job, component or endpoint. */
  readonly gets: V2Request[];
  secondPut: 'update' | 'immutable';
  asyncAccepted: boolean;
  addComponent(workspace: FakeWorkspace, name: string, versions: string[]): void;
  /** Registers a batch endpoint; `scoringUri` overrides the URI it reports (e.g. through a fault proxy). */
  addBatchEndpoint(
    workspace: FakeWorkspace,
    name: string,
    options?: { deployments?: string[]; scoringUri?: string },
  ): string;
  script(entries: V2ScriptEntry[]): void;
  /** Handles an ARM request whose path is under a workspace; false when the path is not a v2 route. */
  arm(req: IncomingMessage, res: ServerResponse, body: string, path: string, workspace: FakeWorkspace): boolean;
  close(): Promise<void>;
}

const V2_ROUTE = /^\/(jobs|components|batchEndpoints)\/([^/]+)$/i;

function wsKey(ws: FakeWorkspace): string {
  return `${ws.subscriptionId}/${ws.resourceGroup}/${ws.workspaceName}`.toLowerCase();
}

function armId(ws: FakeWorkspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspaceName}`;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function strings(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(value) ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    return record(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function userError(res: ServerResponse, status: number, message: string, inner?: string): void {
  sendJson(
    res,
    status,
    {
      error: {
        code: 'UserError',
        message,
        ...(inner ? { innerError: { code: 'Immutable', innerError: { code: inner } } } : {}),
      },
    },
    { 'x-ms-request-id': randomUUID() },
  );
}

const PIPELINE_INPUT_TYPES = new Set(['uri_file', 'uri_folder', 'mltable', 'literal']);
const BATCH_INPUT_TYPES = new Set(['UriFile', 'UriFolder', 'Literal']);

/** Why a pipeline job PUT body is invalid, or undefined. */
function invalidPipelineJob(
  props: Record<string, unknown> | undefined,
  components: Map<string, string[]>,
  ws: FakeWorkspace,
): string | undefined {
  if (!props) return 'The request body must be {"properties": {...}}.';
  if (props.jobType !== 'Pipeline') return `properties.jobType must be Pipeline, not ${JSON.stringify(props.jobType)}.`;
  const id = typeof props.componentId === 'string' ? props.componentId : '';
  const m = /\/components\/([^/]+)\/versions\/([^/]+)$/.exec(id);
  if (!m || !id.toLowerCase().startsWith(armId(ws).toLowerCase()))
    return `properties.componentId ${JSON.stringify(id)} is not a component version of this workspace.`;
  if (
    !(components.get(`${wsKey(ws)}/${decodeURIComponent(m[1]!).toLowerCase()}`) ?? []).includes(
      decodeURIComponent(m[2]!),
    )
  )
    return `Component ${m[1]} version ${m[2]} not found.`;
  for (const [name, input] of Object.entries(record(props.inputs) ?? {})) {
    const i = record(input);
    if (!i || !PIPELINE_INPUT_TYPES.has(String(i.jobInputType)))
      return `Input ${name}: jobInputType must be uri_file, uri_folder, mltable or literal (lower case), not ${JSON.stringify(i?.jobInputType)}.`;
    if (i.jobInputType === 'literal' ? typeof i.value !== 'string' : typeof i.uri !== 'string')
      return `Input ${name}: ${i.jobInputType === 'literal' ? 'value' : 'uri'} is required.`;
  }
  return undefined;
}

function invalidInvoke(props: Record<string, unknown> | undefined): string | undefined {
  if (!props) return 'The request body must be {"properties": {...}}.';
  for (const [name, input] of Object.entries(record(props.InputData) ?? {})) {
    const i = record(input);
    if (!i || !BATCH_INPUT_TYPES.has(String(i.JobInputType)))
      return `InputData.${name}: JobInputType must be UriFile, UriFolder or Literal, not ${JSON.stringify(i?.JobInputType)}.`;
    if (i.JobInputType === 'Literal' ? typeof i.Value !== 'string' : typeof i.Uri !== 'string')
      return `InputData.${name}: ${i.JobInputType === 'Literal' ? 'Value' : 'Uri'} is required.`;
  }
  return undefined;
}

const immutable = (p: Record<string, unknown>): string =>
  JSON.stringify([p.componentId, p.inputs ?? {}, p.settings ?? {}, p.jobType]);

export async function startFakeAmlV2(
  options: { validateToken?: (token: string) => { audience: string } | undefined } = {},
): Promise<FakeAmlV2> {
  const jobs: FakeJob[] = [];
  const byName = new Map<string, FakeJob>();
  const components = new Map<string, string[]>();
  const endpoints = new Map<
    string,
    { workspace: FakeWorkspace; name: string; deployments: string[]; scoringUri: string }
  >();
  const puts: V2Request[] = [];
  const invokes: V2Request[] = [];
  const gets: V2Request[] = [];
  const queue: V2ScriptEntry[] = [];
  let scoringOrigin = '';

  const resource = (job: FakeJob): Record<string, unknown> => ({
    id: `${armId(job.workspace)}/jobs/${job.name}`,
    name: job.name,
    type: 'Microsoft.MachineLearningServices/workspaces/jobs',
    properties: {
      ...job.request,
      ...(job.kind === 'batch' ? { jobType: 'Pipeline', experimentName: job.endpoint } : {}),
      tags: job.tags,
      properties: job.properties,
      status: 'NotStarted',
      services: {
        Studio: {
          jobServiceType: 'Studio',
          endpoint: `https://ml.azure.com/runs/${job.name}?wsid=${armId(job.workspace)}`,
        },
      },
    },
    systemData: { createdAt: job.createdAt, createdBy: 'fake', createdByType: 'Application' },
  });

  const create = (job: Omit<FakeJob, 'createdAt' | 'laterPuts'>): FakeJob => {
    const made: FakeJob = { ...job, createdAt: new Date().toISOString(), laterPuts: 0 };
    jobs.push(made);
    byName.set(`${wsKey(job.workspace)}/${job.name}`, made);
    return made;
  };

  /** Applies a scripted entry: true when it answered (or will never answer). */
  const scripted = (
    res: ServerResponse,
    entry: V2ScriptEntry | undefined,
    request: V2Request,
    make: () => FakeJob | undefined,
  ): boolean => {
    if (entry === undefined) return false;
    if (entry === 'timeout') {
      request.status = 'timeout';
      return true; // never answered; the client's attempt timeout ends it
    }
    if (entry === 'create_then_502' || entry === 'create_then_reset') {
      make();
      if (entry === 'create_then_reset') {
        request.status = 'reset';
        res.socket?.destroy();
      } else {
        request.status = 502;
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      }
      return true;
    }
    request.status = entry.status;
    sendJson(
      res,
      entry.status,
      entry.body ?? { error: { code: `Scripted${entry.status}`, message: `Scripted answer ${entry.status}.` } },
      entry.headers ?? {},
    );
    return true;
  };

  const putJob = (req: IncomingMessage, res: ServerResponse, body: string, ws: FakeWorkspace, name: string): void => {
    const parsed = parse(body);
    const props = record(parsed?.properties);
    const request: V2Request = {
      method: 'PUT',
      path: req.url ?? '',
      headers: plainHeaders(req),
      body: parsed,
      audience: undefined,
      status: 0,
    };
    puts.push(request);
    const existing = byName.get(`${wsKey(ws)}/${name}`);
    const make = (): FakeJob | undefined => {
      if (!props || byName.has(`${wsKey(ws)}/${name}`)) return byName.get(`${wsKey(ws)}/${name}`);
      const { tags, properties, ...rest } = props;
      return create({
        name,
        workspace: ws,
        kind: 'pipeline',
        request: rest,
        tags: strings(tags),
        properties: strings(properties),
      });
    };
    if (scripted(res, queue.shift(), request, make)) return;
    const invalid = invalidPipelineJob(props, components, ws);
    if (invalid) {
      request.status = 400;
      userError(res, 400, invalid);
      return;
    }
    if (existing) {
      existing.laterPuts++;
      const { tags: _t, properties: _p, ...rest } = props!;
      if (fakeV2.secondPut === 'immutable' || immutable(rest) !== immutable(existing.request)) {
        request.status = 400;
        userError(
          res,
          400,
          "A job with this name already exists. If you are trying to create a new job, use a different name. If you are trying to update an existing job, the existing job's Settings, Inputs, Outputs, Jobs, InputBindings, OutputBindings cannot be changed. Only description, tags, displayName, properties, and isArchived can be updated.",
          'JobPropertyImmutable',
        );
        return;
      }
      existing.tags = strings(props!.tags);
      request.status = 200;
      sendJson(res, 200, resource(existing));
      return;
    }
    const job = make()!;
    if (fakeV2.asyncAccepted) {
      request.status = 202;
      const op = `${armId(ws)}/operations/${randomUUID()}`;
      res
        .writeHead(202, {
          'azure-asyncoperation': `${op}?api-version=x`,
          location: `${op}?api-version=x`,
          'content-length': '0',
        })
        .end();
      return;
    }
    request.status = 201;
    sendJson(res, 201, resource(job));
  };

  const fakeV2: FakeAmlV2 = {
    get scoringOrigin() {
      return scoringOrigin;
    },
    jobs,
    puts,
    invokes,
    gets,
    secondPut: 'update',
    asyncAccepted: false,
    addComponent(ws, name, versions) {
      components.set(`${wsKey(ws)}/${name.toLowerCase()}`, versions);
    },
    addBatchEndpoint(ws, name, opts = {}) {
      const scoringUri = opts.scoringUri ?? `${scoringOrigin}/${name}/jobs`;
      endpoints.set(`${wsKey(ws)}/${name.toLowerCase()}`, {
        workspace: ws,
        name,
        deployments: opts.deployments ?? ['default'],
        scoringUri,
      });
      return scoringUri;
    },
    script(entries) {
      queue.push(...entries);
    },
    arm(req, res, body, path, ws) {
      const m = V2_ROUTE.exec(path);
      if (!m) return false;
      const kind = m[1]!.toLowerCase();
      const name = decodeURIComponent(m[2]!);
      if (kind === 'jobs' && req.method === 'PUT') {
        putJob(req, res, body, ws, name);
        return true;
      }
      if (req.method !== 'GET') return false;
      const request: V2Request = {
        method: 'GET',
        path: req.url ?? '',
        headers: plainHeaders(req),
        body: undefined,
        audience: undefined,
        status: 0,
      };
      gets.push(request);
      const answer = (status: number, value: unknown): void => {
        request.status = status;
        if (status === 404) userError(res, 404, `${kind} ${name} not found.`);
        else sendJson(res, status, value);
      };
      if (kind === 'jobs') {
        const job = byName.get(`${wsKey(ws)}/${name}`);
        answer(job ? 200 : 404, job ? resource(job) : undefined);
      } else if (kind === 'components') {
        const versions = components.get(`${wsKey(ws)}/${name.toLowerCase()}`);
        answer(versions ? 200 : 404, {
          id: `${armId(ws)}/components/${name}`,
          name,
          properties: { latestVersion: versions?.at(-1), isArchived: false },
        });
      } else {
        const ep = endpoints.get(`${wsKey(ws)}/${name.toLowerCase()}`);
        answer(ep ? 200 : 404, {
          id: `${armId(ws)}/batchEndpoints/${name}`,
          name,
          properties: {
            scoringUri: ep?.scoringUri,
            authMode: 'AADToken',
            provisioningState: 'Succeeded',
            defaults: { deploymentName: ep?.deployments[0] },
          },
        });
      }
      return true;
    },
    close: async () => server.close(),
  };

  const server = await startLoopbackServer((req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parsed = parse(body);
    const token = bearerToken(req);
    const validated = token && options.validateToken ? options.validateToken(token) : undefined;
    const request: V2Request = {
      method: req.method ?? '',
      path: url.pathname,
      headers: plainHeaders(req),
      body: parsed,
      audience: validated?.audience,
      status: 0,
    };
    invokes.push(request);
    const m = /^\/([^/]+)\/jobs$/.exec(url.pathname);
    const ep = m
      ? [...endpoints.values()].find((e) => e.name.toLowerCase() === decodeURIComponent(m[1]!).toLowerCase())
      : undefined;
    if (
      !token ||
      (options.validateToken && (!validated || validated.audience.replace(/\/+$/, '') !== BATCH_AUDIENCE))
    ) {
      request.status = 401;
      sendJson(
        res,
        401,
        {
          error: {
            code: 'Unauthorized',
            message: `The token's audience must be ${BATCH_AUDIENCE}${validated ? `, not ${validated.audience}` : ''}.`,
          },
        },
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    if (!ep || req.method !== 'POST') {
      request.status = 404;
      userError(res, 404, `No batch endpoint at ${url.pathname}.`);
      return;
    }
    const props = record(parsed?.properties);
    const deployment = request.headers['azureml-model-deployment'] ?? ep.deployments[0];
    const make = (): FakeJob => {
      const name = typeof props?.name === 'string' ? props.name : randomUUID();
      const taken = byName.get(`${wsKey(ep.workspace)}/${name}`);
      if (taken) return taken;
      const { tags, properties, ...rest } = props ?? {};
      return create({
        name,
        workspace: ep.workspace,
        kind: 'batch',
        endpoint: ep.name,
        ...(deployment ? { deployment } : {}),
        request: rest,
        tags: strings(tags),
        properties: strings(properties),
      });
    };
    if (scripted(res, queue.shift(), request, make)) return;
    const invalid = invalidInvoke(props);
    if (invalid) {
      request.status = 400;
      userError(res, 400, invalid);
      return;
    }
    if (deployment && !ep.deployments.includes(deployment)) {
      request.status = 404;
      userError(res, 404, `Endpoint ${ep.name} has no deployment ${deployment}.`);
      return;
    }
    if (typeof props?.name === 'string' && byName.has(`${wsKey(ep.workspace)}/${props.name}`)) {
      request.status = 409;
      userError(res, 409, `A job named ${props.name} already exists.`);
      return;
    }
    const job = make();
    request.status = 200;
    sendJson(res, 200, resource(job));
  });
  scoringOrigin = server.origin;
  return fakeV2;
}
