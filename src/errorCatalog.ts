/**
 * The error catalog: every code the app can report, defined once with what it means (`title`), the HTTP
 * status it answers with when it reaches an HTTP caller, and what to do (`hint`). Codes whose message is
 * the same wherever they are raised also carry the message itself (`message`, a template taking named
 * fields) and are built with `appError` (src/errors.ts); the others are built where the context that
 * their message names is (a file's line, an ajv keyword, Azure ML's answer), still with a catalog code.
 *
 * `AppError.code` is an `ErrorCode`, so TypeScript refuses a code that is not listed here;
 * test/errors/catalog.test.ts refuses code-like literals in src/ that are not listed either, and
 * `npm run errors` (scripts/errors.mjs) writes docs/errors.md, where every problem+json `type` links,
 * from this module.
 */
import { suggest } from './didYouMean';
import { showValue } from './showValue';

export interface CatalogEntry {
  /** HTTP status when this error reaches an HTTP caller (a raising site may say otherwise; see `statusNote`). */
  readonly status: number;
  /** What the code means, in one sentence. */
  readonly title: string;
  /** What to do about it. */
  readonly hint: string;
  /** When raising sites choose between statuses: which and when. */
  readonly statusNote?: string;
  /** Whether trying again later may succeed. */
  readonly transient?: boolean;
  /** The message, for codes raised from more than one place with the same sentence. */
  readonly message?: (fields: never) => string;
}

/** Families of codes, in page order, with what they are about and where the docs explain them. */
export const ERROR_FAMILIES = [
  {
    family: 'aml',
    about: 'Calling Azure ML: identity, workspace, pipeline, network, throttling.',
    doc: 'http.md#errors',
  },
  { family: 'config', about: 'The targets file (`AML_TARGETS_FILE`, default config/pipelines.yaml).', doc: 'http.md' },
  { family: 'target', about: 'The pipeline target named in a request.', doc: 'http.md#errors' },
  { family: 'request', about: 'An HTTP request: body, fields, query.', doc: 'http.md#errors' },
  {
    family: 'recurrence',
    about: 'A recurrence (frequency, interval, start_time, time_zone, hours, minutes, week_days, time_of_day).',
    doc: 'recurrence.md',
  },
  {
    family: 'schedule',
    about: 'Schedule files, applied definitions and schedule operations.',
    doc: 'schedules.md#errors-and-warnings',
  },
  { family: 'reactive', about: 'Reactive schedules: blob events, datastores, containers.', doc: 'reactive.md' },
  { family: 'storage', about: "The app's storage account (schedule state).", doc: 'operations.md' },
  { family: 'settings', about: 'App settings and local.settings.json.', doc: 'operations.md' },
  { family: 'cli', about: 'The `aml-triggers` command line.', doc: 'operations.md' },
  { family: 'health', about: 'The health endpoint (`GET /api/health`) and its checks.', doc: 'operations.md' },
  { family: 'arm', about: 'Azure Resource Manager, as the health endpoint checks it.', doc: 'operations.md' },
  {
    family: 'internal',
    about: 'A fault of the app itself (a bug): the message says what failed; please report it.',
    doc: '../README.md',
  },
] as const;

const AML = {
  'aml.bad_request': {
    status: 400,
    title: 'Azure ML refused the submitted body as invalid (HTTP 400/422).',
    hint: "Check the parameter names and values against the pipeline's parameters, and the data path assignments (datastore name and relative path).",
  },
  'aml.bad_response': {
    status: 502,
    title: 'Azure ML accepted a submission but its answer has no run id: a run may exist.',
    hint: "Check that the target's endpoint URL is a pipeline submit URL; look for the run before submitting again.",
  },
  'aml.cancelled': {
    status: 503,
    title: 'The submission was cancelled before Azure ML answered.',
    hint: 'If the message says the request had been sent, look for the run before submitting again; otherwise submit again.',
  },
  'aml.credential': {
    status: 502,
    title: 'No access token could be obtained for Azure ML or Azure Resource Manager.',
    hint: 'In Azure, enable the Function App\'s managed identity (and set AML_MANAGED_IDENTITY_CLIENT_ID for a user-assigned one); locally, sign in with "az login".',
  },
  'aml.deadline_exceeded': {
    status: 504,
    transient: true,
    title: 'The submission deadline passed before Azure ML accepted the submission; nothing was created.',
    hint: 'Try again later; the message names the last problem met.',
  },
  'aml.endpoint.insecure': {
    status: 500,
    title: 'A target endpoint URL uses http for a host that is not loopback.',
    hint: 'Use the https URL shown for the pipeline in Azure ML studio.',
  },
  'aml.endpoint.invalid': {
    status: 500,
    title: 'A target endpoint URL is not an absolute URL.',
    hint: 'Give the full submit URL shown for the pipeline in Azure ML studio (https://<region>.api.azureml.ms/pipelines/v1.0/...).',
  },
  'aml.forbidden': {
    status: 502,
    title: "The app's identity lacks the right to submit the pipeline (HTTP 403).",
    hint: 'Assign it the AzureML Data Scientist role (or a custom role with the pipeline run actions) on the workspace.',
  },
  'aml.lookup.failed': {
    status: 502,
    title: 'Runs could not be looked up in Azure ML run history.',
    hint: 'Try again later; until then the run stays shown as unknown and is not resubmitted.',
  },
  'aml.lookup.forbidden': {
    status: 502,
    title: "The app's identity may not read the workspace's runs (HTTP 401/403).",
    hint: 'Give it read access to the workspace runs (the AzureML Data Scientist role includes it).',
  },
  'aml.network': {
    status: 502,
    statusNote: '502 when the request had been sent (a run may exist), 503 when nothing was sent.',
    title: 'The connection to Azure ML failed.',
    hint: "Check the endpoint host, DNS and network rules (private endpoints need the app in the workspace's virtual network); if the request had been sent, look for the run first.",
  },
  'aml.pipeline_not_found': {
    status: 502,
    title: "Azure ML has no active pipeline with the target's id (HTTP 404).",
    hint: "Check the target's pipeline id (or endpoint name and version) and workspace, and that the published pipeline is enabled.",
  },
  'aml.pipeline_status.not_found': {
    status: 404,
    title: "Azure ML has no such published pipeline, so its status was not set; the app's own status is unchanged.",
    hint: "Check the target's pipeline id and workspace, or leave out --in-azure-ml / inAzureMl.",
  },
  'aml.pipeline_status.forbidden': {
    status: 403,
    title:
      "The app's identity may not change the published pipeline's status in Azure ML; the app's own status is unchanged.",
    hint: 'Give the identity a role that may change published pipelines on the workspace (e.g. AzureML Data Scientist), or leave out --in-azure-ml / inAzureMl.',
  },
  'aml.pipeline_status.failed': {
    status: 502,
    title: "Setting the published pipeline's status in Azure ML failed; the app's own status is unchanged.",
    hint: 'Try again, or leave out --in-azure-ml / inAzureMl.',
  },
  'aml.pipeline_status.not_published': {
    status: 400,
    title: 'The target does not name a published pipeline, so its status in Azure ML cannot be set.',
    hint: 'Leave out --in-azure-ml / inAzureMl (pipeline endpoints have their own status).',
  },
  'aml.pipeline_status.unavailable': {
    status: 500,
    title: "No Azure ML client is available to set the published pipeline's status.",
    hint: "Leave out --in-azure-ml / inAzureMl, or run where the app's Azure ML settings are.",
  },
  'aml.refused': {
    status: 502,
    title: 'Azure ML refused the submission with an unexpected 4xx status; nothing was created.',
    hint: "Check the target's endpoint URL.",
  },
  'aml.server_error': {
    status: 502,
    title: 'Azure ML (or a gateway in front of it) answered 5xx: whether a run was started is unknown.',
    hint: 'Look for the run before submitting again.',
  },
  'aml.settings.invalid': {
    status: 500,
    title: 'Several Azure ML client settings are invalid.',
    hint: 'Fix each setting the message lists and restart the app.',
  },
  'aml.settings.invalid_ca': {
    status: 500,
    title: 'AML_EXTRA_CA_CERTS does not name a readable PEM certificate file.',
    hint: 'Point it to a PEM file deployed with the app, or remove it.',
  },
  'aml.settings.invalid_credential': {
    status: 500,
    title: 'AML_CREDENTIAL is not managedidentity, cli or default.',
    hint: 'Set one of those values, or remove the setting.',
  },
  'aml.settings.invalid_number': {
    status: 500,
    title: 'A numeric Azure ML client setting is not a whole number in its range.',
    hint: 'Set a whole number in the range the message gives, or remove the setting.',
  },
  'aml.settings.invalid_url': {
    status: 500,
    title: 'An Azure ML endpoint setting is not an absolute https URL.',
    hint: 'Set an absolute https URL, or remove the setting.',
  },
  'aml.submission.invalid_key': {
    status: 500,
    title: 'A submission key is not 1-64 characters of A-Z, a-z, 0-9, "_" or "-".',
    hint: 'A bug: keys are derived with submissionKey(); please report it.',
  },
  'aml.submission.outcome_unknown': {
    status: 502,
    title: 'Azure ML may or may not have started a run, and it could not be found.',
    hint: 'Do not resend blindly: look for a run with property aml_triggers_key=<key> in the experiment the message names, and submit again only if there is none.',
  },
  'aml.settings.invalid_api_version': {
    status: 500,
    title: 'AML_V2_API_VERSION is not an api-version (YYYY-MM-DD, optionally -preview).',
    hint: 'Set an api-version such as 2025-09-01, or remove the setting.',
  },
  'aml.v1.inputs_unsupported': {
    status: 400,
    title: 'A request gives Inputs (Azure ML v2 terms) to a v1 published pipeline.',
    hint: 'Send ParameterAssignments and DataPathAssignments, or point the request at a pipeline_job / batch_endpoint target.',
  },
  'aml.v2.input_unmapped': {
    status: 400,
    title: 'What a request or schedule passes cannot be mapped onto the inputs of an Azure ML v2 target.',
    hint: 'Declare the input in the target (type uri_file or uri_folder for a DataPath), or pass it with its declared type; see docs/migration-v2.md.',
  },
  'aml.v2.component_lookup_failed': {
    status: 502,
    statusNote: '503 when transient (throttling, 5xx, network), else 502.',
    title: 'The latest version of a pipeline component could not be read from Azure Resource Manager.',
    hint: "Try again later when transient; otherwise check the app identity's read access to the workspace, or give pipeline_job.component_version.",
  },
  'aml.v2.component_not_found': {
    status: 502,
    title: "The workspace has no registered pipeline component of the target's name.",
    hint: 'Register the component (az ml component create) or correct pipeline_job.component_name.',
  },
  'aml.v2.endpoint_lookup_failed': {
    status: 502,
    statusNote: '503 when transient (throttling, 5xx, network), else 502.',
    title: 'A batch endpoint could not be read from Azure Resource Manager (its scoring URI).',
    hint: "Try again later when transient; otherwise check the app identity's read access to the workspace.",
  },
  'aml.v2.endpoint_not_found': {
    status: 502,
    title: "The workspace has no batch endpoint of the target's name, or it has no scoring URI yet.",
    hint: 'Create the endpoint (az ml batch-endpoint create) or correct batch_endpoint.endpoint_name.',
  },
  'aml.target.incomplete': {
    status: 500,
    title: 'A target gives neither an endpoint URL nor a workspace and pipeline id.',
    hint: 'Add endpoint_url, or workspace and pipeline_id, to the target.',
  },
  'aml.token': {
    status: 503,
    title: 'The health check could not get an access token for Azure ML.',
    hint: 'In Azure, enable the Function App\'s managed identity (AML_MANAGED_IDENTITY_CLIENT_ID for a user-assigned one); locally, sign in with "az login".',
  },
  'aml.throttled': {
    status: 503,
    transient: true,
    title: 'Azure ML throttled submissions (HTTP 429).',
    hint: 'Try again after the Retry-After the answer gives, or submit less often.',
  },
  'aml.timeout': {
    status: 504,
    title: 'Azure ML did not answer in time.',
    hint: 'If the request had been sent, look for the run before submitting again; otherwise check the endpoint host and network rules.',
  },
  'aml.unauthorized': {
    status: 502,
    title: "Azure ML did not accept the app's access token (HTTP 401).",
    hint: "Check AML_TOKEN_AUDIENCE (the Azure Resource Manager audience) and that the app's identity belongs to the workspace's tenant.",
  },
  'aml.unavailable': {
    status: 503,
    transient: true,
    title: 'Azure ML timed out reading the submission (HTTP 408).',
    hint: "Try again later; if it persists, check the Azure ML service health for the workspace's region.",
  },
  'aml.unexpected_status': {
    status: 502,
    title: 'Azure ML answered an unexpected status: whether a run was started is unknown.',
    hint: "Check the target's endpoint URL; look for the run before submitting again.",
  },
  'aml.workspace_forbidden': {
    status: 502,
    title: "The app's identity may not read the workspace in Azure Resource Manager.",
    hint: 'Give it a role that can read the workspace (AzureML Data Scientist or Reader), or give the target an endpoint_url.',
  },
  'aml.workspace_lookup_failed': {
    status: 502,
    statusNote: '503 when transient (throttling, 5xx, network), else 502.',
    title: 'The workspace could not be looked up in Azure Resource Manager.',
    hint: 'Try again later when transient; otherwise check AML_ARM_ENDPOINT, or give the target an endpoint_url.',
  },
  'aml.workspace_not_found': {
    status: 502,
    title: 'Azure Resource Manager has no such workspace (HTTP 404).',
    hint: "Check the target's subscription_id, resource_group and workspace_name.",
  },
} as const satisfies Record<`aml.${string}`, CatalogEntry>;

const CONFIG = {
  'config.duplicate_key': {
    status: 500,
    title: 'A key appears twice in the same mapping of the targets file.',
    hint: 'Remove one of them and restart the app.',
  },
  'config.field.format': {
    status: 500,
    title: 'A field of the targets file does not have the required format.',
    hint: 'Write the value in the format the message names.',
  },
  'config.field.invalid': {
    status: 500,
    title: 'A field of the targets file is invalid.',
    hint: 'Correct the value as the message says.',
  },
  'config.field.required': {
    status: 500,
    title: 'A required field of the targets file is missing.',
    hint: 'Add the field.',
  },
  'config.field.type': {
    status: 500,
    title: 'A field of the targets file has the wrong type.',
    hint: 'Write a value of the type the message names.',
  },
  'config.field.unknown': {
    status: 500,
    title: 'The targets file has a field the app does not know.',
    hint: 'Fix the spelling (the message suggests the nearest name) or remove it.',
  },
  'config.file.format': {
    status: 500,
    title: 'The targets file does not end in .yaml, .yml or .json.',
    hint: 'Rename the file, or point AML_TARGETS_FILE to one that does.',
  },
  'config.file.missing': {
    status: 500,
    title: 'AML_TARGETS_FILE names a file that does not exist.',
    hint: 'Deploy the file with the app or correct the setting.',
  },
  'config.file.unreadable': {
    status: 500,
    title: 'The targets file cannot be read.',
    hint: 'Check the file exists and is readable by the app.',
  },
  'config.invalid': {
    status: 500,
    title: 'The targets file has several problems (listed in `errors`).',
    hint: 'Fix each listed problem and restart the app.',
  },
  'config.setting.missing': {
    status: 500,
    title: 'A `%SETTING%` reference in the targets file names an app setting that is not set.',
    hint: 'Add the setting to the Function App (local.settings.json "Values" locally) or write the value in the file.',
  },
  'config.syntax': {
    status: 500,
    title: 'The targets file is not valid YAML or JSON.',
    hint: 'Fix the syntax at the line the message gives and restart the app.',
  },
  'config.target.name': {
    status: 500,
    title: 'A target name in the targets file is not valid.',
    hint: 'Use letters, digits, "_", "." and "-", starting with a letter or digit.',
  },
  'config.target.pipeline_ref': {
    status: 500,
    title: 'A target does not name its pipeline in exactly one way.',
    hint: 'Give exactly one of endpoint_url, pipeline_id, or pipeline_endpoint_id / pipeline_endpoint_name (with optional pipeline_version), or for Azure ML v2 pipeline_job / batch_endpoint.',
  },
  'config.target.v1_only': {
    status: 500,
    title: 'An Azure ML v2 target (pipeline_job, batch_endpoint) has a field only v1 pipelines take.',
    hint: 'Give v2 targets their data as inputs: {<name>: {type: uri_folder, path: azureml://datastores/<ds>/paths/<path>}}; remove the field.',
  },
  'config.target.v2_only': {
    status: 500,
    title: 'A v1 target has a field only Azure ML v2 targets take (inputs).',
    hint: 'Use parameters and data_paths for a v1 pipeline, or make the target a pipeline_job / batch_endpoint.',
  },
  'config.target.input': {
    status: 500,
    title:
      'A v2 target input is inconsistent (a literal with a path, a uri input with a value, an input also set in parameters).',
    hint: 'uri_file / uri_folder / mltable inputs take path (and mode), mltable only on pipeline_job targets; literal inputs take value; give each input once.',
  },
  'config.target.workspace_missing': {
    status: 500,
    title: 'A target does not say which workspace its pipeline is in.',
    hint: 'Add workspace {subscription_id, resource_group, workspace_name}, give endpoint_url, or set the default workspace app settings.',
  },
  'config.unavailable': {
    status: 500,
    title: 'The targets configuration is unusable, so nothing can be submitted.',
    hint: 'Fix the targets file (the message says what is wrong; `aml-triggers check-targets` checks it) and restart the app.',
  },
} as const satisfies Record<`config.${string}`, CatalogEntry>;

const TARGET = {
  'target.unknown': {
    status: 404,
    title: 'No target with this name is configured.',
    hint: 'Use one of the configured targets the message lists, or add it to the targets file.',
    message: (f: { name: string; configured: readonly string[] }) =>
      f.configured.length === 0
        ? `No target named ${JSON.stringify(f.name)}: no targets are configured, so nothing can be submitted. Add it to the targets file.`
        : `No target named ${JSON.stringify(f.name)} is configured; the configured targets are ${f.configured.join(', ')}. The app only submits to pipelines named in its targets file.`,
  },
  'target.disabled': {
    status: 409,
    title:
      'The target is disabled (PublishedPipeline.disable()): nothing is submitted to it and its schedules do not fire.',
    hint: 'Enable it with `aml-triggers targets enable <target>` or POST /api/pipelines/{target}/enable (master key); the message says who disabled it, when and why.',
  },
  'target.schedules.active': {
    status: 409,
    title:
      'The target still has active schedules, so it is not disabled (as SDK v1 requires the schedules to be disabled first).',
    hint: 'Disable the schedules the message names, or ask to disable them too: --with-schedules / ?withSchedules=true.',
  },
  'target.status.contended': {
    status: 409,
    transient: true,
    title: "The targets' status blob kept changing while a status was being set.",
    hint: 'Try again.',
  },
  'target.status.unreadable': {
    status: 500,
    title: "The targets' status blob (targets/status.json) cannot be read; no target fires until it is fixed.",
    hint: "Fix or delete the blob, or set each target's status again with aml-triggers targets enable|disable.",
  },
} as const satisfies Record<`target.${string}`, CatalogEntry>;

const REQUEST = {
  'request.body.empty': {
    status: 400,
    title: 'The request body is empty where content is required.',
    hint: 'Send a schedule, a list of schedules, {schedules: [...]} or a v1 `Schedule:` document.',
  },
  'request.body.encoding': {
    status: 400,
    title: 'The request body is not valid UTF-8 text.',
    hint: 'Send JSON encoded as UTF-8.',
  },
  'request.body.not_object': {
    status: 400,
    title: 'The request body is not a JSON object.',
    hint: 'Send a JSON object such as {"ParameterAssignments": {...}}.',
  },
  'request.body.too_large': {
    status: 413,
    title: 'The request body is larger than 1 MiB.',
    hint: 'Send only the submission fields.',
  },
  'request.content_type.unsupported': {
    status: 415,
    title: 'The request Content-Type is not accepted.',
    hint: 'Send application/json (or, for schedules, application/yaml), UTF-8.',
    /** `send`: what to send instead, e.g. "the body as application/json". */
    message: (f: { header: string | null; send: string }) =>
      `Content-Type ${f.header === null ? '(none)' : JSON.stringify(f.header)} is not accepted: send ${f.send} (UTF-8).`,
  },
  'request.field.invalid': {
    status: 400,
    title: 'A request field has an invalid value.',
    hint: 'Correct the value as the message says.',
  },
  'request.field.out_of_range': {
    status: 400,
    title: 'A numeric request field or option is out of range.',
    hint: 'Give a whole number in the range the message gives.',
    message: (f: { field: string; value: unknown; max: number }) =>
      `${f.field} is ${showValue(f.value)}; give a whole number from 1 to ${f.max}.`,
  },
  'request.field.required': { status: 400, title: 'A required request field is missing.', hint: 'Add the field.' },
  'request.field.reserved_name': {
    status: 400,
    title: 'A request sets a tag the app sets itself (the submission key).',
    hint: 'Remove it from Tags and send an Idempotency-Key or x-ms-client-request-id header instead.',
  },
  'request.field.type': {
    status: 400,
    title: 'A request field has the wrong type.',
    hint: 'Send a value of the type the message names.',
  },
  'request.field.unknown': {
    status: 400,
    title: 'The request has a field the app does not know.',
    hint: 'Fix the spelling (the message suggests the nearest name) or remove it.',
  },
  'request.header.invalid': {
    status: 400,
    title: 'A request header is invalid.',
    hint: 'Send the header as the message says, or leave it out.',
  },
  'request.invalid': {
    status: 400,
    title: 'The request has several problems (listed in `errors`).',
    hint: 'Fix each listed problem.',
  },
  'request.json.malformed': {
    status: 400,
    title: 'The request body is not valid JSON.',
    hint: 'Fix the JSON at the position the message gives.',
  },
  'request.query.invalid': {
    status: 400,
    title: 'A query parameter has an invalid value.',
    hint: 'Use a value the message lists.',
  },
} as const satisfies Record<`request.${string}`, CatalogEntry>;

/** The recurrence engine's codes; a schedule file reports each as `schedule.<code>` too. */
const RECURRENCE = {
  'recurrence.created_at.invalid': {
    status: 400,
    title: 'The creation time used as the default start is not a valid date.',
    hint: 'Give start_time.',
  },
  'recurrence.frequency.invalid': {
    status: 400,
    title: 'frequency is not Minute, Hour, Day, Week or Month.',
    hint: 'Use one of those (the message suggests the nearest).',
  },
  'recurrence.frequency.missing': {
    status: 400,
    title: 'frequency is missing.',
    hint: 'Give one of Minute, Hour, Day, Week, Month.',
  },
  'recurrence.hours.empty': {
    status: 400,
    title: 'hours is an empty list.',
    hint: 'List at least one hour, or leave hours out.',
  },
  'recurrence.hours.invalid_type': {
    status: 400,
    title: 'hours is not a list.',
    hint: 'Write a list of whole numbers, e.g. [9, 17].',
  },
  'recurrence.hours.not_allowed': {
    status: 400,
    title: 'hours is given with a frequency other than Day or Week.',
    hint: 'Remove it or change the frequency.',
  },
  'recurrence.hours.not_integer': {
    status: 400,
    title: 'An hour is not a whole number.',
    hint: 'Use whole numbers from 0 to 23.',
  },
  'recurrence.hours.out_of_range': {
    status: 400,
    title: 'An hour is outside 0-23.',
    hint: 'Use whole numbers from 0 to 23.',
  },
  'recurrence.interval.missing': {
    status: 400,
    title: 'interval is missing.',
    hint: 'Give a whole number of at least 1.',
  },
  'recurrence.interval.not_integer': {
    status: 400,
    title: 'interval is not a whole number.',
    hint: 'Give a whole number (JSON number) of at least 1.',
  },
  'recurrence.interval.out_of_range': {
    status: 400,
    title: 'interval is outside the range its frequency allows.',
    hint: 'Give a whole number in the range the message gives.',
  },
  'recurrence.invalid': {
    status: 400,
    title: 'The recurrence has several problems (listed in `errors`).',
    hint: 'Fix each listed problem.',
  },
  'recurrence.json.malformed': {
    status: 400,
    title: 'The recurrence text is not valid JSON.',
    hint: 'Write it in the SDK\'s field names, e.g. {"frequency": "Day", "interval": 1}.',
  },
  'recurrence.minutes.empty': {
    status: 400,
    title: 'minutes is an empty list.',
    hint: 'List at least one minute, or leave minutes out.',
  },
  'recurrence.minutes.invalid_type': {
    status: 400,
    title: 'minutes is not a list.',
    hint: 'Write a list of whole numbers, e.g. [0, 30].',
  },
  'recurrence.minutes.not_allowed': {
    status: 400,
    title: 'minutes is given with a frequency other than Day or Week.',
    hint: 'Remove it or change the frequency.',
  },
  'recurrence.minutes.not_integer': {
    status: 400,
    title: 'A minute is not a whole number.',
    hint: 'Use whole numbers from 0 to 59.',
  },
  'recurrence.minutes.out_of_range': {
    status: 400,
    title: 'A minute is outside 0-59.',
    hint: 'Use whole numbers from 0 to 59.',
  },
  'recurrence.not_object': {
    status: 400,
    title: 'The recurrence is not an object.',
    hint: 'Write an object with "frequency" and "interval" (and optionally start_time, time_zone, hours, minutes, week_days, time_of_day).',
  },
  'recurrence.start_time.invalid_date': {
    status: 400,
    title: 'start_time is not a real date and time.',
    hint: 'Check the month, day, hour, minute and second.',
  },
  'recurrence.start_time.invalid_format': {
    status: 400,
    title: 'start_time is not written as YYYY-MM-DDThh:mm:ss.',
    hint: 'Write it as YYYY-MM-DDThh:mm:ss (optionally with Z or a UTC offset).',
  },
  'recurrence.start_time.invalid_offset': {
    status: 400,
    title: "start_time's UTC offset is outside -18:00 to +18:00.",
    hint: 'Fix the offset, or write the time zone in time_zone instead.',
  },
  'recurrence.start_time.missing': {
    status: 400,
    title: 'start_time is missing and no creation time is known.',
    hint: 'Give start_time as YYYY-MM-DDThh:mm:ss.',
  },
  'recurrence.start_time.out_of_range': {
    status: 400,
    title: "start_time's year is out of range.",
    hint: 'Use a year in the range the message gives.',
  },
  'recurrence.time_of_day.conflict': {
    status: 400,
    title: 'time_of_day is given together with hours or minutes.',
    hint: 'Give either time_of_day or hours/minutes.',
  },
  'recurrence.time_of_day.invalid_format': {
    status: 400,
    title: 'time_of_day is not hh:mm.',
    hint: 'Write it as hh:mm (24-hour).',
  },
  'recurrence.time_of_day.not_allowed': {
    status: 400,
    title: 'time_of_day is given with a frequency other than Day or Week.',
    hint: 'Remove it or change the frequency.',
  },
  'recurrence.time_zone.invalid_type': {
    status: 400,
    title: 'time_zone is not a string.',
    hint: 'Give a time zone name such as "Pacific Standard Time" or "Europe/Berlin".',
  },
  'recurrence.time_zone.unknown': {
    status: 400,
    title: 'time_zone is neither a Windows nor an IANA time zone name.',
    hint: 'Check the spelling (e.g. "W. Europe Standard Time" or "Europe/Berlin").',
  },
  'recurrence.unknown_field': {
    status: 400,
    title: 'The recurrence has a field the SDK does not have.',
    hint: "Fix the spelling (the message suggests the nearest name) or remove it; use the SDK's names.",
  },
  'recurrence.week_days.empty': {
    status: 400,
    title: 'week_days is an empty list.',
    hint: 'List at least one day (Monday to Sunday), or leave week_days out.',
  },
  'recurrence.week_days.invalid_type': {
    status: 400,
    title: 'week_days is not a list of day names.',
    hint: 'Write a list such as ["Monday", "Friday"].',
  },
  'recurrence.week_days.not_allowed': {
    status: 400,
    title: 'week_days is given with a frequency other than Week.',
    hint: 'Remove it or use frequency Week.',
  },
  'recurrence.week_days.unknown_day': {
    status: 400,
    title: 'A week day is not a day name.',
    hint: 'Use Monday, Tuesday, Wednesday, Thursday, Friday, Saturday or Sunday (the message suggests the nearest).',
  },
} as const satisfies Record<`recurrence.${string}`, CatalogEntry>;

const SCHEDULE = {
  'schedule.applied.invalid': {
    status: 500,
    title: 'An applied schedule definition no longer loads.',
    hint: 'Apply a corrected definition with the same name, or delete the schedule.',
  },
  'schedule.applied.missing': {
    status: 500,
    title: 'The blob holding an applied schedule definition is missing.',
    hint: 'Apply the definition again, or delete the schedule.',
  },
  'schedule.apply.conflict': {
    status: 409,
    title: "An applied schedule has the name of a schedule in the app's schedule files.",
    hint: 'Edit the file and deploy, or choose another name.',
  },
  'schedule.apply.empty': {
    status: 400,
    title: 'The applied files hold no schedule.',
    hint: 'Send at least one schedule definition.',
  },
  'schedule.apply.incomplete': {
    status: 503,
    statusNote: '503 when a failure may pass (storage failing), 409 when a stored blob must be fixed or deleted first.',
    title:
      'The definitions were stored, but some schedules could not be brought into effect (no state, no next run); each is listed in `errors` with what failed.',
    hint: 'Apply the same files (send the same request) again: only what is not in place yet is synced. Fix or delete an unreadable state blob first.',
  },
  'schedule.apply.rejected': {
    status: 400,
    statusNote: '409 when one of the problems is a conflict, else 400.',
    title: 'Applying was refused; the problems are listed in `errors`. Nothing was changed.',
    hint: 'Fix each listed problem and apply again.',
  },
  'schedule.claim.invalid_id': {
    status: 500,
    title: 'An occurrence id cannot name a claim.',
    hint: 'Use letters, digits and "_.=-" (at most 200), or pass the occurrence instant.',
  },
  'schedule.clock.skew': {
    status: 500,
    title: "The app's clock differs from the storage service's clock.",
    hint: 'Occurrences are timed by the storage clock meanwhile; check the host clock if it persists.',
  },
  'schedule.clock.unverified': {
    status: 500,
    title: "The app's clock could not be compared with the storage service's clock.",
    hint: 'Check the storage account is reachable; the tick tries again next time.',
  },
  'schedule.container.invalid': {
    status: 400,
    title: 'container is not a valid blob container name.',
    hint: 'Use 3-63 lowercase letters, digits and single hyphens.',
  },
  'schedule.data_path_parameter_name.conflict': {
    status: 400,
    title: 'data_path_parameter_name names a parameter that pipeline_parameters also sets.',
    hint: "Remove it from pipeline_parameters: the arriving blob's path fills it.",
  },
  'schedule.definition.missing': {
    status: 409,
    title: 'The schedule has a state but no definition any more.',
    hint: 'Apply a definition with this name, or delete it.',
  },
  'schedule.definition.unavailable': {
    status: 409,
    title: 'The schedule is defined in schedule files this process cannot read.',
    hint: 'Run the command in the app folder (or set SCHEDULES_PATH), or use the HTTP API of the deployed app.',
  },
  'schedule.definitions.contended': {
    status: 409,
    transient: true,
    title: 'The applied schedule definitions kept changing while a change was being saved.',
    hint: 'Try again.',
  },
  'schedule.definitions.unreadable': {
    status: 409,
    title: 'The index of applied schedule definitions cannot be read, so it cannot be changed.',
    hint: 'Restore it from a backup, or delete it and apply every applied definition again.',
  },
  'schedule.experiment_name.required': {
    status: 400,
    title: 'experiment_name is missing on a schedule that names a pipeline id directly.',
    hint: 'Set experiment_name.',
  },
  'schedule.field.empty': {
    status: 400,
    title: 'A schedule field is empty.',
    hint: 'Give a value or leave the field out.',
  },
  'schedule.field.enum': {
    status: 400,
    title: 'A schedule field is not one of its allowed values.',
    hint: 'Use one of the values the message lists (it suggests the nearest).',
  },
  'schedule.field.invalid': {
    status: 400,
    title: 'A schedule field is invalid.',
    hint: 'Correct the value as the message says.',
  },
  'schedule.field.out_of_range': {
    status: 400,
    title: 'A numeric schedule field is out of range.',
    hint: 'Give a number in the range the message gives.',
  },
  'schedule.field.pattern': {
    status: 400,
    title: 'A schedule field does not have the required form.',
    hint: 'Write the value in the form the message gives.',
  },
  'schedule.field.required': { status: 400, title: 'A required schedule field is missing.', hint: 'Add the field.' },
  'schedule.field.too_long': {
    status: 400,
    title: 'A schedule field is too long.',
    hint: 'Shorten it to the length the message gives.',
  },
  'schedule.field.type': {
    status: 400,
    title: 'A schedule field has the wrong type.',
    hint: 'Write a value of the type the message names.',
  },
  'schedule.field.unknown': {
    status: 400,
    title: 'A schedule has a field the app does not know.',
    hint: 'Fix the spelling (the message suggests the nearest name) or remove it (docs/schedules.md lists the fields).',
  },
  'schedule.file.duplicate_key': {
    status: 400,
    title: 'A key appears twice in the same mapping of a schedule file.',
    hint: 'Remove one of them.',
  },
  'schedule.file.extension': {
    status: 400,
    title: 'A schedule file does not end in .json, .yaml or .yml.',
    hint: 'Rename it.',
  },
  'schedule.file.shape': {
    status: 400,
    title: 'A schedule file is not a schedule, a list of schedules, {schedules: [...]} or a v1 `Schedule:` document.',
    hint: 'Put every schedule inside the `schedules` list.',
  },
  'schedule.file.syntax': {
    status: 400,
    title: 'A schedule file is not valid YAML or JSON.',
    hint: 'Fix the syntax at the line the message gives.',
  },
  'schedule.file.too_large': {
    status: 400,
    title: 'A schedule file is larger than the limit.',
    hint: 'Split it into several files in one folder.',
  },
  'schedule.files.invalid': {
    status: 500,
    title: "The app's schedule files could not be loaded.",
    hint: 'Fix the problems listed (`aml-triggers schedules validate` shows them).',
  },
  'schedule.files.mismatch': {
    status: 409,
    title: 'The schedule files read here differ from the ones the app last synced.',
    hint: 'Run the command where the deployed files are (or set SCHEDULES_PATH to them), or deploy these files first.',
  },
  'schedule.inputs.invalid': {
    status: 400,
    title:
      "A schedule's v2 input is inconsistent: a literal with a path, a uri input with a value or without a path, an input also set in pipeline_parameters or filled by the blob.",
    hint: 'uri_file / uri_folder / mltable inputs take path (and mode), literal inputs take value; give each input once (the blob fills data_path_parameter_name); see docs/schedules.md.',
  },
  'schedule.inputs.v1_pipeline': {
    status: 400,
    title:
      'A schedule gives v2 `inputs` but its pipeline is an Azure ML v1 published pipeline or pipeline endpoint, which takes no inputs.',
    hint: "Pass the values in pipeline_parameters (DataPaths in the target's data_paths), or point the schedule at a v2 target (pipeline_job, batch_endpoint); see docs/migration-v2.md.",
  },
  'schedule.invalid': {
    status: 400,
    title: 'Schedule definitions have problems (listed in `errors`).',
    hint: 'Fix each listed problem.',
  },
  'schedule.missed_runs_limit.requires_all': {
    status: 400,
    title: 'missed_runs_limit is set without missed_runs: all.',
    hint: 'Remove it or set missed_runs to all.',
  },
  'schedule.missed_runs.invalid': {
    status: 400,
    title: 'missed_runs is not skip, latest or all.',
    hint: 'Use one of those.',
  },
  'schedule.name.duplicate': {
    status: 400,
    title: 'Two schedules have the same name.',
    hint: 'Schedule names must be unique across all schedule files: rename one.',
  },
  'schedule.name.invalid': {
    status: 400,
    title: 'A schedule name is not valid.',
    hint: 'Use 1-64 letters, digits, "_", "." and "-", starting with a letter or digit.',
    message: (f: { name: string }) =>
      `Schedule name ${showValue(f.name)} is not valid: use 1-64 letters, digits, "_", "." and "-", starting with a letter or digit.`,
  },
  'schedule.name.missing': {
    status: 400,
    title: 'A schedule has no name.',
    hint: 'Add `name:` (under `Schedule:` for a v1 document).',
  },
  'schedule.not_an_object': {
    status: 400,
    title: 'A schedule is not a mapping of fields.',
    hint: 'Write it as a mapping (name, recurrence, ...).',
  },
  'schedule.not_found': {
    status: 404,
    title: 'No schedule has this name.',
    hint: '`aml-triggers schedules list` (GET /api/schedules) lists them.',
  },
  'schedule.occurrence.skipped': {
    status: 500,
    title: 'An occurrence was skipped (its reason is the message).',
    hint: "See the schedule's history; missed_runs decides what is caught up.",
  },
  'schedule.path_on_datastore.invalid': {
    status: 400,
    title: 'path_on_datastore is not a valid folder path.',
    hint: 'Write a folder path inside the datastore, without "//", "." or "..".',
  },
  'schedule.path.not_found': {
    status: 500,
    title: 'SCHEDULES_PATH points to nothing.',
    hint: 'Point it to a schedule file or a directory of .json/.yaml/.yml files.',
  },
  'schedule.path.too_large': {
    status: 500,
    title: 'The schedule files hold more than the limit in all.',
    hint: 'Remove unused files or shorten them.',
  },
  'schedule.path.too_many_files': {
    status: 500,
    title: 'The schedule folder holds more files than the limit.',
    hint: 'Put several schedules in one file (a list, or {schedules: [...]}).',
  },
  'schedule.pipeline_version.requires_endpoint': {
    status: 400,
    title: 'pipeline_version is set without pipeline_endpoint_id.',
    hint: 'Remove it or target the endpoint.',
  },
  'schedule.pipeline.conflict': {
    status: 400,
    title: 'A schedule names more than one pipeline.',
    hint: 'Keep exactly one of target, pipeline_id, pipeline_endpoint_id.',
  },
  'schedule.pipeline.missing': {
    status: 400,
    title: 'A schedule names no pipeline.',
    hint: 'Set target (a configured pipeline) or pipeline_id / pipeline_endpoint_id.',
  },
  'schedule.polling_interval.unused': {
    status: 400,
    title: 'Warning: polling_interval is accepted for SDK v1 compatibility but unused (blob arrivals are events).',
    hint: 'You can remove it.',
  },
  'schedule.reactive_only': {
    status: 400,
    title: 'A field that only reactive schedules take is set on a time-based one.',
    hint: 'Remove it.',
  },
  'schedule.remove.file_defined': {
    status: 409,
    title: "The schedule is defined in the app's schedule files and cannot be removed at run time.",
    hint: 'Delete it from the file and deploy (or disable it to stop it now).',
  },
  'schedule.retry.deadline': {
    status: 500,
    title: "An occurrence's retry deadline passed before it could be submitted.",
    hint: "See the schedule's history for the last problem; the next occurrence runs as usual.",
  },
  'schedule.run_now.abandoned': {
    status: 409,
    title: 'A run-now request stopped before it was submitted; nothing was sent.',
    hint: 'Ask again with a new request id.',
  },
  'schedule.run_now.failed_before': {
    status: 409,
    title: 'A run-now request with this id already failed; it is not submitted again under the same id.',
    hint: 'Ask again with a new request id.',
  },
  'schedule.run_now.field.unsupported': {
    status: 400,
    title: 'A run-now request sets a field the schedule decides.',
    hint: 'Send only the fields the message lists.',
  },
  'schedule.run_now.in_progress': {
    status: 409,
    transient: true,
    title: 'A run-now request with this id is being submitted.',
    hint: 'Ask again with the same request id in a moment to get its run.',
  },
  'schedule.run_now.outcome_unknown': {
    status: 409,
    title: 'A run-now request may or may not have started a run; it is not submitted again under this id.',
    hint: 'Look for a run tagged with the request id first; ask with a new id only if there is none.',
  },
  'schedule.run_now.reactive': {
    status: 409,
    title: 'Run now was asked of a reactive schedule, which runs for a blob.',
    hint: 'Upload the blob (or run `aml-triggers blob <container>/<path>`), or submit its target with POST /api/pipelines/{target}/runs.',
  },
  'schedule.run_now.request_id.conflict': {
    status: 400,
    title: 'Idempotency-Key and x-ms-client-request-id differ.',
    hint: 'Send one request id (or the same in both).',
  },
  'schedule.run_now.request_id.invalid': {
    status: 400,
    title: 'A run-now request id is not usable.',
    hint: 'Give 1 to 128 letters, digits, "_", ".", "=" or "-" starting with a letter or digit (a GUID is ideal).',
  },
  'schedule.setting.invalid': {
    status: 500,
    title: 'A schedule tick setting is not a whole number in its range.',
    hint: 'Set a whole number in the range the message gives, or remove the setting.',
  },
  'schedule.state_container.invalid': {
    status: 500,
    title: 'SCHEDULE_STATE_CONTAINER is not a valid blob container name.',
    hint: 'Use 3-63 lowercase letters, digits and single hyphens.',
  },
  'schedule.state.contended': {
    status: 409,
    transient: true,
    title: "A schedule's state kept changing while it was being updated.",
    hint: 'Try again (a tick settles it on its next run).',
    message: (f: { name: string; attempts?: number; then?: string }) =>
      `The state of schedule ${showValue(f.name)} kept changing while it was being updated${f.attempts !== undefined ? ` (${f.attempts} attempts)` : ''}; ${f.then ?? 'try again.'}`,
  },
  'schedule.state.missing': {
    status: 409,
    title: "A schedule's state was deleted while it was being changed.",
    hint: 'Try again.',
  },
  'schedule.status.invalid': {
    status: 400,
    title: 'status is not Active or Disabled.',
    hint: 'Use Active or Disabled.',
  },
  'schedule.submit.outcome_unknown': {
    status: 502,
    title: 'An occurrence may or may not have started a run, and it could not be found yet.',
    hint: 'The app keeps looking it up by its key and never resubmits blindly; look for the run with the key the history shows.',
  },
  'schedule.target.inputs': {
    status: 400,
    title:
      "What a schedule passes (its parameters, a reactive schedule's blob) cannot be mapped onto its Azure ML v2 target's inputs.",
    hint: 'Declare the input with the type the schedule passes (a blob is a uri_file), or choose another data_path_parameter_name; see docs/migration-v2.md.',
  },
  'schedule.target.unknown': {
    status: 400,
    title: 'A schedule names a target that is not configured.',
    hint: 'Use one of the configured targets the message lists (it suggests the nearest), or add it to the targets file.',
    /** `at`: the file (and line); `schedule`: its name when `field` alone does not say which schedule. */
    message: (f: { at: string; field: string; target: string; configured: readonly string[]; schedule?: string }) => {
      const names = [...f.configured].sort();
      const hint = suggest(f.target, names);
      return `${f.at}: \`${f.field}\` (${showValue(f.target)})${f.schedule !== undefined ? ` of schedule ${showValue(f.schedule)}` : ''} is not a configured target${hint ? ` (did you mean ${hint}?)` : ''}; ${names.length ? `configured targets: ${names.join(', ')}` : 'no targets are configured (AML_TARGETS_FILE, default config/pipelines.yaml)'}.`;
    },
  },
  'schedule.tick_cron.invalid': {
    status: 500,
    title: 'SCHEDULE_TICK_CRON is not a six-field NCRONTAB expression.',
    hint: 'Write second minute hour day month day-of-week, e.g. "0 * * * * *" for every minute.',
  },
  'schedule.tick.error': {
    status: 500,
    title: 'A schedule tick failed for a reason the message gives.',
    hint: 'The next tick tries again; if it persists, the message says what to fix.',
  },
  'schedule.time_only': {
    status: 400,
    title: 'A field that only time-based schedules take is set on a reactive one.',
    hint: 'Remove it.',
  },
  'schedule.time_zone.conflict': {
    status: 400,
    title: 'time_zone differs from recurrence.time_zone.',
    hint: 'Set the zone in one place.',
  },
  'schedule.trigger.conflict': {
    status: 400,
    title: 'A schedule has both recurrence and datastore.',
    hint: 'A schedule is time-based (recurrence) or reactive (datastore): keep one.',
  },
  'schedule.trigger.missing': {
    status: 400,
    title: 'A schedule has neither recurrence nor datastore.',
    hint: 'Set exactly one.',
  },
  'schedule.v1.client_option_ignored': {
    status: 400,
    title: "Warning: a v1 option that only told the SDK's Python client how to wait is ignored.",
    hint: 'You can remove it.',
  },
  'schedule.v1.time_zone_defaulted': {
    status: 400,
    title: 'Warning: a v1 start_time without a time zone is read in "GMT Standard Time", as SDK v1 did.',
    hint: 'Write time_zone to make it explicit.',
  },
  'schedule.workspace.missing': {
    status: 400,
    title: 'A schedule names a pipeline by id but no workspace.',
    hint: "Add workspace {subscription_id, resource_group, workspace_name} or configure the app's default workspace.",
  },
  'schedule.workspace.with_target': {
    status: 400,
    title: 'A schedule has both target and workspace.',
    hint: 'Remove workspace (the target names it) or use pipeline_id / pipeline_endpoint_id.',
  },
} as const satisfies Record<`schedule.${string}`, CatalogEntry>;

const REACTIVE = {
  'reactive.blob.not_found': {
    status: 404,
    title: 'There is no such blob in the watched storage account.',
    hint: "Check the container and the blob's full name.",
  },
  'reactive.claim.contended': {
    status: 409,
    transient: true,
    title: 'The claim of a blob version kept changing under this delivery.',
    hint: 'Nothing to do: the event is delivered again.',
  },
  'reactive.claim.corrupt': {
    status: 500,
    title: 'The claim blob of a blob version cannot be read.',
    hint: 'It is taken over as unknown and looked up by its key; delete it only after checking for the run.',
  },
  'reactive.claim.held': {
    status: 409,
    transient: true,
    title: 'Another delivery holds the claim of this blob version.',
    hint: 'Nothing to do: the event is delivered again.',
  },
  'reactive.claim.lost': {
    status: 409,
    transient: true,
    title: 'The claim of this blob version was taken by another delivery.',
    hint: 'Nothing to do: the event is delivered again.',
  },
  'reactive.container.not_watched': {
    status: 400,
    title: 'A reactive schedule watches a container for which no trigger is registered: it can never fire.',
    hint: 'Add the container to REACTIVE_CONTAINERS (or set container in the schedule) and restart the app.',
  },
  'reactive.container.unknown': {
    status: 400,
    title: "A reactive schedule has no container and its datastore's container cannot be resolved.",
    hint: 'Set container in the schedule.',
  },
  'reactive.datastore.access_denied': {
    status: 502,
    title: 'ARM refused to read the datastore.',
    hint: "Give the app's identity Reader (or AzureML Data Scientist) on the workspace, or set container in the schedule.",
    message: (f: { where: string; status: number }) =>
      `ARM refused to read the ${f.where} (HTTP ${f.status}): give the app's identity Reader (or AzureML Data Scientist) on the workspace, or set "container" in the schedule.`,
  },
  'reactive.datastore.no_container': {
    status: 400,
    title: 'The datastore has no container name.',
    hint: 'Use a blob datastore, or set container in the schedule.',
    message: (f: { where: string }) =>
      `The ${f.where} has no container name; use a blob datastore that names one, or set "container" in the schedule.`,
  },
  'reactive.datastore.not_blob': {
    status: 400,
    title: 'The datastore is not an Azure Blob datastore.',
    hint: 'Point the schedule at an Azure Blob datastore (reactive schedules watch blob containers), or set container in the schedule.',
    message: (f: { where: string; type: unknown }) =>
      `The ${f.where} is of type ${String(f.type)}; reactive schedules need an Azure Blob datastore: use one, or set "container" in the schedule.`,
  },
  'reactive.datastore.not_found': {
    status: 404,
    title: 'The datastore does not exist.',
    hint: 'Check the datastore name, or set container in the schedule.',
    message: (f: { where: string }) =>
      `The ${f.where} does not exist; check datastore_name, or set "container" in the schedule.`,
  },
  'reactive.datastore.unavailable': {
    status: 503,
    transient: true,
    title: 'The datastore could not be read.',
    hint: 'Try again later (the schedule is looked up again); set container in the schedule to need no look-up.',
    message: (f: { where: string; status?: number; detail: string }) =>
      `Could not read the ${f.where}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.detail}. It is looked up again later; set "container" in the schedule to need no look-up.`,
  },
  'reactive.event.no-version': {
    status: 503,
    transient: true,
    title: 'The blob event names no version (ETag) and the blob could not tell one.',
    hint: 'Nothing to do unless it ends in the poison queue: the event is delivered again.',
  },
  'reactive.event.probe-failed': {
    status: 503,
    transient: true,
    title: "Reading the blob's properties for an event failed.",
    hint: 'Nothing to do unless it ends in the poison queue: the event is delivered again; check the storage connection if it persists.',
  },
  'reactive.event.unreadable': {
    status: 400,
    title: 'A blob event cannot be read; the invocation fails so the host retries and then poison-queues it.',
    hint: 'Check the trigger source (Event Grid) and the event subscription.',
  },
  'reactive.event.invalid': {
    status: 400,
    title: 'A blob event does not have the shape the app expects.',
    hint: 'Check the trigger source (Event Grid) and the event subscription.',
  },
  'reactive.setting.invalid': {
    status: 500,
    title: 'A reactive setting is invalid.',
    hint: 'Set the value the message gives, or remove the setting.',
  },
  'reactive.submit.outcome_unknown': {
    status: 502,
    title: 'A blob version may or may not have started a run, and it could not be found yet.',
    hint: 'The redelivery looks it up by its key and never resubmits blindly.',
  },
  'reactive.submit.retry': {
    status: 503,
    transient: true,
    title: 'Not every schedule finished with this blob event; the invocation fails so it is delivered again.',
    hint: 'Nothing to do unless it ends in the poison queue; the message names the schedules.',
  },
} as const satisfies Record<`reactive.${string}`, CatalogEntry>;

const STORAGE = {
  'storage.access_denied': {
    status: 500,
    title: "Storage refused the app's request (HTTP 401/403).",
    hint: "Give the app's identity the Storage Blob Data Owner role on the account, or check the connection setting.",
    message: (f: { operation: string; target: string; status: number }) =>
      `Storage refused ${f.operation} of ${f.target} (HTTP ${f.status}): give the app's identity the Storage Blob Data Owner role on the account, or check the connection setting.`,
  },
  'storage.blob.corrupt': {
    status: 500,
    title: 'A blob the app keeps cannot be read as what it should hold.',
    hint: 'Fix or delete the blob the message names.',
  },
  'storage.connection.invalid': {
    status: 500,
    title: 'The storage connection setting is not usable.',
    hint: 'Use "UseDevelopmentStorage=true" for Azurite, an account connection string, or <prefix>__blobServiceUri for managed identity.',
  },
  'storage.connection.missing': {
    status: 500,
    title: 'No storage connection is configured.',
    hint: 'Set the connection string setting or <prefix>__blobServiceUri (with a managed identity).',
  },
  'storage.read_failed': {
    status: 503,
    transient: true,
    title: 'Reading from storage failed.',
    hint: 'Try again later; the event is delivered again.',
  },
  'storage.request_failed': {
    status: 500,
    title: 'Storage refused a request for a reason other than access or availability.',
    hint: 'Check the connection setting and the account (the message gives the status and detail); report it if it persists.',
    message: (f: { operation: string; target: string; status?: number; detail: string }) =>
      `Storage ${f.operation} of ${f.target} failed${f.status ? ` (HTTP ${f.status})` : ''}: ${f.detail}. Check the connection setting and the account; report it if it persists.`,
  },
  'storage.unavailable': {
    status: 503,
    transient: true,
    title: 'Storage could not be reached or was busy.',
    hint: "Try again later; if it persists, check the connection setting and the account's network rules.",
    message: (f: { operation: string; target: string; status?: number; detail: string }) =>
      `Storage ${f.operation} of ${f.target} failed${f.status ? ` (HTTP ${f.status})` : ''}: ${f.detail}. This is usually temporary: try again later; if it persists, check the connection setting and the account's network rules.`,
  },
  'storage.unknown': {
    status: 500,
    title: 'A storage operation failed in an unexpected way.',
    hint: 'The message says what failed; please report it if it persists.',
  },
  'storage.unreachable': {
    status: 503,
    transient: true,
    title: "The app's storage account could not be reached.",
    hint: 'Check the connection setting and network rules.',
  },
  'storage.write_failed': {
    status: 503,
    transient: true,
    title: 'Recording to storage failed.',
    hint: 'Nothing is submitted again: the redelivery finds the run by its key.',
  },
} as const satisfies Record<`storage.${string}`, CatalogEntry>;

const SETTINGS = {
  'settings.invalid': {
    status: 500,
    title: 'An app setting is not a value it takes (the health settings; the other features have their own codes).',
    hint: 'Set a value the message gives, or remove the setting for its default (docs/settings.md).',
  },
  'settings.local.invalid': {
    status: 500,
    title: 'local.settings.json is not valid.',
    hint: 'Write it as {"Values": {"NAME": "value", ...}}.',
  },
} as const satisfies Record<`settings.${string}`, CatalogEntry>;

const CLI = {
  'cli.file.empty_folder': {
    status: 400,
    title: 'A folder given to the command line holds no schedule files.',
    hint: 'Give a folder with .json, .yaml or .yml files.',
  },
  'cli.file.unreadable': {
    status: 400,
    title: 'A file given to the command line cannot be read.',
    hint: 'Give a schedule file (.json, .yaml, .yml) or a folder of them.',
  },
  'cli.option.invalid': {
    status: 400,
    title: 'A command-line option has an invalid value.',
    hint: 'Write it as the message says.',
  },
} as const satisfies Record<`cli.${string}`, CatalogEntry>;

const HEALTH = {
  'health.configuration.failed': {
    status: 503,
    title: 'The configuration check itself failed.',
    hint: 'The message says what failed; check the app settings and files it reads.',
  },
  'health.reactive.failed': {
    status: 503,
    title: 'Reactive schedule outcomes of the last 24 h could not be counted.',
    hint: 'Check the storage account is reachable.',
  },
  'health.timer.never': {
    status: 503,
    title: 'The schedule timer has not ticked yet.',
    hint: 'Check that the app started and the scheduleTimer function is enabled.',
  },
  'health.timer.stale': {
    status: 503,
    title: 'The schedule timer has not ticked for longer than its limit: schedules are not being run.',
    hint: 'Check the scheduleTimer invocations and the host log.',
  },
  'health.timer.unknown': {
    status: 503,
    title: 'The last tick is unknown because storage could not be read.',
    hint: 'Fix the storage check first.',
  },
  'health.timeout': {
    status: 503,
    title: 'A health check took longer than its limit.',
    hint: 'Check the part the message names (storage, Azure ML, ARM) is reachable.',
  },
  'arm.token': {
    status: 503,
    title: 'The health check could not get an access token for Azure Resource Manager.',
    hint: 'In Azure, enable the Function App\'s managed identity; locally, sign in with "az login".',
  },
} as const satisfies Record<string, CatalogEntry>;

const INTERNAL = {
  internal: {
    status: 500,
    title: 'A fault of the app itself (a bug).',
    hint: 'The message says what failed; please report it.',
  },
} as const satisfies Record<string, CatalogEntry>;

type RecurrenceCode = keyof typeof RECURRENCE;
/** A recurrence problem in a schedule file: `schedule.recurrence.*`, as src/schedules/definition.ts labels it. */
type ScheduleRecurrence = { readonly [K in RecurrenceCode as `schedule.${K}`]: (typeof RECURRENCE)[K] };

const SCHEDULE_RECURRENCE = Object.fromEntries(
  Object.entries(RECURRENCE).map(([code, entry]) => [
    `schedule.${code}`,
    { ...entry, title: `In a schedule file: ${entry.title.charAt(0).toLowerCase()}${entry.title.slice(1)}` },
  ]),
) as unknown as ScheduleRecurrence;

export const ERROR_CATALOG = {
  ...AML,
  ...CONFIG,
  ...TARGET,
  ...REQUEST,
  ...RECURRENCE,
  ...SCHEDULE,
  ...SCHEDULE_RECURRENCE,
  ...REACTIVE,
  ...STORAGE,
  ...SETTINGS,
  ...CLI,
  ...HEALTH,
  ...INTERNAL,
} as const;

/** Every code the app can report. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Codes whose message the catalog holds (built with `appError`). */
export type TemplatedCode = {
  [K in ErrorCode]: (typeof ERROR_CATALOG)[K] extends { message: (f: never) => string } ? K : never;
}[ErrorCode];

/** The named fields a templated code's message takes. */
export type MessageFields<C extends TemplatedCode> = (typeof ERROR_CATALOG)[C] extends {
  message: (f: infer F) => string;
}
  ? F
  : never;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CATALOG, code);
}

export function catalogEntry(code: ErrorCode): CatalogEntry {
  return ERROR_CATALOG[code];
}

/** The recurrence engine's code as a schedule file reports it (`recurrence.x` → `schedule.recurrence.x`). */
export function scheduleRecurrenceCode(code: RecurrenceCode): `schedule.${RecurrenceCode}` {
  return `schedule.${code}`;
}

export function isRecurrenceCode(code: string): code is RecurrenceCode {
  return Object.prototype.hasOwnProperty.call(RECURRENCE, code);
}
