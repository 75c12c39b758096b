/**
 * Every fact about the Azure ML v1 service that ../shared/spec/aml-rest.md marks **verify**, or that the
 * client derives from outside sources, lives here so a correction is a one-line change. Each entry says
 * what was found and where.
 */

/**
 * Token audience for pipeline submissions and for ARM. The v1 SDK's `get_authentication_header()` returns
 * an ARM token and the documented REST samples use `resource=https://management.azure.com` (spec:
 * "Request"). Overridable with AML_TOKEN_AUDIENCE / AML_ARM_AUDIENCE (sovereign clouds).
 */
export const DEFAULT_AUDIENCE = 'https://management.azure.com';

/** Public-cloud ARM endpoint; overridable with AML_ARM_ENDPOINT. */
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';

/**
 * Path of the submit API below the service host (spec: "Endpoints"), confirmed by the published pipeline
 * `endpoint` shape in the v1 docs and the versioned-endpoint sample notebook.
 */
export const SUBMIT_PATH_PREFIX = '/pipelines/v1.0';

/**
 * How the service host of a workspace is found, when a target gives ids but no endpoint URL.
 *
 * Found in the v1 SDK (azureml-core `_base_sdk_common/service_discovery.py` and `_restclient/
 * service_context.py`): the SDK reads `properties.discoveryUrl` of the workspace ARM resource (e.g.
 * `https://<region>.api.azureml.ms/discovery`), GETs it WITHOUT authentication, and takes the base URL of
 * the pipelines service from the JSON answer's `"api"` key (`_ServiceKeys.PIPELINES` is registered with
 * the `API_DISCOVERY_KEY`, "api"). The SDK caches the answer per workspace id AND discovery URL because
 * "with workspace behind vnet, these workspaces will have fqdn based end points": for private-link
 * workspaces discovery answers the workspace-specific host.
 *
 * Private-link host form (the spec's **verify** item), from the Azure ML docs "how-to-custom-dns" /
 * "how-to-configure-private-link" (MicrosoftDocs/azure-docs, FQDN lists): the workspace API is served at
 * `<workspace-GUID>.workspace.<region>.api.azureml.ms` (`<region>.api.azureml.ms` for public workspaces).
 * Used only as the fallback when discovery cannot be reached: workspaces with `privateLinkCount > 0` get
 * the workspace-specific host, others the regional one. An explicit `endpointUrl` always wins.
 */
export const DISCOVERY_PIPELINES_KEYS = ['api', 'pipelines'] as const;

export function regionalServiceHost(location: string): string {
  return `https://${location.toLowerCase().replace(/\s+/g, '')}.api.azureml.ms`;
}

export function privateLinkServiceHost(workspaceId: string, location: string): string {
  return `https://${workspaceId.toLowerCase()}.workspace.${location.toLowerCase().replace(/\s+/g, '')}.api.azureml.ms`;
}

/**
 * Error bodies: the spec says JSON with an `error` object (`code`, `message`) (**verify**). Found: Azure ML
 * services answer with the shared AzureML ErrorResponse `{ "error": { "code": "UserError" | "SystemError"
 * | ..., "message", "target"?, "details_uri"?, "inner_error"? } }` (azureml-core ErrorResponse dumps, the
 * online-endpoints troubleshooting article); not confirmed for the PipelineSubmit route itself. So we
 * also accept `{ "Message" }` / `{ "message" }` and plain text, and use the body only for the message
 * shown to the user: behaviour keys on the HTTP status alone.
 */
export const ERROR_MESSAGE_PATHS: ReadonlyArray<readonly string[]> = [
  ['error', 'message'],
  ['error', 'Message'],
  ['Error', 'Message'],
  ['message'],
  ['Message'],
];

/**
 * JSON spelling of continue-on-step-failure: the SDK v1 submission model (`PipelineSubmissionInfo`,
 * azureml-pipeline-core `_aeva_provider.py`) names it `continue_run_on_step_failure`, which the
 * service's PascalCase contract spells `ContinueRunOnStepFailure` (the pipeline run entity it returns
 * carries the same key; aml-rest.md "Request", corrected). Sent only when a target or request sets it.
 */
export const CONTINUE_ON_STEP_FAILURE_KEY = 'ContinueRunOnStepFailure';

/**
 * Name of the run property AND tag that carries a submission's identity key (submissionKey.ts). Name
 * and value stay within `[A-Za-z0-9_-]` so a run-history filter means the same whether the service
 * reads the value quoted or bare (aml-rest.md "Looking a run up"). Put in both: the v1 SDK sends
 * `Properties` in the submit body itself, whereas whether body `Tags` reach the run is not documented.
 */
export const SUBMISSION_KEY_NAME = 'aml_triggers_key';

/**
 * Run-history look-up (reconciling an unknown outcome), as found in the sources:
 *
 * - Route and body: Azure/azure-rest-api-specs, `specification/machinelearningservices/data-plane/
 *   Microsoft.MachineLearningServices/preview/2019-08-01/runHistory.json`, operation `Runs_GetByQuery`:
 *   `POST /history/v1.0/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/
 *   Microsoft.MachineLearningServices/workspaces/{workspaceName}/experiments/{experimentName}/runs:query`
 *   with body `QueryParams` `{ filter: string, continuationToken: string, orderBy: string, top: int32 }`
 *   (note: `orderBy` is ONE comma-separated string there, not an array), answered with
 *   `PaginatedRunList` `{ value: Run[], continuationToken, nextLink }` ("If null, there are no
 *   additional pages"). A `Run` has `runId`, `parentRunId`, `status`, `createdUtc`, `tags`,
 *   `properties` ("Properties are immutable"). One run: `GET .../experiments/{experimentName}/runs/{runId}`
 *   (`Runs_Get`).
 * - Filter syntax: azureml-core `_restclient/_odata/constants.py` has `PROP_EQ_FORMAT_STR =
 *   "(Properties/{0} eq {1})"` and `TAG_EQ_FORMAT_STR = "(Tags/{0} eq {1})"`, filled by
 *   `get_filter_run_property_equals` / `get_filter_run_tag_equals` after `convert_dict_values`, whose
 *   `value_to_odata_string` wraps the value in DOUBLE quotes (`"value"`, `null` for None). So the SDK
 *   sends `(Properties/aml_triggers_key eq "<key>")`; we send exactly that.
 * - Host: the workspace discovery document's `history` entry (azureml-core service discovery registers
 *   run history under the "history" key); the same ARM-audience token as submissions. NOT confirmed:
 *   that a target's explicit endpoint URL host also serves run history (true for `<region>.api.azureml.ms`
 *   and private-link workspace hosts, where discovery answers the same host for `api` and `history`;
 *   older `*.aether.ms` submit URLs would need the workspace ids instead).
 * Not confirmed against a live service: that body `Tags`/`Properties` given at submission reach the
 * pipeline run (the look-up checks both and verifies the key on every run it returns).
 */
export const HISTORY_PATH_PREFIX = '/history/v1.0';
export const DISCOVERY_HISTORY_KEYS = ['history'] as const;
export const LOOKUP_PAGE_SIZE = 50;
export const LOOKUP_MAX_PAGES = 20;

export function runQueryFilter(field: 'Properties' | 'Tags', key: string): string {
  return `(${field}/${SUBMISSION_KEY_NAME} eq "${key}")`;
}

/** `RunSource` the v1 SDK sends. */
export const SDK_RUN_SOURCE = 'SDK';

/** The AzureML built-in role that can submit pipeline runs (spec: "Rights"). */
export const SUBMIT_ROLE = 'AzureML Data Scientist';

/**
 * Setting a published pipeline's own status in Azure ML (`PublishedPipeline.disable()` / `enable()`), as
 * found in the SDK v1 sources (azureml-pipeline-core `_restclients/aeva/service_caller.py`,
 * `_aeva_provider.py`). The aml-rest spec calls this route **verify**: it is not a documented contract.
 *   - `PublishedPipeline.disable()` / `enable()` → `_PublishedPipelineProvider.set_status(pipeline_id,
 *     'Disabled' | 'Active')` → `AE3PServiceCaller.update_published_pipeline_status_async(pipeline_id,
 *     new_status)` (docstring: "New status for the template ('Active', 'Deprecated', or 'Disabled')",
 *     returns None) → the generated client method `api_v10_subscriptions_by_subscription_id_resource_groups_
 *     by_resource_group_name_providers_microsoft_machine_learning_services_workspaces_by_workspace_name_
 *     pipelines_by_pipeline_id_status_put(..., pipeline_id, new_status)`.
 *   - The same caller's submit method is `..._workspaces_by_workspace_name_pipeline_runs_pipeline_submit_by_
 *     pipeline_id_post`, served at the documented `{api host}/pipelines/v1.0/subscriptions/.../workspaces/
 *     {ws}/PipelineRuns/PipelineSubmit/{id}`; both use the same base URL (`ServiceContext._get_pipelines_url()`,
 *     the discovery document's "api" entry). So the status route is read as
 *     `PUT {api host}/pipelines/v1.0/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/pipelines/{id}/status`
 *     with `new_status` as the JSON body: a JSON string, `"Disabled"` or `"Active"` (msrest serializes a
 *     `str` body parameter as a JSON string).
 *   - NOT seen: the generated client file itself (its URL template and the status codes it accepts) was not
 *     reachable; the path is derived from the method name as the submit route's is. Any 2xx is success.
 */
export function pipelineStatusPath(pipelineId: string): string {
  return `/pipelines/${encodeURIComponent(pipelineId)}/status`;
}
