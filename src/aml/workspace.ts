/**
 * Finds the service hosts that serve a workspace's pipeline submissions (discovery `api`) and run history
 * (discovery `history`, used to reconcile unknown outcomes), when a target gives ids and no endpoint URL: ARM `workspaces.get` through `@azure/arm-machinelearning` (location, discoveryUrl,
 * workspaceId, privateLinkCount), then the workspace's discovery document (see constants.ts for what the
 * v1 SDK does and why). The answer is cached per workspace for the life of the process (a workspace's host
 * does not change); failures are not cached, so a fixed role assignment heals at the next submission.
 *
 * `createArmClient` is the one place an ARM client is built, with the settings that make it work against
 * any ARM endpoint: `credentialScopes` from AML_ARM_AUDIENCE (the SDK otherwise asks for a token for
 * `<endpoint>/.default`), extra CAs from AML_EXTRA_CA_CERTS. Note core-rest-pipeline refuses bearer
 * tokens over plain http, so ARM endpoints are always https (tests serve a self-signed certificate).
 */
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/identity';
import { rootCertificates } from 'node:tls';
import { err, ok, type AppError, type Result } from '../errors';
import { sdks } from '../sdks';
import {
  DISCOVERY_HISTORY_KEYS,
  DISCOVERY_PIPELINES_KEYS,
  privateLinkServiceHost,
  regionalServiceHost,
} from './constants';
import { checkEndpointUrl } from './endpoint';
import type { AmlSettings } from './settings';
import type { Transport } from './transport';
import type { WorkspaceRef } from './types';

export interface ServiceHost {
  /** e.g. `https://westeurope.api.azureml.ms` */
  host: string;
  /**
   * The run-history service host (discovery's `history` entry; the same as `host` when discovery has
   * none or could not be read: in practice both are `<region>.api.azureml.ms` or the private-link host).
   */
  historyHost: string;
  /** How it was found. */
  source: 'discovery' | 'location' | 'privatelink';
  location?: string;
  discoveryUrl?: string;
}

export interface WorkspaceResolver {
  resolve(workspace: WorkspaceRef, signal?: AbortSignal): Promise<Result<ServiceHost, AppError>>;
  /** Number of ARM look-ups made (for tests and telemetry). */
  readonly lookups: number;
}

export type ArmSettings = Pick<AmlSettings, 'armEndpoint' | 'armAudience' | 'extraCa'>;

export function createArmClient(
  credential: TokenCredential,
  subscriptionId: string,
  settings: ArmSettings,
  retry?: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number },
): AzureMachineLearningWorkspaces {
  const { AzureMachineLearningWorkspaces } = sdks.armMachineLearning();
  return new AzureMachineLearningWorkspaces(credential, subscriptionId, {
    endpoint: settings.armEndpoint,
    credentialScopes: [`${settings.armAudience}/.default`],
    ...(settings.extraCa.length > 0 ? { tlsOptions: { ca: [...rootCertificates, ...settings.extraCa] } } : {}),
    ...(retry ? { retryOptions: retry } : {}),
  });
}

function key(ws: WorkspaceRef): string {
  return `${ws.subscriptionId}/${ws.resourceGroup}/${ws.workspaceName}`.toLowerCase();
}

function describe(ws: WorkspaceRef): string {
  return `workspace ${ws.workspaceName} (resource group ${ws.resourceGroup}, subscription ${ws.subscriptionId})`;
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  name?: string;
}

/** Turns a failed ARM look-up into an actionable error. */
export function armLookupError(error: unknown, ws: WorkspaceRef, armEndpoint: string): AppError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as RestErrorLike;
  const detail = (e.message ?? String(error)).split('\n')[0] ?? '';
  const base = { source: 'Azure Resource Manager', value: `${armEndpoint}` };
  const fix =
    "or give the target an explicit endpointUrl (the pipeline's REST endpoint shown in Azure ML studio) so no look-up is needed.";
  if (
    e.name === 'CredentialUnavailableError' ||
    e.name === 'AuthenticationError' ||
    e.name === 'AggregateAuthenticationError'
  ) {
    return {
      ...base,
      code: 'aml.credential',
      status: 502,
      transient: e.name !== 'CredentialUnavailableError',
      message: `Could not get an Azure Resource Manager token to look up ${describe(ws)}: ${detail} In Azure, enable the Function App's managed identity; locally, sign in with "az login".`,
    };
  }
  switch (e.statusCode) {
    case 404:
      return {
        ...base,
        code: 'aml.workspace_not_found',
        status: 502,
        transient: false,
        message: `Azure Resource Manager has no ${describe(ws)} (HTTP 404): check the target's subscriptionId, resourceGroup and workspaceName, ${fix}`,
      };
    case 401:
    case 403:
      return {
        ...base,
        code: 'aml.workspace_forbidden',
        status: 502,
        transient: false,
        message: `The app's identity may not read ${describe(ws)} (HTTP ${e.statusCode}: ${detail}). Give it a role that can read the workspace (AzureML Data Scientist does, Reader too), ${fix}`,
      };
    default: {
      const transient =
        e.statusCode === undefined || e.statusCode === 429 || e.statusCode >= 500 || e.name === 'AbortError';
      return {
        ...base,
        code: 'aml.workspace_lookup_failed',
        status: transient ? 503 : 502,
        transient,
        message: `Could not look up ${describe(ws)} in Azure Resource Manager at ${armEndpoint} (${e.statusCode ? `HTTP ${e.statusCode}` : (e.code ?? e.name ?? 'error')}: ${detail}). ${transient ? 'This is usually temporary: try again later, ' : 'Check AML_ARM_ENDPOINT, '}${fix}`,
      };
    }
  }
}

function pickHost(doc: unknown, keys: readonly string[]): string | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined;
  for (const k of keys) {
    const value = (doc as Record<string, unknown>)[k];
    if (typeof value === 'string' && checkEndpointUrl(value, 'discovery').ok) return value.replace(/\/+$/, '');
  }
  return undefined;
}

export function createWorkspaceResolver(options: {
  credential: TokenCredential;
  settings: ArmSettings & Pick<AmlSettings, 'attemptTimeoutMs'>;
  transport: Transport;
}): WorkspaceResolver {
  const { credential, settings, transport } = options;
  const hosts = new Map<string, ServiceHost>();
  const inflight = new Map<string, Promise<Result<ServiceHost, AppError>>>();
  const clients = new Map<string, AzureMachineLearningWorkspaces>();
  let lookups = 0;

  const client = (subscriptionId: string): AzureMachineLearningWorkspaces => {
    let c = clients.get(subscriptionId.toLowerCase());
    if (!c) {
      c = createArmClient(credential, subscriptionId, settings, {
        maxRetries: 2,
        retryDelayInMs: 500,
        maxRetryDelayInMs: 5_000,
      });
      clients.set(subscriptionId.toLowerCase(), c);
    }
    return c;
  };

  const discover = async (
    discoveryUrl: string,
    signal?: AbortSignal,
  ): Promise<{ host: string; historyHost: string } | undefined> => {
    if (!checkEndpointUrl(discoveryUrl, 'discoveryUrl').ok) return undefined;
    // The discovery document is public: the v1 SDK fetches it without a token.
    const answer = await transport.send({
      method: 'GET',
      url: discoveryUrl,
      headers: { accept: 'application/json' },
      timeoutMs: settings.attemptTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    if (answer.kind !== 'response' || answer.status !== 200) return undefined;
    try {
      const doc: unknown = JSON.parse(answer.text);
      const host = pickHost(doc, DISCOVERY_PIPELINES_KEYS);
      return host ? { host, historyHost: pickHost(doc, DISCOVERY_HISTORY_KEYS) ?? host } : undefined;
    } catch {
      return undefined;
    }
  };

  const lookup = async (ws: WorkspaceRef, signal?: AbortSignal): Promise<Result<ServiceHost, AppError>> => {
    lookups++;
    let resource;
    try {
      resource = await client(ws.subscriptionId).workspaces.get(
        ws.resourceGroup,
        ws.workspaceName,
        signal ? { abortSignal: signal } : {},
      );
    } catch (error) {
      return err(armLookupError(error, ws, settings.armEndpoint));
    }
    const location = resource.location;
    const discoveryUrl = resource.discoveryUrl;
    if (discoveryUrl) {
      const found = await discover(discoveryUrl, signal);
      if (found) return ok({ ...found, source: 'discovery', discoveryUrl, ...(location ? { location } : {}) });
    }
    // Discovery unreachable: derive the host the way the docs list it (constants.ts).
    if (location) {
      if ((resource.privateLinkCount ?? 0) > 0 && resource.workspaceId) {
        const host = privateLinkServiceHost(resource.workspaceId, location);
        return ok({
          host,
          historyHost: host,
          source: 'privatelink',
          location,
          ...(discoveryUrl ? { discoveryUrl } : {}),
        });
      }
      const host = regionalServiceHost(location);
      return ok({ host, historyHost: host, source: 'location', location, ...(discoveryUrl ? { discoveryUrl } : {}) });
    }
    if (discoveryUrl && checkEndpointUrl(discoveryUrl, 'discoveryUrl').ok) {
      const host = new URL(discoveryUrl).origin;
      return ok({ host, historyHost: host, source: 'location', discoveryUrl });
    }
    return err({
      code: 'aml.workspace_lookup_failed',
      status: 502,
      transient: false,
      source: 'Azure Resource Manager',
      message: `Azure Resource Manager returned ${describe(ws)} without a location or discovery URL; give the target an explicit endpointUrl.`,
    });
  };

  return {
    get lookups() {
      return lookups;
    },
    async resolve(ws, signal) {
      const k = key(ws);
      const known = hosts.get(k);
      if (known) return ok(known);
      let request = inflight.get(k);
      if (!request) {
        request = lookup(ws, signal).then((result) => {
          inflight.delete(k);
          // A host derived because the discovery document could not be read (throttled, down) is used
          // for this submission but not cached: the next one tries discovery again.
          const provisional =
            result.ok && result.value.discoveryUrl !== undefined && result.value.source !== 'discovery';
          if (result.ok && !provisional) hosts.set(k, result.value);
          return result;
        });
        inflight.set(k, request);
      }
      return request;
    },
  };
}
