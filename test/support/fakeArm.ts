/**
 * A loopback Azure Resource Manager endpoint for the calls `@azure/arm-machinelearning` (api-version
 * 2022-10-01) makes for this app:
 *
 *   GET /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}
 *   GET .../workspaces/{ws}/datastores/{name}
 *
 * Served over HTTPS with a throwaway self-signed certificate (`ca`): core-rest-pipeline's bearer token
 * policy throws for any non-https URL ("Bearer token authentication is not permitted for non-TLS protected
 * (non-https) URLs", policies/bearerTokenAuthenticationPolicy.js, no opt-out; `allowInsecureConnection`
 * does not lift it), so the product code is pointed here with its ARM endpoint setting and trusts `ca`
 * through its extra-CA setting.
 *
 * The workspace answer carries `location` and `properties.discoveryUrl`, which for a test workspace points
 * at the fake AML host (`FakeAml.discoveryUrl`), the way the real one points at
 * `https://<region>.api.azureml.ms/discovery`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_AUDIENCE, type FakeWorkspace } from './fakeAml';
import type { FakeAmlV2 } from './fakeAmlV2';
import { bearerToken, selfSignedCert, sendJson, startLoopbackServer } from './http';

export interface FakeArmWorkspace extends FakeWorkspace {
  location?: string;
  /** `properties.discoveryUrl`; default `https://<location>.api.azureml.ms/discovery`. */
  discoveryUrl?: string;
  /** Number of private endpoint connections reported (`properties.privateLinkCount`). */
  privateLinkCount?: number;
  /** Extra `properties` merged into the answer. */
  properties?: Record<string, unknown>;
}

export interface FakeArmDatastore {
  name: string;
  accountName: string;
  containerName: string;
  /** Storage DNS suffix, default `core.windows.net`. */
  endpoint?: string;
  protocol?: string;
}

export interface ArmCall {
  method: string;
  path: string;
  apiVersion: string | undefined;
  token: string | undefined;
  audience: string | undefined;
  status: number;
  at: Date;
}

export interface FakeArmOptions {
  /** Checks a bearer token, returning its audience (e.g. `FakeMsi.validateToken`). */
  validateToken?: (token: string) => { audience: string } | undefined;
  /** Audience tokens must be for (default `https://management.azure.com`). */
  audience?: string;
  /** Serves the v2 routes (jobs, components, batch endpoints) of registered workspaces: fakeAmlV2.ts. */
  v2?: FakeAmlV2;
}

export interface FakeArm {
  /** `https://127.0.0.1:<port>`, the ARM endpoint to configure. */
  readonly endpoint: string;
  /** PEM of the self-signed certificate to trust. */
  readonly ca: string;
  readonly calls: ArmCall[];
  addWorkspace(workspace: FakeArmWorkspace): void;
  addDatastore(workspace: FakeWorkspace, datastore: FakeArmDatastore): void;
  /** Answer the next `times` requests (default 1) with `status` and an ARM error body. */
  failNext(status: number, times?: number, retryAfter?: string): void;
  close(): Promise<void>;
}

const V2_PATH =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+)(\/(?:jobs|components|batchEndpoints)\/[^/]+)$/i;

const WORKSPACE_PATH =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)(?:\/datastores\/([^/]+))?$/i;

function key(ws: FakeWorkspace): string {
  return `${ws.subscriptionId}/${ws.resourceGroup}/${ws.workspaceName}`.toLowerCase();
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, '');
}

export async function startFakeArm(options: FakeArmOptions = {}): Promise<FakeArm> {
  const expectedAudience = trimSlash(options.audience ?? DEFAULT_AUDIENCE);
  const workspaces = new Map<string, FakeArmWorkspace>();
  const datastores = new Map<string, FakeArmDatastore>();
  const calls: ArmCall[] = [];
  const failures: Array<{ status: number; retryAfter?: string }> = [];

  const armError = (
    res: ServerResponse,
    call: ArmCall,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): void => {
    call.status = status;
    sendJson(res, status, { error: { code, message } }, { 'x-ms-request-id': randomUUID(), ...headers });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const token = bearerToken(req);
    const validated = token && options.validateToken ? options.validateToken(token) : undefined;
    const call: ArmCall = {
      method: req.method ?? '',
      path: url.pathname,
      apiVersion: url.searchParams.get('api-version') ?? undefined,
      token,
      audience: validated?.audience,
      status: 0,
      at: new Date(),
    };
    calls.push(call);
    const failure = failures.shift();
    if (failure) {
      armError(
        res,
        call,
        failure.status,
        `Scripted${failure.status}`,
        `Scripted ARM failure ${failure.status}.`,
        failure.retryAfter ? { 'retry-after': failure.retryAfter } : {},
      );
      return;
    }
    if (!token) {
      armError(
        res,
        call,
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    if (options.validateToken) {
      if (!validated) {
        armError(res, call, 401, 'InvalidAuthenticationToken', 'The access token is invalid.');
        return;
      }
      if (trimSlash(validated.audience) !== expectedAudience) {
        armError(
          res,
          call,
          401,
          'InvalidAuthenticationTokenAudience',
          `The access token has an invalid audience '${validated.audience}'.`,
        );
        return;
      }
    }
    if (!call.apiVersion) {
      armError(
        res,
        call,
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
      return;
    }
    const v2 = V2_PATH.exec(url.pathname);
    const match = WORKSPACE_PATH.exec(v2 ? v2[1]! : url.pathname);
    if (!match || (req.method !== 'GET' && !(v2 && req.method === 'PUT'))) {
      armError(res, call, 404, 'NotFound', `No fake ARM route for ${req.method ?? ''} ${url.pathname}.`);
      return;
    }
    const ref: FakeWorkspace = {
      subscriptionId: decodeURIComponent(match[1] ?? ''),
      resourceGroup: decodeURIComponent(match[2] ?? ''),
      workspaceName: decodeURIComponent(match[3] ?? ''),
    };
    const workspace = workspaces.get(key(ref));
    const workspaceId = `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ref.workspaceName}`;
    if (!workspace) {
      armError(
        res,
        call,
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.MachineLearningServices/workspaces/${ref.workspaceName}' under resource group '${ref.resourceGroup}' was not found.`,
      );
      return;
    }
    if (v2) {
      if (options.v2?.arm(req, res, body, v2[2]!, ref)) call.status = res.statusCode;
      else armError(res, call, 404, 'NotFound', `No fake ARM route for ${req.method ?? ''} ${url.pathname}.`);
      return;
    }
    const datastoreName = match[4] === undefined ? undefined : decodeURIComponent(match[4]);
    if (datastoreName === undefined) {
      const location = workspace.location ?? 'westeurope';
      call.status = 200;
      sendJson(res, 200, {
        id: workspaceId,
        name: workspace.workspaceName,
        type: 'Microsoft.MachineLearningServices/workspaces',
        location,
        identity: { type: 'SystemAssigned', principalId: randomUUID(), tenantId: randomUUID() },
        sku: { name: 'Basic', tier: 'Basic' },
        properties: {
          friendlyName: workspace.workspaceName,
          workspaceId: randomUUID(),
          discoveryUrl: workspace.discoveryUrl ?? `https://${location}.api.azureml.ms/discovery`,
          mlFlowTrackingUri: `azureml://${location}.api.azureml.ms/mlflow/v1.0${workspaceId}`,
          provisioningState: 'Succeeded',
          privateLinkCount: workspace.privateLinkCount ?? 0,
          publicNetworkAccess: 'Enabled',
          ...(workspace.properties ?? {}),
        },
      });
      return;
    }
    const datastore = datastores.get(`${key(ref)}/${datastoreName.toLowerCase()}`);
    if (!datastore) {
      armError(res, call, 404, 'UserError', `Could not find datastore: ${datastoreName}.`);
      return;
    }
    call.status = 200;
    sendJson(res, 200, {
      id: `${workspaceId}/datastores/${datastore.name}`,
      name: datastore.name,
      type: 'Microsoft.MachineLearningServices/workspaces/datastores',
      properties: {
        datastoreType: 'AzureBlob',
        accountName: datastore.accountName,
        containerName: datastore.containerName,
        endpoint: datastore.endpoint ?? 'core.windows.net',
        protocol: datastore.protocol ?? 'https',
        serviceDataAccessAuthIdentity: 'None',
        credentials: { credentialsType: 'None' },
        isDefault: false,
        description: null,
        tags: {},
        properties: {},
      },
    });
  };

  const server = await startLoopbackServer((req, res, body) => handle(req, res, body), { tls: true });
  return {
    endpoint: server.origin,
    ca: selfSignedCert().cert,
    calls,
    addWorkspace(workspace) {
      workspaces.set(key(workspace), workspace);
    },
    addDatastore(workspace, datastore) {
      datastores.set(`${key(workspace)}/${datastore.name.toLowerCase()}`, datastore);
    },
    failNext(status, times = 1, retryAfter) {
      for (let i = 0; i < times; i++) failures.push({ status, ...(retryAfter === undefined ? {} : { retryAfter }) });
    },
    close: () => server.close(),
  };
}
