/**
 * Application Insights, behind a small interface so that the logic modules record what happened
 * without knowing where it goes. In Azure (APPLICATIONINSIGHTS_CONNECTION_STRING set) events go to
 * Application Insights 3.x; elsewhere they are dropped (the Functions log still has every line).
 * Tests pass a `MemoryTelemetry` and assert on what was recorded.
 */
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

let current: Telemetry | undefined;

/** The process-wide telemetry: Application Insights when a connection string is set, else none. */
export function getTelemetry(env: NodeJS.ProcessEnv = process.env): Telemetry {
  if (current) return current;
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  current = connectionString ? createAppInsightsTelemetry(connectionString) : noTelemetry;
  return current;
}

function createAppInsightsTelemetry(connectionString: string): Telemetry {
  // Loaded only when configured: the 3.x SDK pulls in OpenTelemetry and costs ~1 s of start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ai = require('applicationinsights') as typeof import('applicationinsights');
  ai.setup(connectionString).setAutoCollectConsole(false).start();
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
