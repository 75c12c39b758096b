/**
 * App settings of the Azure ML client, read into a typed object. Every setting is optional.
 *
 * | Setting                          | Meaning                                                        | Default                        |
 * |----------------------------------|----------------------------------------------------------------|--------------------------------|
 * | AML_MANAGED_IDENTITY_CLIENT_ID   | Client id of a user-assigned managed identity (else AZURE_CLIENT_ID) | system-assigned        |
 * | AML_CREDENTIAL                   | `managedidentity`, `cli` or `default` (DefaultAzureCredential)  | managedidentity when IDENTITY_ENDPOINT/MSI_ENDPOINT is set, else default |
 * | AML_TOKEN_AUDIENCE               | Audience of the token sent to Azure ML                          | https://management.azure.com   |
 * | AML_ARM_ENDPOINT                 | Azure Resource Manager endpoint for workspace look-ups         | https://management.azure.com   |
 * | AML_ARM_AUDIENCE                 | Audience of the token sent to ARM                              | https://management.azure.com   |
 * | AML_EXTRA_CA_CERTS               | PEM file of extra CAs trusted for ARM and Azure ML (TLS-inspecting proxies, test fakes) | none |
 * | AML_ATTEMPT_TIMEOUT_MS           | Time one HTTP attempt may take                                  | 30000                          |
 * | AML_DEADLINE_MS                  | Total time for a submission, retries included                  | 100000                         |
 * | AML_RETRY_MAX_ATTEMPTS           | Attempts per submission, the first included                    | 6                              |
 * | AML_RETRY_BASE_DELAY_MS          | Backoff base                                                   | 500                            |
 * | AML_RETRY_MAX_DELAY_MS           | Backoff cap per wait                                           | 15000                          |
 * | AML_RECONCILE_DELAY_MS           | Wait after an attempt whose outcome is unknown before looking the run up by its key | 5000 |
 * | AML_V2_API_VERSION               | ARM api-version for v2 jobs, components and batch endpoints    | 2025-09-01                     |
 * | AML_BATCH_AUDIENCE               | Audience of the token sent to batch endpoint scoring URIs      | https://ml.azure.com           |
 *
 * The deadline default stays under the 230 s Azure front-end limit for HTTP-triggered functions with room
 * for the function's own work.
 */
import { readFileSync } from 'node:fs';
import { err, ok, type AppError, type Result } from '../errors';
import { DEFAULT_ARM_ENDPOINT, DEFAULT_AUDIENCE } from './constants';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';

export type CredentialKind = 'managedidentity' | 'cli' | 'default';

export interface AmlSettings {
  managedIdentityClientId?: string;
  credentialKind: CredentialKind;
  tokenAudience: string;
  armEndpoint: string;
  armAudience: string;
  /** PEM certificates (contents) trusted in addition to Node's roots. */
  extraCa: string[];
  attemptTimeoutMs: number;
  deadlineMs: number;
  retry: RetryPolicy;
  /** Wait before the one reconcile look-up after an attempt whose outcome is unknown (run history lags a little). */
  reconcileDelayMs: number;
  /** ARM api-version of the v2 calls (jobs, components, batch endpoints). */
  v2ApiVersion: string;
  /** Audience of tokens for batch endpoint invocations (not ARM: aml-v2.md). */
  batchAudience: string;
}

export const AML_SETTINGS = {
  clientId: 'AML_MANAGED_IDENTITY_CLIENT_ID',
  credential: 'AML_CREDENTIAL',
  tokenAudience: 'AML_TOKEN_AUDIENCE',
  armEndpoint: 'AML_ARM_ENDPOINT',
  armAudience: 'AML_ARM_AUDIENCE',
  extraCa: 'AML_EXTRA_CA_CERTS',
  attemptTimeoutMs: 'AML_ATTEMPT_TIMEOUT_MS',
  deadlineMs: 'AML_DEADLINE_MS',
  maxAttempts: 'AML_RETRY_MAX_ATTEMPTS',
  baseDelayMs: 'AML_RETRY_BASE_DELAY_MS',
  maxDelayMs: 'AML_RETRY_MAX_DELAY_MS',
  reconcileDelayMs: 'AML_RECONCILE_DELAY_MS',
  v2ApiVersion: 'AML_V2_API_VERSION',
  batchAudience: 'AML_BATCH_AUDIENCE',
} as const;

export const DEFAULT_ATTEMPT_TIMEOUT_MS = 30_000;
export const DEFAULT_DEADLINE_MS = 100_000;
export const DEFAULT_RECONCILE_DELAY_MS = 5_000;
/**
 * Newest stable api-version of Jobs - Create Or Update that the docs list and the fake speaks (Learn's
 * REST reference lists 2024-04-01 … 2025-09-01 as stable; pages for newer ones exist but the spec's
 * sources stop there). A setting, so a deployment can move without a release.
 */
export const DEFAULT_V2_API_VERSION = '2025-09-01';
export const DEFAULT_BATCH_AUDIENCE = 'https://ml.azure.com';

type Env = Readonly<Record<string, string | undefined>>;

function trimmed(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function readAmlSettings(env: Env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Result<AmlSettings, AppError> {
  const errors: AppError[] = [];

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = trimmed(env, name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      errors.push({ code: 'aml.settings.invalid_number', message: `Setting ${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}.`, field: name, value: raw, source: 'app settings', status: 500 });
      return fallback;
    }
    return value;
  };

  const url = (name: string, fallback: string): string => {
    const raw = trimmed(env, name);
    if (raw === undefined) return fallback;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'https:') throw new Error('not https');
      return trimSlash(raw);
    } catch {
      errors.push({ code: 'aml.settings.invalid_url', message: `Setting ${name} must be an absolute https URL, not ${JSON.stringify(raw)}.`, field: name, value: raw, source: 'app settings', status: 500 });
      return fallback;
    }
  };

  const apiVersion = (name: string, fallback: string): string => {
    const raw = trimmed(env, name);
    if (raw === undefined) return fallback;
    if (/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(raw)) return raw;
    errors.push({ code: 'aml.settings.invalid_api_version', message: `Setting ${name} must be an api-version such as ${fallback} (YYYY-MM-DD, optionally -preview), not ${JSON.stringify(raw)}.`, field: name, value: raw, source: 'app settings', status: 500 });
    return fallback;
  };

  const credentialRaw = trimmed(env, AML_SETTINGS.credential)?.toLowerCase();
  let credentialKind: CredentialKind;
  if (credentialRaw === undefined) {
    credentialKind = trimmed(env, 'IDENTITY_ENDPOINT') || trimmed(env, 'MSI_ENDPOINT') ? 'managedidentity' : 'default';
  } else if (credentialRaw === 'managedidentity' || credentialRaw === 'cli' || credentialRaw === 'default') {
    credentialKind = credentialRaw;
  } else {
    errors.push({ code: 'aml.settings.invalid_credential', message: `Setting ${AML_SETTINGS.credential} must be managedidentity, cli or default, not ${JSON.stringify(credentialRaw)}.`, field: AML_SETTINGS.credential, value: credentialRaw, source: 'app settings', status: 500 });
    credentialKind = 'default';
  }

  const extraCa: string[] = [];
  const caPath = trimmed(env, AML_SETTINGS.extraCa);
  if (caPath !== undefined) {
    try {
      const pem = readFile(caPath);
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in the file');
      extraCa.push(pem);
    } catch (error) {
      errors.push({ code: 'aml.settings.invalid_ca', message: `Setting ${AML_SETTINGS.extraCa} must name a readable PEM certificate file: ${caPath} (${error instanceof Error ? error.message : String(error)}).`, field: AML_SETTINGS.extraCa, value: caPath, source: 'app settings', status: 500 });
    }
  }

  const maxAttempts = integer(AML_SETTINGS.maxAttempts, DEFAULT_RETRY_POLICY.maxAttempts, 1, 20);
  const baseDelayMs = integer(AML_SETTINGS.baseDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs, 0, 600_000);
  const maxDelayMs = integer(AML_SETTINGS.maxDelayMs, DEFAULT_RETRY_POLICY.maxDelayMs, 0, 600_000);
  const settings: AmlSettings = {
    credentialKind,
    tokenAudience: url(AML_SETTINGS.tokenAudience, DEFAULT_AUDIENCE),
    armEndpoint: url(AML_SETTINGS.armEndpoint, DEFAULT_ARM_ENDPOINT),
    armAudience: url(AML_SETTINGS.armAudience, DEFAULT_AUDIENCE),
    extraCa,
    attemptTimeoutMs: integer(AML_SETTINGS.attemptTimeoutMs, DEFAULT_ATTEMPT_TIMEOUT_MS, 1, 600_000),
    deadlineMs: integer(AML_SETTINGS.deadlineMs, DEFAULT_DEADLINE_MS, 1, 3_600_000),
    retry: { ...DEFAULT_RETRY_POLICY, maxAttempts, baseDelayMs, maxDelayMs: Math.max(baseDelayMs, maxDelayMs) },
    reconcileDelayMs: integer(AML_SETTINGS.reconcileDelayMs, DEFAULT_RECONCILE_DELAY_MS, 0, 120_000),
    v2ApiVersion: apiVersion(AML_SETTINGS.v2ApiVersion, DEFAULT_V2_API_VERSION),
    batchAudience: url(AML_SETTINGS.batchAudience, DEFAULT_BATCH_AUDIENCE),
  };
  const clientId = trimmed(env, AML_SETTINGS.clientId) ?? trimmed(env, 'AZURE_CLIENT_ID');
  if (clientId !== undefined) settings.managedIdentityClientId = clientId;

  if (errors.length === 1 && errors[0]) return err(errors[0]);
  if (errors.length > 1) {
    return err({ code: 'aml.settings.invalid', message: `${errors.length} Azure ML client settings are invalid: ${errors.map((e) => e.message).join(' ')}`, source: 'app settings', status: 500, errors });
  }
  return ok(settings);
}
