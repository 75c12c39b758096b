/**
 * `GET /api/health` (anonymous, no secrets): configuration, storage, tokens for Azure ML and ARM, the
 * timer's last tick, and failed / unknown submissions in the last 24 h (src/health/probe.ts). 200 when
 * every check passes, else 503; the availability test in infra/app/monitoring.bicep calls it.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { runtime } from '../runtime';
import { probeHealth, runtimeHealthDeps, type HealthProbeDeps } from '../health/probe';

export function createHealthHandler(getDeps: () => HealthProbeDeps) {
  return async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const report = await probeHealth(getDeps());
    if (report.status !== 200) {
      const failing = Object.entries(report.body.checks)
        .filter(([, c]) => !c.ok)
        .map(([name, c]) => `${name}: ${c.code ?? ''} ${c.message ?? ''}`.trim());
      context.warn(`Health check failed: ${failing.join('; ')}`);
    }
    return { status: report.status, jsonBody: report.body, headers: { 'Cache-Control': 'no-store' } };
  };
}

let deps: HealthProbeDeps | undefined;

app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: createHealthHandler(() => (deps ??= runtimeHealthDeps(runtime))),
});
