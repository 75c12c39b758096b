/** `GET /api/openapi.json`: the OpenAPI 3.1 document of every HTTP route (src/http/openapi.ts). */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { openApiText } from '../http/openapi';

export function createOpenApiHandler() {
  const text = openApiText();
  return async function openApi(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
    return {
      status: 200,
      body: text,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=300' },
    };
  };
}

app.http('openApiDocument', {
  route: 'openapi.json',
  methods: ['GET'],
  authLevel: 'function',
  handler: createOpenApiHandler(),
});
