/**
 * The OpenAPI 3.1 description of every HTTP route, served at `GET /api/openapi.json` and committed as
 * openapi.json at the repository root (regenerate with `node scripts/openapi.mjs`; a test checks the two
 * agree). Static on purpose: the same document whatever host serves it, so that importing it into Logic
 * Apps, Data Factory or API Management gives the same result as importing the committed file. Point the
 * `functionApp` server variable at your app.
 */
import { PROBLEM_TYPE_BASE } from './problem';
import { MAX_BODY_BYTES } from './body';
import { KNOWN_FIELDS } from './submitRequest';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const problemRef = { $ref: '#/components/responses/Problem' };

const requestSchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'The body a published pipeline REST endpoint takes; every field is optional and the target\'s configured values fill in what is missing (maps are merged key by key, the request winning). An empty body runs the target with its defaults.',
  properties: {
    ExperimentName: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$',
      description: 'Experiment to record the run under; the target\'s experiment_name when absent.',
    },
    ParameterAssignments: {
      type: 'object',
      description: 'Pipeline parameters by name, merged over the target\'s parameters.',
      additionalProperties: { type: ['string', 'number', 'boolean'] },
    },
    DataPathAssignments: {
      type: 'object',
      description: 'DataPath pipeline parameters by name, merged over the target\'s data_paths.',
      additionalProperties: { $ref: '#/components/schemas/DataPathAssignment' },
    },
    RunSource: { type: 'string', minLength: 1, description: 'Where the run came from; the RunSource app setting (default "SDK") when absent.' },
    Description: { type: 'string', description: 'Run description.' },
    Tags: { type: 'object', additionalProperties: { type: 'string' }, description: 'Run tags, merged over the target\'s tags.' },
    DataSetDefinitionValueAssignments: {
      type: 'object',
      description: 'Dataset pipeline parameters by name.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['SavedDataSetReference'],
        properties: {
          SavedDataSetReference: {
            type: 'object',
            additionalProperties: false,
            required: ['Id'],
            properties: { Id: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
    ContinueOnStepFailure: { type: 'boolean', description: 'Keep running other steps after a step fails; the target\'s continue_on_step_failure when absent.' },
  },
} satisfies Json;

// Keep the documented body and the checked body the same set of fields.
const documented = Object.keys(requestSchema.properties).sort().join();
if (documented !== [...KNOWN_FIELDS].sort().join()) throw new Error(`OpenAPI request schema (${documented}) and KNOWN_FIELDS disagree`);

const document = {
  openapi: '3.1.0',
  info: {
    title: 'aml-pipeline-triggers',
    version: '1.0.0',
    summary: 'Trigger Azure Machine Learning published pipelines over HTTP.',
    description:
      'Submits runs of the Azure ML pipelines configured as targets in the Function App (and only those). Authenticate with a function key in the `x-functions-key` header or the `code` query parameter. Errors are RFC 9457 problem details (`application/problem+json`) whose `code` and `field` say what to fix.',
  },
  servers: [
    {
      url: 'https://{functionApp}.azurewebsites.net',
      description: 'The Function App',
      variables: { functionApp: { default: 'your-function-app', description: 'The Function App name' } },
    },
    { url: 'http://localhost:7071', description: 'Local Functions host (func start)' },
  ],
  security: [{ functionKeyHeader: [] }, { functionKeyQuery: [] }],
  paths: {
    '/api/pipelines': {
      get: {
        operationId: 'listPipelineTargets',
        summary: 'List the configured pipeline targets',
        description: 'Targets and their defaults. Values that come from app settings are shown as `%SETTING%`, never resolved.',
        responses: {
          '200': {
            description: 'The targets',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/TargetList' } } },
          },
          '401': { description: 'Missing or wrong function key (answered by the Functions host, no body)' },
          '500': problemRef,
        },
      },
    },
    '/api/pipelines/{target}/runs': {
      post: {
        operationId: 'submitPipelineRun',
        summary: 'Submit a run of a configured pipeline target',
        description: `Merges the body over the target's defaults and submits it to Azure ML (retrying throttling and transient failures). The body is at most ${MAX_BODY_BYTES} bytes. Nothing is submitted unless the whole request is valid.`,
        parameters: [
          {
            name: 'target',
            in: 'path',
            required: true,
            description: 'Name of a configured target (GET /api/pipelines lists them).',
            schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
          },
        ],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/RunRequest' },
              examples: {
                defaults: { summary: 'Run with the target\'s defaults', value: {} },
                full: {
                  summary: 'Override parameters and a DataPath',
                  value: {
                    ExperimentName: 'nightly-retrain',
                    ParameterAssignments: { epochs: 10, learning_rate: 0.01, full_refresh: true },
                    DataPathAssignments: { input_data: { DataStoreName: 'workspaceblobstore', RelativePath: 'landing/2026-11-24/' } },
                    Tags: { requested_by: 'logic-app' },
                  },
                },
              },
            },
          },
        },
        responses: {
          '202': {
            description: 'Azure ML accepted the run',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/RunAccepted' } } },
          },
          '400': problemRef,
          '401': { description: 'Missing or wrong function key (answered by the Functions host, no body)' },
          '404': problemRef,
          '413': problemRef,
          '415': problemRef,
          '500': problemRef,
          '502': problemRef,
          '503': {
            description: 'Azure ML is throttling or unavailable (after the app\'s own retries); try again later',
            headers: { 'Retry-After': { schema: { type: 'string' }, description: 'Seconds to wait, when known' } },
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
          '504': problemRef,
        },
      },
    },
    '/api/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI document',
        responses: {
          '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } },
          '401': { description: 'Missing or wrong function key (answered by the Functions host, no body)' },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      functionKeyHeader: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: 'A function or host key of the Function App' },
      functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code', description: 'The same key as a query parameter' },
    },
    responses: {
      Problem: {
        description: 'RFC 9457 problem details',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
    schemas: {
      RunRequest: requestSchema,
      DataPathAssignment: {
        type: 'object',
        additionalProperties: false,
        required: ['DataStoreName', 'RelativePath'],
        properties: {
          DataStoreName: { type: 'string', minLength: 1, description: 'Registered datastore name' },
          RelativePath: { type: 'string', description: 'File or folder path inside the datastore' },
        },
      },
      RunAccepted: {
        type: 'object',
        required: ['runId', 'experimentName', 'target', 'endpointUrl', 'attempts'],
        properties: {
          runId: { type: 'string', description: 'The new pipeline run id (Azure ML `Id`)' },
          experimentName: { type: 'string' },
          target: { type: 'string' },
          endpointUrl: { type: 'string', format: 'uri', description: 'The Azure ML URL the run was submitted to' },
          attempts: { type: 'integer', minimum: 1, description: 'HTTP attempts it took (1 unless retried)' },
          studioUrl: { type: 'string', format: 'uri', description: 'The run in Azure ML studio, when the workspace is known' },
        },
      },
      TargetList: {
        type: 'object',
        required: ['targets'],
        properties: { targets: { type: 'array', items: { $ref: '#/components/schemas/Target' } } },
      },
      Target: {
        type: 'object',
        required: ['name', 'experimentName', 'parameters', 'dataPaths', 'runsUrl'],
        properties: {
          name: { type: 'string' },
          description: { type: 'string' },
          experimentName: { type: 'string' },
          workspace: {
            type: 'object',
            properties: { subscriptionId: { type: 'string' }, resourceGroup: { type: 'string' }, workspaceName: { type: 'string' } },
          },
          endpointUrl: { type: 'string' },
          pipeline: {
            type: 'object',
            required: ['kind'],
            properties: {
              kind: { enum: ['published', 'endpoint', 'endpointByName'] },
              pipelineId: { type: 'string' },
              pipelineEndpointId: { type: 'string' },
              pipelineEndpointName: { type: 'string' },
              version: { type: 'string' },
            },
          },
          parameters: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
          dataPaths: { type: 'object', additionalProperties: { $ref: '#/components/schemas/DataPathAssignment' } },
          continueOnStepFailure: { type: 'boolean' },
          tags: { type: 'object', additionalProperties: { type: 'string' } },
          runsUrl: { type: 'string', description: 'Path to POST runs of this target to' },
        },
      },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail', 'code'],
        properties: {
          type: { type: 'string', format: 'uri', description: `${PROBLEM_TYPE_BASE}<code>` },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string', description: 'What is wrong and what to do' },
          instance: { type: 'string', description: 'urn:uuid:<invocation id>, to find the call in the Function App log' },
          code: { type: 'string', description: 'Stable machine-readable code, e.g. request.field.type' },
          field: { type: 'string', description: 'The offending field, e.g. ParameterAssignments.epochs' },
          value: { description: 'The offending value, as sent' },
          errors: {
            type: 'array',
            description: 'Every problem found, when there are several',
            items: {
              type: 'object',
              required: ['code', 'detail'],
              properties: { code: { type: 'string' }, detail: { type: 'string' }, field: { type: 'string' }, value: {} },
            },
          },
        },
      },
    },
  },
} satisfies Json;

/** The document (a fresh copy each call, so callers cannot change the served one). */
export function openApiDocument(): Json {
  return JSON.parse(openApiText()) as Json;
}

/** The document as committed: two-space indented JSON with a trailing newline. */
export function openApiText(): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
