/**
 * Resolves an Azure ML datastore's blob container from its name, through ARM
 * (`@azure/arm-machinelearning` `datastores.get`), with a cache: the container of a datastore changes
 * rarely (it takes deleting and re-registering the datastore), and one resolution per datastore per hour
 * keeps ARM out of the per-event path. Failures are not cached, so a fixed rights problem heals at once.
 *
 * Only Azure Blob datastores can back reactive schedules (schedules.md); others are refused with an
 * error that names the datastore and its type.
 */
import type { TokenCredential } from '@azure/identity';
import type {
  AzureMachineLearningWorkspaces,
  AzureMachineLearningWorkspacesOptionalParams,
} from '@azure/arm-machinelearning';
import { sdks } from '../sdks';
import { appError, err, ok, type AppError, type Result } from '../errors';
import type { WorkspaceRef } from '../aml/types';

export interface DatastoreInfo {
  readonly datastore: string;
  readonly container: string;
  readonly accountName?: string;
}

export interface DatastoreResolver {
  resolve(workspace: WorkspaceRef, datastore: string): Promise<Result<DatastoreInfo, AppError>>;
}

/** Minimal view of the ARM client, so the resolver can be driven by the real SDK against any endpoint. */
export interface DatastoreGetter {
  get(workspace: WorkspaceRef, datastore: string): Promise<unknown>;
}

/** ARM token scope: the audience stays management.azure.com even when a test endpoint stands in for ARM. */
export const DEFAULT_ARM_SCOPE = 'https://management.azure.com/.default';

export const DEFAULT_DATASTORE_TTL_MS = 60 * 60_000;

export interface ArmDatastoreOptions {
  readonly credential: TokenCredential;
  /** ARM endpoint (default https://management.azure.com); tests point this at a loopback server. */
  readonly armEndpoint?: string;
  /** Extra client options (TLS trust for a test endpoint, retry policy). */
  readonly clientOptions?: AzureMachineLearningWorkspacesOptionalParams;
  /** Builds the ARM client for a subscription instead (the app passes `createArmClient` from src/aml/workspace.ts). */
  readonly createClient?: (subscriptionId: string) => AzureMachineLearningWorkspaces;
}

/** A getter backed by the real @azure/arm-machinelearning client (one client per subscription). */
export function armDatastoreGetter(options: ArmDatastoreOptions): DatastoreGetter {
  const clients = new Map<string, AzureMachineLearningWorkspaces>();
  return {
    async get(workspace, datastore) {
      let client = clients.get(workspace.subscriptionId);
      if (!client && options.createClient) client = options.createClient(workspace.subscriptionId);
      if (!client) {
        const endpoint = options.armEndpoint?.replace(/\/+$/, '');
        const { AzureMachineLearningWorkspaces } = sdks.armMachineLearning();
        client = new AzureMachineLearningWorkspaces(options.credential, workspace.subscriptionId, {
          ...options.clientOptions,
          ...(endpoint ? { endpoint, credentialScopes: [`${DEFAULT_ARM_SCOPE}`] } : {}),
        });
        clients.set(workspace.subscriptionId, client);
      }
      return client.datastores.get(workspace.resourceGroup, workspace.workspaceName, datastore);
    },
  };
}

export interface CachedResolverOptions {
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export function createDatastoreResolver(
  getter: DatastoreGetter,
  options: CachedResolverOptions = {},
): DatastoreResolver {
  const ttl = options.ttlMs ?? DEFAULT_DATASTORE_TTL_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; value: Promise<Result<DatastoreInfo, AppError>> }>();
  return {
    resolve(workspace, datastore) {
      const key =
        `${workspace.subscriptionId}/${workspace.resourceGroup}/${workspace.workspaceName}/${datastore}`.toLowerCase();
      const hit = cache.get(key);
      if (hit && now() - hit.at < ttl) return hit.value;
      const value = lookUp(getter, workspace, datastore).then((result) => {
        if (!result.ok) cache.delete(key);
        return result;
      });
      cache.set(key, { at: now(), value });
      return value;
    },
  };
}

async function lookUp(
  getter: DatastoreGetter,
  workspace: WorkspaceRef,
  datastore: string,
): Promise<Result<DatastoreInfo, AppError>> {
  const where = `datastore "${datastore}" of workspace ${workspace.workspaceName} (resource group ${workspace.resourceGroup})`;
  const at = { field: 'datastore', value: datastore };
  let answer: unknown;
  try {
    answer = await getter.get(workspace, datastore);
  } catch (e) {
    const status =
      typeof e === 'object' && e !== null && 'statusCode' in e && typeof e.statusCode === 'number'
        ? e.statusCode
        : undefined;
    const detail = e instanceof Error ? e.message.split('\n')[0] : String(e);
    if (status === 404) {
      return err(appError('reactive.datastore.not_found', { where }, at));
    }
    if (status === 401 || status === 403) {
      return err(appError('reactive.datastore.access_denied', { where, status }, at));
    }
    return err(
      appError('reactive.datastore.unavailable', { where, ...(status ? { status } : {}), detail: detail ?? '' }, at),
    );
  }
  const properties =
    typeof answer === 'object' && answer !== null && 'properties' in answer
      ? (answer as { properties: unknown }).properties
      : undefined;
  const p = (typeof properties === 'object' && properties !== null ? properties : {}) as {
    datastoreType?: unknown;
    containerName?: unknown;
    accountName?: unknown;
  };
  if (p.datastoreType !== 'AzureBlob') {
    return err(appError('reactive.datastore.not_blob', { where, type: p.datastoreType }, at));
  }
  if (typeof p.containerName !== 'string' || p.containerName === '') {
    return err(appError('reactive.datastore.no_container', { where }, at));
  }
  return ok({
    datastore,
    container: p.containerName,
    ...(typeof p.accountName === 'string' ? { accountName: p.accountName } : {}),
  });
}
