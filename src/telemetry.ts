/**
 * Application Insights, behind a small interface so that the logic modules record what happened
 * without knowing where it goes. In Azure (APPLICATIONINSIGHTS_CONNECTION_STRING set) events go to
 * Application Insights 3.x; elsewhere they are dropped (the Functions log still has every line).
 * Tests pass a `MemoryTelemetry` and assert on what was recorded.
 *
 * Entra-only ingestion (the resource's local auth disabled, as infra/ deploys it) refuses telemetry sent
 * with the connection string alone. `APPLICATIONINSIGHTS_AUTHENTICATION_STRING=Authorization=AAD[;ClientId=<id>]`
 * (the setting the Functions host reads for its own telemetry) makes the SDK send a bearer token from the
 * managed identity: user-assigned with ClientId, else system-assigned. The 3.x shim takes it as
 * `defaultClient.config.aadTokenCredential` before `start()` (applicationinsights out/src/shim/shim-config.js
 * passes it to the Azure Monitor exporter as `credential`); its own reading of the setting happens only in
 * the auto-attach agent, not on the `setup()` path used here.
 */
import { processSettings, settingText, SETTINGS, type Env } from './settings';
export type Properties = Record<string, string | number | boolean | undefined>;

export interface DependencyRecord {
  name: string;
  target: string;
  data: string;
  durationMs: number;
  success: boolean;
  resultCode: string | number;
  properties?: Properties;
}

export interface Telemetry {
  event(name: string, properties?: Properties, measurements?: Record<string, number>): void;
  exception(error: unknown, properties?: Properties): void;
  dependency(record: DependencyRecord): void;
}

function clean(properties: Properties | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties ?? {})) if (v !== undefined) out[k] = String(v);
  return out;
}

export const noTelemetry: Telemetry = {
  event: () => undefined,
  exception: () => undefined,
  dependency: () => undefined,
};

export class MemoryTelemetry implements Telemetry {
  readonly events: Array<{ name: string; properties: Record<string, string>; measurements?: Record<string, number> }> = [];
  readonly exceptions: Array<{ error: unknown; properties: Record<string, string> }> = [];
  readonly dependencies: DependencyRecord[] = [];
  event(name: string, properties?: Properties, measurements?: Record<string, number>): void {
    this.events.push({ name, properties: clean(properties), ...(measurements ? { measurements } : {}) });
  }
  exception(error: unknown, properties?: Properties): void {
    this.exceptions.push({ error, properties: clean(properties) });
  }
  dependency(record: DependencyRecord): void {
    this.dependencies.push(record);
  }
}


/** What the authentication string asks for: Entra ID with a managed identity (its client id when user-assigned), or nothing. */
export type TelemetryAuth = { readonly aad: false } | { readonly aad: true; readonly clientId?: string };

/** Parses `Authorization=AAD;ClientId=<id>` (keys and the AAD value case-insensitive, any order). */
export function parseAuthenticationString(value: string | undefined): TelemetryAuth {
  const fields = new Map<string, string>();
  for (const part of (value ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if (fields.get('authorization')?.toLowerCase() !== 'aad') return { aad: false };
  const clientId = fields.get('clientid');
  return clientId ? { aad: true, clientId } : { aad: true };
}

let current: Telemetry | undefined;

/** The process-wide telemetry: Application Insights when a connection string is set, else none. */
export function getTelemetry(env: Env = processSettings()): Telemetry {
  if (current) return current;
  const connectionString = settingText(env, SETTINGS.telemetryConnectionString);
  current = connectionString ? createAppInsightsTelemetry(connectionString, parseAuthenticationString(settingText(env, SETTINGS.telemetryAuthenticationString))) : noTelemetry;
  return current;
}

function createAppInsightsTelemetry(connectionString: string, auth: TelemetryAuth): Telemetry {
  // Loaded only when configured: the 3.x SDK pulls in OpenTelemetry and costs ~1 s of start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ai = require('applicationinsights') as typeof import('applicationinsights');
  const configuration = ai.setup(connectionString).setAutoCollectConsole(false);
  if (auth.aad) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ManagedIdentityCredential } = require('@azure/identity') as typeof import('@azure/identity');
    ai.defaultClient.config.aadTokenCredential = auth.clientId ? new ManagedIdentityCredential({ clientId: auth.clientId }) : new ManagedIdentityCredential();
  }
  configuration.start();
  const client = ai.defaultClient;
  return {
    event: (name, properties, measurements) =>
      client.trackEvent({ name, properties: clean(properties), ...(measurements ? { measurements } : {}) }),
    exception: (error, properties) =>
      client.trackException({ exception: error instanceof Error ? error : new Error(String(error)), properties: clean(properties) }),
    dependency: (r) =>
      client.trackDependency({
        name: r.name,
        target: r.target,
        data: r.data,
        duration: r.durationMs,
        success: r.success,
        resultCode: r.resultCode,
        dependencyTypeName: 'HTTP',
        properties: clean(r.properties),
      }),
  };
}
