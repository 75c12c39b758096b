/**
 * A loopback managed-identity endpoint speaking the App Service protocol, api-version 2019-08-01
 * (../shared/spec/functions-host.md), as @azure/identity → @azure/msal-node (AppService source) calls it:
 *
 *   GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=<audience>[&client_id=<id>]
 *   X-IDENTITY-HEADER: <IDENTITY_HEADER>
 *   → 200 { access_token, expires_on: "<epoch seconds>", resource, token_type: "Bearer", client_id }
 *
 * MSAL (msal-node src/client/ManagedIdentitySources/AppService.ts, BaseManagedIdentitySource.ts) sends the
 * header `X-IDENTITY-HEADER`, `api-version=2019-08-01`, `resource` (the scope without `/.default`) and
 * `client_id` for a user-assigned identity by client id (`mi_res_id` / `object_id` for the other id kinds);
 * it reads `access_token`, `expires_on` (epoch seconds, or ISO 8601), `resource`, `token_type`, and on errors
 * `error`/`error_description` or `message`. It retries 404/408/429/5xx itself (about a second apart).
 *
 * MSAL's token cache is process-wide (static in ManagedIdentityApplication): a second getToken for the
 * same identity and audience never reaches this endpoint. Tests therefore use distinct audiences or
 * client ids, or assert on the tokens the AML/ARM fakes received (`issued` maps each token back here).
 * MSAL also keeps the managed-identity *source* (endpoint URL and secret, read from the environment on the
 * first getToken) in a static (ManagedIdentityClient.identitySource): start ONE fake MSI per test file
 * (vitest runs each file in its own process), in `beforeAll`, and set `process.env` from `env` before the
 * first token is asked for; never close and restart it mid-file.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, startLoopbackServer } from './http';

export const APP_SERVICE_MSI_API_VERSION = '2019-08-01';
const SECRET_HEADER = 'x-identity-header';

export interface MsiRequest {
  method: string;
  /** `resource` query parameter, the audience asked for. */
  resource: string | undefined;
  /** `client_id` query parameter (user-assigned identity), if any. */
  clientId: string | undefined;
  /** Every query parameter, for assertions on anything else MSAL sent. */
  query: Record<string, string>;
  apiVersion: string | undefined;
  /** Whether `X-IDENTITY-HEADER` matched the configured secret. */
  headerOk: boolean;
  status: number;
  at: Date;
}

export interface IssuedToken {
  resource: string;
  clientId: string;
  expiresOn: number;
}

export interface FakeMsiOptions {
  /** The secret `IDENTITY_HEADER` value; random by default. */
  header?: string;
  /** Token lifetime in seconds (default 3600). */
  lifetimeSeconds?: number;
  /** Client id reported for the system-assigned identity (default: a fixed GUID). */
  systemClientId?: string;
}

export interface FakeMsi {
  /** The `IDENTITY_ENDPOINT` URL. */
  readonly endpoint: string;
  /** The `IDENTITY_HEADER` secret. */
  readonly header: string;
  readonly env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  readonly requests: MsiRequest[];
  /** Every token handed out, with the audience and identity it was issued for. */
  readonly issued: Map<string, IssuedToken>;
  /** Answer the next `times` requests (default 1) with `status` and an App Service style error body. */
  failNext(status: number, times?: number): void;
  /** The audience a token was issued for, or undefined when this endpoint never issued it. */
  audienceOf(token: string): string | undefined;
  /** A validator for the AML/ARM fakes: audience and identity of an unexpired token issued here, else undefined. */
  readonly validateToken: (token: string) => { audience: string; clientId: string } | undefined;
  close(): Promise<void>;
}

export const DEFAULT_SYSTEM_CLIENT_ID = '00000000-0000-4000-8000-5157e4a55160';

export async function startFakeMsi(options: FakeMsiOptions = {}): Promise<FakeMsi> {
  const header = options.header ?? randomUUID();
  const lifetime = options.lifetimeSeconds ?? 3600;
  const systemClientId = options.systemClientId ?? DEFAULT_SYSTEM_CLIENT_ID;
  const requests: MsiRequest[] = [];
  const issued = new Map<string, IssuedToken>();
  const failures: number[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams.entries());
    const headerValue = req.headers[SECRET_HEADER];
    const record: MsiRequest = {
      method: req.method ?? 'GET',
      resource: url.searchParams.get('resource') ?? undefined,
      clientId: url.searchParams.get('client_id') ?? undefined,
      query,
      apiVersion: url.searchParams.get('api-version') ?? undefined,
      headerOk: headerValue === header,
      status: 0,
      at: new Date(),
    };
    requests.push(record);
    const answer = (status: number, body: unknown): void => {
      record.status = status;
      sendJson(res, status, body);
    };
    const failure = failures.shift();
    if (failure !== undefined) {
      answer(failure, {
        statusCode: failure,
        message: `Fake MSI failure ${failure} (scripted).`,
        correlationId: randomUUID(),
      });
      return;
    }
    if (record.method !== 'GET') {
      answer(405, { statusCode: 405, message: 'The managed identity endpoint only answers GET.' });
      return;
    }
    if (!record.headerOk) {
      // App Service refuses a request without the right secret header.
      answer(401, {
        statusCode: 401,
        message: 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.',
      });
      return;
    }
    if (record.apiVersion !== APP_SERVICE_MSI_API_VERSION) {
      answer(400, {
        statusCode: 400,
        message: `Unsupported api-version ${String(record.apiVersion)}; expected ${APP_SERVICE_MSI_API_VERSION}.`,
      });
      return;
    }
    if (!record.resource) {
      answer(400, { statusCode: 400, message: 'The resource query parameter is required.' });
      return;
    }
    for (const other of ['mi_res_id', 'object_id', 'principal_id']) {
      if (url.searchParams.has(other)) {
        answer(400, { statusCode: 400, message: `The fake MSI only knows identities by client_id, not ${other}.` });
        return;
      }
    }
    const clientId = record.clientId ?? systemClientId;
    const expiresOn = Math.floor(Date.now() / 1000) + lifetime;
    const token = `fake-msi.${randomUUID()}`;
    issued.set(token, { resource: record.resource, clientId, expiresOn });
    answer(200, {
      access_token: token,
      expires_on: String(expiresOn),
      resource: record.resource,
      token_type: 'Bearer',
      client_id: clientId,
    });
  };

  const server = await startLoopbackServer((req, res) => handle(req, res));
  const endpoint = `${server.origin}/msi/token`;
  const audienceOf = (token: string): string | undefined => issued.get(token)?.resource;
  return {
    endpoint,
    header,
    env: { IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: header },
    requests,
    issued,
    failNext(status: number, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    audienceOf,
    validateToken: (token: string) => {
      const found = issued.get(token);
      if (!found || found.expiresOn * 1000 <= Date.now()) return undefined;
      return { audience: found.resource, clientId: found.clientId };
    },
    close: () => server.close(),
  };
}
