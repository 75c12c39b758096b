/**
 * App settings of the Azure ML client (`AML_*`, see docs/settings.md), read into a typed object. Every
 * setting is optional; names, defaults, parsing and errors are defined once in src/settings.ts, and this
 * module only assembles them (and reads the extra CA file). Invalid settings stop the app at start-up,
 * since every submission goes through this client. The deadline default stays under the 230 s Azure
 * front-end limit for HTTP-triggered functions with room for the function's own work.
 */
import { readFileSync } from 'node:fs';
import { err, ok, type AppError, type Result } from '../errors';
import {
  hasManagedIdentityEndpoint,
  managedIdentityClientId,
  readSettings,
  settingError,
  settingText,
  SETTINGS,
  type CredentialKind,
  type Env,
} from '../settings';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';

export type { CredentialKind };

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

export const DEFAULT_ATTEMPT_TIMEOUT_MS = SETTINGS.attemptTimeoutMs.default;
export const DEFAULT_DEADLINE_MS = SETTINGS.deadlineMs.default;
export const DEFAULT_RECONCILE_DELAY_MS = SETTINGS.reconcileDelayMs.default;

const KEYS = [
  'credential',
  'tokenAudience',
  'armEndpoint',
  'armAudience',
  'attemptTimeoutMs',
  'deadlineMs',
  'retryMaxAttempts',
  'retryBaseDelayMs',
  'retryMaxDelayMs',
  'reconcileDelayMs',
  'v2ApiVersion',
  'batchAudience',
] as const;

export function readAmlSettings(
  env: Env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Result<AmlSettings, AppError> {
  const read = readSettings(env, KEYS);
  const errors: AppError[] = read.ok ? [] : [...read.error];

  const extraCa: string[] = [];
  const caPath = settingText(env, SETTINGS.extraCaCerts);
  if (caPath !== undefined) {
    try {
      const pem = readFile(caPath);
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in the file');
      extraCa.push(pem);
    } catch (error) {
      errors.push(
        settingError(
          SETTINGS.extraCaCerts,
          caPath,
          `a readable PEM certificate file (${error instanceof Error ? error.message : String(error)})`,
        ),
      );
    }
  }

  if (!read.ok || errors.length > 0) {
    if (errors.length === 1) return err(errors[0]!);
    return err({
      code: 'aml.settings.invalid',
      message: `${errors.length} Azure ML client settings are invalid: ${errors.map((e) => e.message).join(' ')}`,
      source: 'app settings',
      status: 500,
      errors,
    });
  }
  const v = read.value;
  const baseDelayMs = v.retryBaseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs;
  const settings: AmlSettings = {
    credentialKind: v.credential ?? (hasManagedIdentityEndpoint(env) ? 'managedidentity' : 'default'),
    tokenAudience: v.tokenAudience,
    armEndpoint: v.armEndpoint,
    armAudience: v.armAudience,
    extraCa,
    attemptTimeoutMs: v.attemptTimeoutMs,
    deadlineMs: v.deadlineMs,
    retry: {
      ...DEFAULT_RETRY_POLICY,
      maxAttempts: v.retryMaxAttempts,
      baseDelayMs,
      maxDelayMs: Math.max(baseDelayMs, v.retryMaxDelayMs),
    },
    reconcileDelayMs: v.reconcileDelayMs,
    v2ApiVersion: v.v2ApiVersion,
    batchAudience: v.batchAudience,
  };
  const clientId = managedIdentityClientId(env);
  if (clientId !== undefined) settings.managedIdentityClientId = clientId;
  return ok(settings);
}
