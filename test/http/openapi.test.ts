import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createOpenApiHandler } from '../../src/functions/openapi';
import { KNOWN_FIELDS } from '../../src/http/submitRequest';

const root = join(__dirname, '..', '..');

async function served(): Promise<{ status: number | undefined; contentType: string; text: string }> {
  const handler = createOpenApiHandler();
  const response = await handler(
    new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/openapi.json' }),
    new InvocationContext({ functionName: 'openApiDocument' }),
  );
  const headers = new Headers(response.headers as Record<string, string>);
  return { status: response.status, contentType: headers.get('content-type') ?? '', text: String(response.body) };
}

describe('GET /api/openapi.json', () => {
  it('serves exactly the committed openapi.json (run `node scripts/openapi.mjs` after changing routes)', async () => {
    const { status, contentType, text } = await served();
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/json/);
    expect(text).toBe(readFileSync(join(root, 'openapi.json'), 'utf8'));
  });

  it('is OpenAPI 3.1 describing every HTTP route, with function-key security', async () => {
    const doc = JSON.parse((await served()).text) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      security: unknown[];
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.fromEntries(Object.entries(doc.paths).map(([p, ops]) => [p, Object.keys(ops)]))).toEqual({
      '/api/pipelines': ['get'],
      '/api/pipelines/{target}/disable': ['post'],
      '/api/pipelines/{target}/enable': ['post'],
      '/api/pipelines/{target}/runs': ['post'],
      '/api/openapi.json': ['get'],
      '/api/schedules': ['get', 'post'],
      '/api/schedules/{name}': ['get', 'delete'],
      '/api/schedules/{name}/history': ['get'],
      '/api/schedules/{name}/enable': ['post'],
      '/api/schedules/{name}/disable': ['post'],
      '/api/health': ['get'],
      '/api/schedules/{name}/run': ['post'],
    });
    expect(doc.security).toEqual([{ functionKeyHeader: [] }, { functionKeyQuery: [] }]);
    expect(Object.keys(doc.components.schemas.RunRequest?.properties ?? {}).sort()).toEqual([...KNOWN_FIELDS].sort());
  });

  it('its schemas compile as JSON Schema 2020-12 and accept the documented example', async () => {
    const doc = JSON.parse((await served()).text) as {
      components: { schemas: Record<string, unknown> };
      paths: Record<
        string,
        {
          post?: { requestBody: { content: { 'application/json': { examples: Record<string, { value: unknown }> } } } };
        }
      >;
    };
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const validate = ajv.compile({ $ref: 'doc#/components/schemas/RunRequest' });
    const examples =
      doc.paths['/api/pipelines/{target}/runs']?.post?.requestBody.content['application/json'].examples ?? {};
    expect(Object.keys(examples).length).toBeGreaterThan(0);
    for (const example of Object.values(examples))
      expect(validate(example.value), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ Unknown: 1 })).toBe(false);
  });
});

describe('the submit route documents Retry-After', () => {
  it('on 503 and 504, as whole seconds of at least 1 (what the handler sends when Azure ML asked for a wait)', async () => {
    const doc = JSON.parse((await served()).text) as {
      paths: Record<
        string,
        { post?: { responses: Record<string, { headers?: Record<string, { schema: unknown }> }> } }
      >;
    };
    const responses = doc.paths['/api/pipelines/{target}/runs']?.post?.responses ?? {};
    for (const status of ['503', '504']) {
      expect(responses[status]?.headers?.['Retry-After']?.schema, status).toEqual({ type: 'integer', minimum: 1 });
    }
  });
});
