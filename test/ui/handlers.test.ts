/**
 * The page handlers without a browser: an unusable configuration still answers an HTML page that shows
 * the API's problem (with its status), and every page is sent with a policy that allows no script.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/runtime';
import { MemoryTelemetry } from '../../src/telemetry';
import { uiApiFrom, type HttpHandler } from '../../src/ui/api';
import { uiHandlers } from '../../src/ui/routes';

let root: string;
let runtime: Runtime;
let pages: Record<string, HttpHandler>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ui-handlers-'));
  writeFileSync(join(root, 'host.json'), '{}');
  writeFileSync(
    join(root, 'targets.yaml'),
    'targets:\n  train:\n    endpoint_url: https://westeurope.api.azureml.ms/pipelines/v1.0/x\n    experiment_name: training\n',
  );
  // No storage settings: every schedule read fails with the API's 500 problem.
  runtime = createRuntime({
    appRoot: root,
    telemetry: new MemoryTelemetry(),
    env: { AzureWebJobsStorage: '', AML_TARGETS_FILE: 'targets.yaml' },
  });
  pages = uiHandlers({ api: uiApiFrom(runtime) });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function get(
  name: string,
  path: string,
  params: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  const request = new HttpRequest({ method: 'GET', url: `https://app.example/api${path}`, params });
  const response: HttpResponseInit = await pages[name]!(
    request,
    new InvocationContext({ functionName: name, invocationId: '11111111-2222-3333-4444-555555555555' }),
  );
  return {
    status: response.status ?? 200,
    headers: new Headers(response.headers as Record<string, string>),
    body: String(response.body ?? ''),
  };
}

describe('UI page handlers', () => {
  it('the schedules page shows the storage problem, with its status, as a page', async () => {
    const r = await get('uiSchedules', '/ui?code=abc');
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('The schedules could not be listed: Internal Server Error (HTTP 500)');
    expect(r.body).toContain('storage settings (AzureWebJobsStorage, SCHEDULE_STATE_CONTAINER) are missing or invalid');
    expect(r.body).toContain('urn:uuid:11111111-2222-3333-4444-555555555555');
    // The key is carried on in links and in the filter form.
    expect(r.body).toContain('href="/api/ui/preview?code=abc"');
    expect(r.body).toContain('<input type="hidden" name="code" value="abc">');
  });

  it("an unknown target's form names the configured targets", async () => {
    const r = await get('uiSubmitForm', '/ui/submit/nope', { target: 'nope' });
    expect(r.status).toBe(404);
    expect(r.body).toContain('No target named &quot;nope&quot; is configured; the configured targets are train.');
  });

  it('a page that cannot be built is still a page: the problem and the log reference, HTTP 500', async () => {
    const broken = uiHandlers({
      api: { ...uiApiFrom(runtime), listTargets: async () => ({ status: 200, jsonBody: { unexpected: true } }) },
    });
    const request = new HttpRequest({
      method: 'GET',
      url: 'https://app.example/api/ui/submit/train',
      params: { target: 'train' },
    });
    const response = await broken.uiSubmitForm!(
      request,
      new InvocationContext({ functionName: 'uiSubmitForm', invocationId: '11111111-2222-3333-4444-555555555555' }),
    );
    expect(response.status).toBe(500);
    expect(String(response.body)).toContain('The page could not be built; the Function App log has the details.');
    expect(String(response.body)).toContain('urn:uuid:11111111-2222-3333-4444-555555555555');
  });

  it("every page allows no script, is not cached, and keeps its address out of other sites' logs", async () => {
    for (const [name, path] of [
      ['uiSchedules', '/ui'],
      ['uiPreview', '/ui/preview'],
      ['uiSubmitTargets', '/ui/submit'],
    ] as const) {
      const r = await get(name, path);
      expect(r.headers.get('content-security-policy'), name).toContain("default-src 'none'");
      expect(r.headers.get('content-security-policy'), name).not.toContain('script-src');
      expect(r.headers.get('cache-control'), name).toBe('no-store');
      expect(r.headers.get('referrer-policy'), name).toBe('no-referrer');
      expect(r.body, name).not.toContain('<script');
    }
  });
});
