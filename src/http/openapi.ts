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
import { SCHEDULE_NAME_PATTERN } from '../schedules/definition';
import {
  DEFAULT_HISTORY_COUNT,
  DEFAULT_LAST_RUNS,
  DEFAULT_NEXT_COUNT,
  MAX_HISTORY_COUNT,
  MAX_NEXT_COUNT,
} from '../schedules/operations';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const problemRef = { $ref: '#/components/responses/Problem' };

const requestSchema = {
  type: 'object',
  additionalProperties: false,
  description:
    "The body a published pipeline REST endpoint takes; every field is optional and the target's configured values fill in what is missing (maps are merged key by key, the request winning). An empty body runs the target with its defaults.",
  properties: {
    ExperimentName: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$',
      description: "Experiment to record the run under; the target's experiment_name when absent.",
    },
    ParameterAssignments: {
      type: 'object',
      description: "Pipeline parameters by name, merged over the target's parameters.",
      additionalProperties: { type: ['string', 'number', 'boolean'] },
    },
    DataPathAssignments: {
      type: 'object',
      description: "DataPath pipeline parameters by name, merged over the target's data_paths.",
      additionalProperties: { $ref: '#/components/schemas/DataPathAssignment' },
    },
    Inputs: {
      type: 'object',
      description:
        "Azure ML v2 targets only (pipeline_job, batch_endpoint): inputs in v2 terms, merged over the target's inputs and the ParameterAssignments / DataPathAssignments mapped onto them. A v1 target refuses it (400).",
      additionalProperties: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'path'],
            properties: {
              type: { enum: ['uri_file', 'uri_folder', 'mltable'] },
              path: { type: 'string', minLength: 1 },
              mode: { type: 'string' },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'value'],
            properties: { type: { enum: ['literal'] }, value: { type: ['string', 'number', 'boolean'] } },
          },
        ] as Json[],
      },
    },
    RunSource: {
      type: 'string',
      minLength: 1,
      description: 'Where the run came from; the RunSource app setting (default "SDK") when absent.',
    },
    Description: { type: 'string', description: 'Run description.' },
    Tags: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description:
        "Run tags, merged over the target's tags. `aml_triggers_key` is set by the app (see the Idempotency-Key header); entries named `__proto__`, `constructor` or `prototype` are refused (400), in every map of the body.",
    },
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
    ContinueRunOnStepFailure: {
      type: 'boolean',
      description:
        "Keep running other steps after a step fails (the SDK's continue_run_on_step_failure); the target's continue_on_step_failure when absent.",
    },
  },
} satisfies Json;

// Keep the documented body and the checked body the same set of fields.
const documented = Object.keys(requestSchema.properties).sort().join();
if (documented !== [...KNOWN_FIELDS].sort().join())
  throw new Error(`OpenAPI request schema (${documented}) and KNOWN_FIELDS disagree`);

// Schedule operations (src/functions/schedules.ts). Reads take a function key; changes take the host's
// master key (authLevel admin), declared per operation with the masterKey* schemes.
/** An optional query parameter. */
const optionalQuery = (name: string, description: string, schema: Json): Json => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const masterKey: Json[] = [{ masterKeyHeader: [] }, { masterKeyQuery: [] }];
const hostAnswers401 = { description: 'Missing or wrong key (answered by the Functions host, no body)' };
const scheduleName = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'Schedule name (GET /api/schedules lists them).',
  schema: { type: 'string', pattern: SCHEDULE_NAME_PATTERN.source },
};
/** Retry-After on answers about Azure ML: present only when Azure ML itself asked for a wait. */
const amlRetryAfter = {
  schema: { type: 'integer', minimum: 1 },
  description: 'Seconds to wait (delta-seconds, at least 1), passed on from Azure ML; absent when Azure ML gave none',
};

const storageDown = {
  description: "The schedule store (the app's storage account) is unavailable; try again later",
  headers: { 'Retry-After': { schema: { type: 'string' }, description: 'Seconds to wait' } },
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const targetName: Json = {
  name: 'target',
  in: 'path',
  required: true,
  description: 'Name of a configured target (GET /api/pipelines lists them).',
  schema: { type: 'string' },
};
const withSchedulesParam: Json = optionalQuery(
  'withSchedules',
  "Also disable the target's active schedules (else their names are answered with 409).",
  { type: 'boolean' },
);
const inAzureMlParam: Json = optionalQuery(
  'inAzureMl',
  "Also set the published pipeline's own status in Azure ML (published pipelines only).",
  { type: 'boolean' },
);
const reasonParam: Json = optionalQuery('reason', 'Why (kept with the status, shown in listings and refusals).', {
  type: 'string',
  maxLength: 500,
});
const byParam: Json = optionalQuery(
  'by',
  'Who (when App Service authentication names no principal; default "HTTP (master key)").',
  { type: 'string', maxLength: 200 },
);
const targetStatusChangeSchema: Json = {
  type: 'object',
  required: ['status', 'changedAt', 'changedBy'],
  properties: {
    status: { enum: ['Active', 'Disabled'] },
    changedAt: { type: 'string', format: 'date-time' },
    changedBy: { type: 'string' },
    reason: { type: 'string' },
  },
};
const jsonOf = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const exampleSchedules = {
  schedules: [
    {
      name: 'nightly-retrain',
      target: 'nightly',
      description: 'Retrain twice a week',
      recurrence: {
        frequency: 'Week',
        interval: 2,
        week_days: ['Monday', 'Friday'],
        time_of_day: '9:30',
        time_zone: 'W. Europe Standard Time',
      },
      pipeline_parameters: { epochs: 10 },
    },
  ],
};

const schedulePaths = {
  '/api/schedules': {
    get: {
      operationId: 'listSchedules',
      summary: 'List schedules with status, next run and last run',
      description:
        "Like the SDK's `Schedule.list`: every schedule (from the app's schedule files and applied ones), with an SDK-like summary (\"Runs at 9:30 on Monday every 2 Weeks (W. Europe Standard Time, …)\"). Filters combine; the SDK's snake_case spellings (`active_only`, `pipeline_id`, `pipeline_endpoint_id`) are accepted too.",
      parameters: [
        optionalQuery('activeOnly', 'Only schedules that fire (status Active).', { type: 'boolean' }),
        optionalQuery(
          'pipelineId',
          'Only schedules submitting to this published pipeline (written in the schedule or its target).',
          { type: 'string' },
        ),
        optionalQuery('pipelineEndpointId', 'Only schedules submitting to this pipeline endpoint.', { type: 'string' }),
        optionalQuery('target', 'Only schedules naming this configured target.', { type: 'string' }),
      ],
      responses: {
        '200': { description: 'The schedules', content: jsonOf('ScheduleList') },
        '400': problemRef,
        '401': hostAnswers401,
        '500': problemRef,
        '503': storageDown,
      },
    },
    post: {
      operationId: 'applySchedules',
      summary: 'Create or update schedules from a definitions document (master key)',
      description: `Like \`Schedule.create\` / \`update\`: validates every schedule in the body (a schedule, a list, \`{schedules: [...]}\`, or a v1 \`Schedule:\` document with \`name:\` added), then stores them, reporting for each whether it was created, updated (with the fields that changed) or unchanged. All or nothing: any problem stores nothing. Names defined in the app's schedule files cannot be applied (409). At most ${MAX_BODY_BYTES} bytes. Needs the master key.`,
      security: masterKey,
      parameters: [
        optionalQuery('dryRun', 'Only report what would change (`dry_run` is accepted too).', { type: 'boolean' }),
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/ScheduleDefinitions' },
            examples: { twiceAWeek: { summary: 'One schedule on a configured target', value: exampleSchedules } },
          },
          'application/yaml': { schema: { $ref: '#/components/schemas/ScheduleDefinitions' } },
        },
      },
      responses: {
        '200': {
          description: 'What was (or, with dryRun, would be) created, updated or left unchanged',
          content: jsonOf('ApplyResult'),
        },
        '400': problemRef,
        '401': hostAnswers401,
        '409': problemRef,
        '413': problemRef,
        '415': problemRef,
        '500': problemRef,
        '503': {
          ...storageDown,
          description:
            "The schedule store (the app's storage account) is unavailable, or it failed part-way: `schedule.apply.incomplete` lists in `errors` each schedule whose definition is stored but whose state is not (the others are in effect); send the same request again to finish",
        },
      },
    },
  },
  '/api/schedules/{name}': {
    get: {
      operationId: 'getSchedule',
      summary: 'One schedule with its next occurrences and last runs',
      parameters: [
        scheduleName,
        optionalQuery('next', `How many upcoming occurrences to compute (default ${DEFAULT_NEXT_COUNT}).`, {
          type: 'integer',
          minimum: 1,
          maximum: MAX_NEXT_COUNT,
        }),
        optionalQuery('runs', `How many of the last runs to include (default ${DEFAULT_LAST_RUNS}).`, {
          type: 'integer',
          minimum: 1,
          maximum: MAX_HISTORY_COUNT,
        }),
      ],
      responses: {
        '200': { description: 'The schedule', content: jsonOf('ScheduleDetail') },
        '400': problemRef,
        '401': hostAnswers401,
        '404': problemRef,
        '500': problemRef,
        '503': storageDown,
      },
    },
    delete: {
      operationId: 'deleteSchedule',
      summary: 'Delete an applied schedule with its state and history (master key)',
      description:
        "A schedule defined in the app's schedule files cannot be deleted here (409: remove it from the file and deploy, or disable it). A schedule whose definition was removed (orphaned) can.",
      security: masterKey,
      parameters: [scheduleName],
      responses: {
        '200': { description: 'Deleted', content: jsonOf('DeleteResult') },
        '400': problemRef,
        '401': hostAnswers401,
        '404': problemRef,
        '409': problemRef,
        '500': problemRef,
        '503': storageDown,
      },
    },
  },
  '/api/schedules/{name}/history': {
    get: {
      operationId: 'getScheduleHistory',
      summary: 'Run history of a schedule, newest first',
      description:
        "Like the SDK's `get_pipeline_runs()`: each handled occurrence (or blob) with its outcome and run id. The app keeps the newest `retained` entries per schedule.",
      parameters: [
        scheduleName,
        optionalQuery('limit', `At most this many entries (default ${DEFAULT_HISTORY_COUNT}).`, {
          type: 'integer',
          minimum: 1,
          maximum: MAX_HISTORY_COUNT,
        }),
      ],
      responses: {
        '200': { description: 'The history', content: jsonOf('ScheduleHistory') },
        '400': problemRef,
        '401': hostAnswers401,
        '404': problemRef,
        '500': problemRef,
        '503': storageDown,
      },
    },
  },
  '/api/schedules/{name}/enable': {
    post: {
      operationId: 'enableSchedule',
      summary: 'Enable a schedule (master key)',
      description:
        'It fires again from its first occurrence after now: occurrences missed while it was disabled are not replayed. Enabling an enabled schedule changes nothing (`changed: false`). A schedule with no definition any more cannot be enabled (409).',
      security: masterKey,
      parameters: [scheduleName],
      responses: {
        '200': { description: 'Its status now', content: jsonOf('EnableResult') },
        '400': problemRef,
        '401': hostAnswers401,
        '404': problemRef,
        '409': problemRef,
        '500': problemRef,
        '503': storageDown,
      },
    },
  },
  '/api/schedules/{name}/disable': {
    post: {
      operationId: 'disableSchedule',
      summary: 'Disable a schedule (master key)',
      description:
        "It stops at once: no next run, pending retries dropped. It stays disabled until enabled again or until its definition's own `status` changes.",
      security: masterKey,
      parameters: [scheduleName],
      responses: {
        '200': { description: 'Its status now', content: jsonOf('EnableResult') },
        '400': problemRef,
        '401': hostAnswers401,
        '404': problemRef,
        '409': problemRef,
        '500': problemRef,
        '503': storageDown,
      },
    },
  },
  '/api/schedules/{name}/run': {
    post: {
      operationId: 'runScheduleNow',
      summary: 'Run a time-based schedule now (master key)',
      description:
        'Submits one run of the schedule now with its parameters and inputs, optionally overridden key by key by the body (a name the body sets replaces the schedule\'s input of that name), recorded in its history as a `manual` trigger with who asked (the signed-in principal, else "the holder of an admin key"). It is not an occurrence: the next occurrence runs as planned. ' +
        'Send a request id (`Idempotency-Key` or `x-ms-client-request-id`) to make retries safe: a repeated id submits nothing and answers with the first run (`Idempotent-Replayed: true`), or 409 while it is in progress (Retry-After), after it failed, or when its outcome is unknown. Reactive schedules cannot be run now (409).',
      security: masterKey,
      parameters: [
        scheduleName,
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Request id: 1-128 letters, digits, "_", ".", "=" or "-" (a GUID is ideal).',
          schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.=-]{0,127}$' },
        },
        {
          name: 'x-ms-client-request-id',
          in: 'header',
          required: false,
          description:
            'Request id, as Logic Apps and the Azure SDKs send it; must equal Idempotency-Key when both are given.',
          schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.=-]{0,127}$' },
        },
      ],
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: {
                ParameterAssignments: { $ref: '#/components/schemas/RunRequest/properties/ParameterAssignments' },
                DataPathAssignments: { $ref: '#/components/schemas/RunRequest/properties/DataPathAssignments' },
                Inputs: { $ref: '#/components/schemas/RunRequest/properties/Inputs' },
              },
            },
          },
        },
      },
      responses: {
        '202': {
          description: 'Submitted (or, with `Idempotent-Replayed: true`, submitted earlier under the same request id)',
          headers: {
            'Idempotent-Replayed': {
              description: '`true` when the run was submitted by an earlier request with the same id',
              schema: { type: 'string', enum: ['true'] },
            },
          },
          content: jsonOf('RunNowResult'),
        },
        '400': problemRef,
        '401': hostAnswers401,
        '404': problemRef,
        '409': problemRef,
        '500': problemRef,
        '502': problemRef,
        '503': storageDown,
      },
    },
  },
} satisfies Json;

const instant = { type: 'string', format: 'date-time', description: 'ISO 8601 UTC instant' };
const runStatus = {
  enum: ['submitted', 'failed', 'retrying', 'skipped', 'unknown'],
  description:
    'unknown: the request may or may not have created a run; it is not sent again before the run has been looked up',
};
const trigger = { enum: ['schedule', 'catch_up', 'retry', 'blob', 'manual'] };
const storedBlobProblem = {
  type: 'object',
  required: ['blob', 'code', 'message'],
  description:
    'A stored blob of this schedule that cannot be read (corrupt state, history or applied definition): which one and what is wrong. Only this schedule is affected.',
  properties: {
    blob: { type: 'string', description: '<container>/<blob>' },
    code: { type: 'string' },
    message: { type: 'string' },
  },
};
const errorSummary = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
};
const scheduleSummaryProperties = {
  name: { type: 'string' },
  kind: { enum: ['time', 'reactive'], description: 'Absent only for a schedule known by an unreadable state alone' },
  status: { enum: ['Active', 'Disabled'], description: 'What the app does now: Disabled schedules never fire' },
  summary: {
    type: 'string',
    description:
      'SDK-like sentence, e.g. "Runs at 9:30 on Monday every 2 Weeks (W. Europe Standard Time, Europe/Berlin), from 2026-01-05 00:00"',
  },
  description: { type: 'string' },
  pipeline: {
    type: 'object',
    description:
      'What it submits to: a configured target (with its pipeline when known) or the ids written in the schedule',
    properties: {
      target: { type: 'string' },
      pipelineId: { type: 'string' },
      pipelineEndpointId: { type: 'string' },
      pipelineEndpointName: { type: 'string' },
      version: { type: 'string' },
    },
  },
  experimentName: { type: 'string' },
  timeZone: {
    type: 'string',
    description:
      'Time schedules: the IANA time zone of the recurrence, e.g. Europe/Berlin (the wall clock its occurrences follow)',
  },
  nextRun: {
    ...instant,
    description: 'The next occurrence the timer will handle; absent when disabled, reactive or ended',
  },
  lastRun: {
    type: 'object',
    required: ['status', 'trigger', 'recordedAt'],
    properties: {
      status: runStatus,
      trigger,
      occurrence: { type: 'string' },
      runId: { type: 'string' },
      recordedAt: instant,
      error: errorSummary,
    },
  },
  pendingRetries: {
    type: 'integer',
    minimum: 0,
    description: 'Occurrences waiting for a retry after a transient failure',
  },
  sync: {
    enum: ['synced', 'pending', 'orphaned', 'elsewhere', 'unreadable'],
    description:
      'synced; pending (defined, not yet brought into the store); orphaned (definition removed, kept disabled with its history); elsewhere (state of a schedule whose definition this process cannot read); unreadable (its state or applied definition cannot be read: see stateError; it does not fire until repaired)',
  },
  source: {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string' }, line: { type: 'integer' } },
    description: 'Where the definition was written',
  },
  stateError: storedBlobProblem,
};
const historyEntry = {
  type: 'object',
  required: ['trigger', 'status', 'recordedAt'],
  properties: {
    occurrence: { type: 'string', description: 'The occurrence instant (time schedules) or event id' },
    trigger,
    status: runStatus,
    runId: { type: 'string', description: 'Azure ML pipeline run id, when submitted' },
    error: errorSummary,
    attempts: { type: 'integer', minimum: 1 },
    claimedAt: instant,
    recordedAt: instant,
    detail: { type: 'string', description: 'E.g. the blob that fired a reactive schedule' },
  },
};
const scheduleSchemas = {
  ScheduleList: {
    type: 'object',
    required: ['schedules'],
    properties: { schedules: { type: 'array', items: { $ref: '#/components/schemas/ScheduleSummary' } } },
  },
  ScheduleSummary: {
    type: 'object',
    required: ['name', 'status', 'summary', 'pipeline', 'pendingRetries', 'sync'],
    properties: scheduleSummaryProperties,
  },
  ScheduleDetail: {
    type: 'object',
    required: [
      'name',
      'status',
      'summary',
      'pipeline',
      'pendingRetries',
      'sync',
      'pipelineParameters',
      'nextOccurrences',
      'lastRuns',
      'notes',
    ],
    properties: {
      ...scheduleSummaryProperties,
      recurrence: {
        type: 'object',
        description:
          "The recurrence in the SDK's field names (frequency, interval, start_time, time_zone, hours, minutes, week_days, time_of_day)",
      },
      datastore: {
        type: 'object',
        required: ['datastore'],
        properties: {
          datastore: { type: 'string' },
          pathOnDatastore: { type: 'string' },
          container: { type: 'string' },
          dataPathParameterName: { type: 'string' },
          pollingInterval: { type: 'number', description: 'Accepted for SDK v1 compatibility, unused' },
        },
      },
      pipelineParameters: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      inputs: {
        type: 'object',
        description:
          "v2 targets: the schedule's own inputs as its file gives them (literal values as text), laid over the target's (docs/schedules.md)",
        additionalProperties: {
          type: 'object',
          required: ['type'],
          properties: {
            type: { enum: ['uri_file', 'uri_folder', 'mltable', 'literal'] },
            path: { type: 'string' },
            value: { type: 'string' },
            mode: { type: 'string' },
          },
        },
      },
      continueOnStepFailure: { type: 'boolean' },
      missedRuns: { enum: ['skip', 'latest', 'all'] },
      missedRunsLimit: { type: 'integer' },
      nextOccurrences: {
        type: 'array',
        items: instant,
        description: 'The next N occurrences after now (for a disabled schedule: what it would run if enabled)',
      },
      state: {
        type: 'object',
        properties: {
          createdAt: instant,
          updatedAt: instant,
          enabledChangedAt: instant,
          lastOccurrence: instant,
          nextDue: instant,
          pending: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                occurrence: { type: 'string' },
                attempts: { type: 'integer' },
                nextAttemptAt: instant,
                deadline: instant,
                lastError: errorSummary,
              },
            },
          },
        },
      },
      lastRuns: { type: 'array', items: { $ref: '#/components/schemas/HistoryEntry' }, description: 'Newest first' },
      notes: { type: 'array', items: { type: 'string' } },
    },
  },
  HistoryEntry: historyEntry,
  ScheduleHistory: {
    type: 'object',
    required: ['name', 'entries', 'limit', 'retained'],
    properties: {
      name: { type: 'string' },
      entries: { type: 'array', items: { $ref: '#/components/schemas/HistoryEntry' }, description: 'Newest first' },
      limit: { type: 'integer' },
      retained: { type: 'integer', description: 'Entries the app keeps per schedule' },
      stateError: storedBlobProblem,
    },
  },
  RunNowResult: {
    type: 'object',
    required: ['schedule', 'requestId', 'runId', 'requestedBy', 'requestedAt', 'trigger', 'replayed'],
    properties: {
      schedule: { type: 'string' },
      requestId: { type: 'string', description: 'The request id given, or the one made up for this request' },
      runId: { type: 'string' },
      requestedBy: { type: 'string' },
      requestedAt: instant,
      trigger: { const: 'manual' },
      replayed: {
        type: 'boolean',
        description: 'True when an earlier request with the same id submitted this run; nothing was sent now',
      },
    },
  },
  EnableResult: {
    type: 'object',
    required: ['name', 'status', 'changed'],
    properties: {
      name: { type: 'string' },
      status: { enum: ['Active', 'Disabled'] },
      changed: { type: 'boolean', description: 'False when it already had that status' },
      nextRun: instant,
    },
  },
  DeleteResult: {
    type: 'object',
    required: ['name', 'definition', 'blobsDeleted'],
    properties: {
      name: { type: 'string' },
      definition: { enum: ['applied', 'orphan'] },
      blobsDeleted: { type: 'integer', minimum: 0 },
    },
  },
  ApplyResult: {
    type: 'object',
    required: ['dryRun', 'schedules', 'created', 'updated', 'unchanged', 'warnings'],
    properties: {
      dryRun: { type: 'boolean' },
      created: { type: 'integer' },
      updated: { type: 'integer' },
      unchanged: { type: 'integer' },
      schedules: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'action', 'source'],
          properties: {
            name: { type: 'string' },
            action: { enum: ['created', 'updated', 'unchanged'] },
            changedFields: {
              type: 'array',
              items: { type: 'string' },
              description: 'For updated: the top-level fields whose value changed',
            },
            source: {
              type: 'object',
              properties: { file: { type: 'string' }, path: { type: 'string' }, line: { type: 'integer' } },
            },
            status: { enum: ['Active', 'Disabled'] },
            nextRun: instant,
          },
        },
      },
      warnings: {
        type: 'array',
        items: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string' },
            message: { type: 'string' },
            field: { type: 'string' },
            source: { type: 'string' },
            line: { type: 'integer' },
          },
        },
      },
    },
  },
  ScheduleDefinitions: {
    description:
      'Schedule definitions in the SDK v1 field names (docs/schedules.md; JSON Schema in src/schedules/schedule.schema.json): one schedule object, a list of them, `{schedules: [...]}`, or (YAML) a v1 `Schedule:` mapping with `name:` and a pipeline added.',
    type: ['object', 'array'],
  },
} satisfies Record<string, Json>;

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
        description:
          'Targets and their defaults, each with its status (`Active` / `Disabled`, who changed it, when, why) and the schedules that submit to it (name, status), as `PublishedPipeline.list()` shows `status`. Values that come from app settings are shown as `%SETTING%`, never resolved.',
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
    '/api/pipelines/{target}/disable': {
      post: {
        operationId: 'disablePipelineTarget',
        summary: 'Disable a pipeline target (master key), as PublishedPipeline.disable()',
        description:
          'HTTP submissions to it are then refused (409 `target.disabled`, nothing sent to Azure ML) and its schedules do not fire: time schedules record each occurrence as skipped with the reason, reactive schedules ignore blobs with the reason; nothing is replayed when it is enabled. ' +
          "Refused (409 `target.schedules.active`, naming them) while schedules of the target are active, as SDK v1 requires, unless `withSchedules=true`, which disables each and lists them. With `inAzureMl=true` the published pipeline's own status is set in Azure ML first (PUT .../pipelines/{id}/status); a 404 or 403 there changes nothing else and is answered with its reason.",
        security: masterKey,
        parameters: [targetName, withSchedulesParam, inAzureMlParam, reasonParam, byParam],
        responses: {
          '200': { description: 'Its status now', content: jsonOf('TargetStatusChange') },
          '400': problemRef,
          '401': hostAnswers401,
          '403': problemRef,
          '404': problemRef,
          '409': problemRef,
          '500': problemRef,
          '502': problemRef,
          '503': storageDown,
        },
      },
    },
    '/api/pipelines/{target}/enable': {
      post: {
        operationId: 'enablePipelineTarget',
        summary: 'Enable a pipeline target (master key), as PublishedPipeline.enable()',
        description:
          "Submissions are accepted again and its schedules fire from their next occurrence (none is replayed). Its schedules are not enabled with it: `schedulesStillDisabled` lists those that stay disabled. With `inAzureMl=true` the published pipeline's own status is set to Active in Azure ML first.",
        security: masterKey,
        parameters: [targetName, inAzureMlParam, reasonParam, byParam],
        responses: {
          '200': { description: 'Its status now', content: jsonOf('TargetStatusChange') },
          '400': problemRef,
          '401': hostAnswers401,
          '403': problemRef,
          '404': problemRef,
          '500': problemRef,
          '502': problemRef,
          '503': storageDown,
        },
      },
    },
    '/api/pipelines/{target}/runs': {
      post: {
        operationId: 'submitPipelineRun',
        summary: 'Submit a run of a configured pipeline target',
        description: `Merges the body over the target's defaults and submits it to Azure ML. The body is at most ${MAX_BODY_BYTES} bytes. Nothing is submitted unless the whole request is valid. The app retries only what certainly created no run (throttling, no connection). Every run carries a submission key (run property and tag \`aml_triggers_key\`); when Azure ML's answer is lost after the request reached it, the app never resends: it looks the run up by that key and answers 202 with \`reconciled: true\` when found, else 502 \`aml.submission.outcome_unknown\`. Do not let a caller (Logic Apps, Data Factory) retry that 502 automatically: look for the run with property aml_triggers_key=<submissionKey> first.`,
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Your id for this request (1-64 characters of A-Z, a-z, 0-9, "_", "-"); the run\'s submission key is derived from it and the target. When absent, x-ms-client-request-id is used if valid, else a new id.',
            schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          },
          {
            name: 'x-ms-client-request-id',
            in: 'header',
            required: false,
            description: 'Used like Idempotency-Key when that header is absent (Logic Apps sends one per request).',
            schema: { type: 'string' },
          },
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
                defaults: { summary: "Run with the target's defaults", value: {} },
                full: {
                  summary: 'Override parameters and a DataPath',
                  value: {
                    ExperimentName: 'nightly-retrain',
                    ParameterAssignments: { epochs: 10, learning_rate: 0.01, full_refresh: true },
                    DataPathAssignments: {
                      input_data: { DataStoreName: 'workspaceblobstore', RelativePath: 'landing/2026-11-24/' },
                    },
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
          '409': {
            description:
              '`target.disabled`: the target is disabled (who, when, why and how to enable it are in the detail); nothing was sent to Azure ML',
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
          '413': problemRef,
          '415': problemRef,
          '500': problemRef,
          '502': {
            description:
              'Azure ML refused the app (identity, rights, pipeline id), or `aml.submission.outcome_unknown`: the request may have started a run that could not be found by its key. For the latter the problem also has `outcome: "unknown"`, `submissionKey`, `experimentName` and `lookup`; do not resend: look in the experiment for a run with property aml_triggers_key=<submissionKey>.',
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
          '503': {
            description:
              "Azure ML is throttling or could not be reached (after the app's own retries; no run was created); try again later",
            headers: { 'Retry-After': amlRetryAfter },
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
          '504': {
            description: "The app's submit deadline ended its retries of attempts that created no run; try again later",
            headers: { 'Retry-After': amlRetryAfter },
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
        },
      },
    },
    '/api/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI document',
        responses: {
          '200': {
            description: 'OpenAPI 3.1 document',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
          '401': { description: 'Missing or wrong function key (answered by the Functions host, no body)' },
        },
      },
    },
    ...schedulePaths,
    '/api/health': {
      get: {
        operationId: 'getHealth',
        summary: 'Health of the app and its dependencies (anonymous)',
        description:
          'Configuration valid, storage reachable, a token obtainable for Azure ML and ARM, the schedule timer ticking, and the failed submissions and unknown outcomes of the last 24 h. No key needed and no secret in the answer. docs/operations.md, Health.',
        security: [],
        responses: {
          '200': {
            description: 'Every check passed',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthReport' } } },
          },
          '503': {
            description: 'At least one check failed (see checks.<name>.code and message)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthReport' } } },
          },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      functionKeyHeader: {
        type: 'apiKey',
        in: 'header',
        name: 'x-functions-key',
        description: 'A function or host key of the Function App',
      },
      functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code', description: 'The same key as a query parameter' },
      masterKeyHeader: {
        type: 'apiKey',
        in: 'header',
        name: 'x-functions-key',
        description: "The host's master key (_master): operations that change schedules need it (authLevel admin)",
      },
      masterKeyQuery: { type: 'apiKey', in: 'query', name: 'code', description: 'The master key as a query parameter' },
    },
    responses: {
      Problem: {
        description: 'RFC 9457 problem details',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
    schemas: {
      RunRequest: requestSchema,
      ...scheduleSchemas,
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
        required: ['runId', 'experimentName', 'target', 'endpointUrl', 'attempts', 'submissionKey'],
        properties: {
          runId: { type: 'string', description: 'The new pipeline run id (Azure ML `Id`)' },
          submissionKey: {
            type: 'string',
            description: "The run's submission key: its property and tag `aml_triggers_key`",
          },
          reconciled: {
            type: 'boolean',
            const: true,
            description:
              "Present when Azure ML's answer was lost and the run was found afterwards by its submission key",
          },
          experimentName: { type: 'string' },
          target: { type: 'string' },
          endpointUrl: { type: 'string', format: 'uri', description: 'The Azure ML URL the run was submitted to' },
          attempts: { type: 'integer', minimum: 1, description: 'HTTP attempts it took (1 unless retried)' },
          studioUrl: {
            type: 'string',
            format: 'uri',
            description: 'The run in Azure ML studio, when the workspace is known',
          },
        },
      },
      TargetList: {
        type: 'object',
        required: ['targets'],
        properties: {
          targets: { type: 'array', items: { $ref: '#/components/schemas/Target' } },
          statusProblem: {
            type: 'object',
            description:
              "Present when the targets' statuses could not be read from the app's storage: the targets are listed without status",
            properties: { code: { type: 'string' }, message: { type: 'string' } },
          },
        },
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
            properties: {
              subscriptionId: { type: 'string' },
              resourceGroup: { type: 'string' },
              workspaceName: { type: 'string' },
            },
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
          v2: {
            type: 'object',
            description:
              'Azure ML v2 targets (docs/migration-v2.md): a pipeline job from a registered component, or a batch endpoint.',
            required: ['kind'],
            properties: {
              kind: { enum: ['pipeline_job', 'batch_endpoint'] },
              componentName: { type: 'string' },
              componentVersion: { type: 'string', description: 'A version, or latest' },
              displayName: { type: 'string' },
              settings: {
                type: 'object',
                properties: {
                  continueOnStepFailure: { type: 'boolean' },
                  defaultCompute: { type: 'string' },
                  defaultDatastore: { type: 'string' },
                },
              },
              endpointName: { type: 'string' },
              deployment: { type: 'string' },
            },
          },
          inputs: {
            type: 'object',
            description:
              "Azure ML v2 targets: declared inputs (a request's ParameterAssignments and DataPathAssignments fill them by name).",
            additionalProperties: {
              type: 'object',
              required: ['type'],
              properties: {
                type: { enum: ['uri_file', 'uri_folder', 'mltable', 'literal'] },
                uri: { type: 'string' },
                value: { type: 'string' },
                mode: { type: 'string' },
              },
            },
          },
          parameters: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
          dataPaths: { type: 'object', additionalProperties: { $ref: '#/components/schemas/DataPathAssignment' } },
          continueOnStepFailure: { type: 'boolean' },
          tags: { type: 'object', additionalProperties: { type: 'string' } },
          runsUrl: { type: 'string', description: 'Path to POST runs of this target to' },
          status: {
            enum: ['Active', 'Disabled'],
            description:
              "The target's run-time status: a Disabled target refuses submissions (409) and its schedules do not fire",
          },
          statusChange: {
            ...(targetStatusChangeSchema as Record<string, Json>),
            description: 'The last change of its status (absent: never changed)',
          },
          schedules: {
            type: 'array',
            description: 'The schedules that submit to this target',
            items: {
              type: 'object',
              required: ['name', 'status'],
              properties: { name: { type: 'string' }, status: { enum: ['Active', 'Disabled'] } },
            },
          },
        },
      },
      TargetStatusChange: {
        type: 'object',
        required: ['name', 'status', 'changed', 'statusChange', 'schedulesDisabled'],
        properties: {
          name: { type: 'string' },
          status: { enum: ['Active', 'Disabled'] },
          changed: { type: 'boolean', description: 'False when it already had that status (nothing was written)' },
          statusChange: targetStatusChangeSchema,
          schedulesDisabled: {
            type: 'array',
            items: { type: 'string' },
            description: 'Schedules this call disabled (withSchedules)',
          },
          schedulesStillDisabled: {
            type: 'array',
            items: { type: 'string' },
            description: 'Enable: its schedules that stay disabled',
          },
          azureMl: {
            type: 'object',
            description: 'inAzureMl: what was set in Azure ML',
            properties: {
              pipelineId: { type: 'string' },
              status: { enum: ['Active', 'Disabled'] },
              url: { type: 'string', format: 'uri' },
            },
          },
        },
      },
      HealthReport: {
        type: 'object',
        required: ['status', 'checkedAt', 'checks', 'last24h'],
        properties: {
          status: { enum: ['healthy', 'unhealthy'] },
          checkedAt: { type: 'string', format: 'date-time' },
          checks: {
            type: 'object',
            description:
              'configuration, storage, amlToken, armToken, timer: each { ok, code?, message? } plus its facts (timer: lastTickAt, ageSeconds, staleAfterSeconds; configuration: problems)',
            additionalProperties: {
              type: 'object',
              required: ['ok'],
              properties: { ok: { type: 'boolean' }, code: { type: 'string' }, message: { type: 'string' } },
            },
          },
          last24h: {
            type: 'object',
            required: ['since', 'failedSubmissions', 'unknownOutcomes'],
            properties: {
              since: { type: 'string', format: 'date-time' },
              failedSubmissions: { type: ['integer', 'null'] },
              unknownOutcomes: { type: ['integer', 'null'] },
              note: { type: 'string' },
            },
          },
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
          instance: {
            type: 'string',
            description: 'urn:uuid:<invocation id>, to find the call in the Function App log',
          },
          code: { type: 'string', description: 'Stable machine-readable code, e.g. request.field.type' },
          field: { type: 'string', description: 'The offending field, e.g. ParameterAssignments.epochs' },
          value: { description: 'The offending value, as sent' },
          errors: {
            type: 'array',
            description: 'Every problem found, when there are several',
            items: {
              type: 'object',
              required: ['code', 'detail'],
              properties: {
                code: { type: 'string' },
                detail: { type: 'string' },
                field: { type: 'string' },
                value: {},
              },
            },
          },
          outcome: {
            const: 'unknown',
            description: 'On aml.submission.outcome_unknown: a run may exist; never resend blindly',
          },
          submissionKey: {
            type: 'string',
            description:
              'On aml.submission.outcome_unknown: the run property and tag aml_triggers_key to look the run up by',
          },
          experimentName: {
            type: 'string',
            description: 'On aml.submission.outcome_unknown: the experiment to look in',
          },
          lookup: {
            enum: ['no_key', 'not_attempted', 'not_found', 'failed'],
            description: "On aml.submission.outcome_unknown: what the app's own look-up by the key gave",
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
