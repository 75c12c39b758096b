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
import { sdks } from './sdks';

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
  readonly events: Array<{ name: string; properties: Record<string, string>; measurements?: Record<string, number> }> =
    [];
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

/**
 * Telemetry whose Application Insights client is built later: calls made before `start()` are kept in
 * order and replayed into the client when it starts; after that they go straight through. Loading the
 * applicationinsights 3.x SDK (OpenTelemetry, ~2,900 modules) takes over a second of CPU, so the app
 * starts it after the first answer instead of before it (index.ts; docs/performance.md) and no event is
 * lost on the way: `flush()` starts it when it has not started yet and waits until everything is sent.
 * The 3.x SDK stamps events and exceptions with the time they reach it, so replayed calls carry a
 * `recordedAt` property with the time they happened.
 */
export class DeferredTelemetry implements Telemetry {
  private readonly pending: Array<(t: Telemetry) => void> = [];
  private started: Telemetry | undefined;

  constructor(private readonly create: () => Telemetry & { flush?: () => Promise<void> }) {}

  /** Whether the client has been built. */
  get isStarted(): boolean {
    return this.started !== undefined;
  }

  /** Calls kept until the client starts. */
  get pendingCount(): number {
    return this.pending.length;
  }

  event(name: string, properties?: Properties, measurements?: Record<string, number>): void {
    if (this.started) this.started.event(name, properties, measurements);
    else this.keep((t, at) => t.event(name, { ...properties, recordedAt: at }, measurements));
  }
  exception(error: unknown, properties?: Properties): void {
    if (this.started) this.started.exception(error, properties);
    else this.keep((t, at) => t.exception(error, { ...properties, recordedAt: at }));
  }
  dependency(record: DependencyRecord): void {
    if (this.started) this.started.dependency(record);
    else this.keep((t, at) => t.dependency({ ...record, properties: { ...record.properties, recordedAt: at } }));
  }

  /** Builds the client (once) and hands it every call kept so far, in order. */
  start(): Telemetry {
    if (this.started) return this.started;
    const client = this.create(); // throws before anything is replayed: the calls stay kept
    this.started = client;
    for (const replay of this.pending.splice(0)) replay(client);
    return client;
  }

  /** Starts the client if needed and sends everything recorded (at shutdown). */
  async flush(): Promise<void> {
    const client = this.start() as Telemetry & { flush?: () => Promise<void> };
    await client.flush?.();
  }

  /** Keeps a call for the client; replayed calls carry `recordedAt` (when it happened: the SDK stamps them when sent to it). */
  private keep(replay: (t: Telemetry, recordedAt: string) => void): void {
    const at = new Date().toISOString();
    this.pending.push((t) => replay(t, at));
  }
}

let current: Telemetry | undefined;

/**
 * The process-wide telemetry: Application Insights when a connection string is set, else none. The
 * Application Insights client is not built here (see `DeferredTelemetry`): `startTelemetry()` does.
 */
export function getTelemetry(env: Env = processSettings()): Telemetry {
  if (current) return current;
  const connectionString = settingText(env, SETTINGS.telemetryConnectionString);
  const auth = parseAuthenticationString(settingText(env, SETTINGS.telemetryAuthenticationString));
  current = connectionString
    ? new DeferredTelemetry(() => createAppInsightsTelemetry(connectionString, auth))
    : noTelemetry;
  return current;
}

/**
 * Builds the process-wide Application Insights client now, if one is configured and not built yet. Runs
 * from a timer (src/index.ts), so a failure is logged here instead of crashing the worker; the calls
 * stay kept and the shutdown flush tries again.
 */
export function startTelemetry(): void {
  if (!(current instanceof DeferredTelemetry)) return;
  try {
    current.start();
  } catch (e) {
    console.error(
      `Application Insights did not start (${e instanceof Error ? e.message : String(e)}); check ${SETTINGS.telemetryConnectionString.name}. The app's events are kept and sent if it starts at shutdown.`,
    );
  }
}

/** Sends every recorded event (starting the client if it has not started): the app calls it at shutdown. */
export async function flushTelemetry(): Promise<void> {
  if (current instanceof DeferredTelemetry) await current.flush();
}

function createAppInsightsTelemetry(
  connectionString: string,
  auth: TelemetryAuth,
): Telemetry & { flush(): Promise<void> } {
  const ai = sdks.applicationInsights();
  const configuration = ai.setup(connectionString).setAutoCollectConsole(false);
  if (auth.aad) {
    const { ManagedIdentityCredential } = sdks.identity();
    ai.defaultClient.config.aadTokenCredential = auth.clientId
      ? new ManagedIdentityCredential({ clientId: auth.clientId })
      : new ManagedIdentityCredential();
  }
  configuration.start();
  const client = ai.defaultClient;
  return {
    event: (name, properties, measurements) =>
      client.trackEvent({ name, properties: clean(properties), ...(measurements ? { measurements } : {}) }),
    exception: (error, properties) =>
      client.trackException({
        exception: error instanceof Error ? error : new Error(String(error)),
        properties: clean(properties),
      }),
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
    flush: async () => {
      await client.flush();
    },
  };
}
