/**
 * Where tokens come from. In Azure the Function App's managed identity (`ManagedIdentityCredential`;
 * in Functions it speaks the App Service protocol through IDENTITY_ENDPOINT/IDENTITY_HEADER), optionally
 * a user-assigned one by client id (AML_MANAGED_IDENTITY_CLIENT_ID, else AZURE_CLIENT_ID). Locally the
 * developer's login through `DefaultAzureCredential` (environment, workload identity, Azure CLI, azd,
 * PowerShell...) or only the Azure CLI. Choice: settings.ts `credentialKind` (managed identity whenever
 * the host exposes IDENTITY_ENDPOINT or MSI_ENDPOINT, unless AML_CREDENTIAL says otherwise).
 *
 * `createTokenSource` adds a small cache in front: managed identity tokens are cached by MSAL already,
 * but the CLI credential runs `az` on every call; tokens are reused until 5 minutes before expiry (or the
 * credential's `refreshAfterTimestamp`), and concurrent callers share one request.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import { sdks } from '../sdks';
import type { AmlSettings, CredentialKind } from './settings';

export function createCredential(
  settings: Pick<AmlSettings, 'credentialKind' | 'managedIdentityClientId'>,
): TokenCredential {
  const clientId = settings.managedIdentityClientId;
  const { AzureCliCredential, DefaultAzureCredential, ManagedIdentityCredential } = sdks.identity();
  switch (settings.credentialKind) {
    case 'managedidentity':
      return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
    case 'cli':
      return new AzureCliCredential();
    case 'default':
      return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  }
}

export function describeCredential(kind: CredentialKind, clientId?: string): string {
  switch (kind) {
    case 'managedidentity':
      return clientId ? `managed identity, client id ${clientId}` : 'system-assigned managed identity';
    case 'cli':
      return 'Azure CLI login';
    case 'default':
      return 'DefaultAzureCredential';
  }
}

export interface TokenSource {
  /** A bearer token for `scope`, from cache when still fresh. Rejects when the credential fails. */
  getToken(scope: string, signal?: AbortSignal): Promise<string>;
}

const REFRESH_MARGIN_MS = 5 * 60_000;

export function createTokenSource(credential: TokenCredential, now: () => number = Date.now): TokenSource {
  const cache = new Map<string, AccessToken>();
  const pending = new Map<string, Promise<AccessToken>>();
  const fresh = (token: AccessToken | undefined): token is AccessToken => {
    if (!token) return false;
    const refreshAt = token.refreshAfterTimestamp ?? token.expiresOnTimestamp - REFRESH_MARGIN_MS;
    return now() < refreshAt;
  };
  return {
    async getToken(scope, signal) {
      const cached = cache.get(scope);
      if (fresh(cached)) return cached.token;
      let request = pending.get(scope);
      if (!request) {
        request = credential.getToken(scope, signal ? { abortSignal: signal } : {}).then((token) => {
          if (!token) throw new Error(`The credential returned no token for ${scope}.`);
          return token;
        });
        pending.set(scope, request);
        request.then(
          (token) => {
            cache.set(scope, token);
            pending.delete(scope);
          },
          () => pending.delete(scope),
        );
      }
      return (await request).token;
    },
  };
}
