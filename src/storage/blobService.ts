/**
 * Builds the BlobServiceClient for a Functions-style storage connection (functions-host.md, Identity):
 *   - `<PREFIX>` = a connection string (account key, SAS, or `UseDevelopmentStorage=true` for Azurite);
 *   - otherwise `<PREFIX>__blobServiceUri` (or `<PREFIX>__serviceUri`, or `<PREFIX>__accountName` →
 *     `https://<name>.blob.core.windows.net`) with a token credential: a managed identity when
 *     `<PREFIX>__credential=managedidentity` (`<PREFIX>__clientId` for a user-assigned one), else
 *     DefaultAzureCredential (which also covers managed identity, workload identity and developer logins).
 * The prefix defaults to `AzureWebJobsStorage`, the app's own storage account.
 */
import type { TokenCredential } from '@azure/identity';
import type { BlobServiceClient } from '@azure/storage-blob';
import { sdks } from '../sdks';
import { err, ok, type AppError, type Result } from '../errors';
import { connectionSettings, STORAGE_CONNECTION, type ConnectionSettings, type Env } from '../settings';

export type { Env };

export const DEFAULT_STORAGE_CONNECTION = STORAGE_CONNECTION;

export interface BlobServiceOptions {
  /** Connection setting prefix (default `AzureWebJobsStorage`). */
  readonly connection?: string;
  /** Credential to use for identity-based connections (tests, or a shared app credential). */
  readonly credential?: TokenCredential;
}

export function blobServiceFromSettings(
  env: Env,
  options: BlobServiceOptions = {},
): Result<BlobServiceClient, AppError> {
  const prefix = options.connection ?? DEFAULT_STORAGE_CONNECTION;
  const connection = connectionSettings(env, prefix);
  const connectionString = connection.connectionString;
  const { BlobServiceClient } = sdks.storageBlob();
  if (connectionString) {
    try {
      return ok(BlobServiceClient.fromConnectionString(connectionString));
    } catch (e) {
      return err({
        code: 'storage.connection.invalid',
        message: `Setting ${prefix} is not a usable storage connection string (${(e as Error).message}); use "UseDevelopmentStorage=true" for Azurite, an account connection string, or set ${prefix}__blobServiceUri for managed identity.`,
        field: prefix,
        source: prefix,
      });
    }
  }
  const uri = connection.blobServiceUri?.value;
  const uriSetting = connection.blobServiceUri?.setting;
  if (!uri) {
    return err({
      code: 'storage.connection.missing',
      message: `No storage connection: set ${prefix} (a connection string) or ${prefix}__blobServiceUri (with a managed identity).`,
      field: prefix,
      source: prefix,
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return err({
      code: 'storage.connection.invalid',
      message: `Setting ${uriSetting} must be an https URL like https://<account>.blob.core.windows.net.`,
      field: uriSetting,
      value: uri,
      source: uriSetting,
    });
  }
  const credential = options.credential ?? credentialFor(connection);
  return ok(new BlobServiceClient(parsed.toString().replace(/\/$/, ''), credential));
}

function credentialFor({ credential: kind, clientId }: ConnectionSettings): TokenCredential {
  const { DefaultAzureCredential, ManagedIdentityCredential } = sdks.identity();
  if (kind === 'managedidentity')
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}
