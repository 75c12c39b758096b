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
 * JSON spelling of continue-on-step-failure (**verify**): not documented; `ContinueOnStepFailure` is the
 * spec's likely form (PascalCase like every other key). Sent only when a target sets it.
 */
export const CONTINUE_ON_STEP_FAILURE_KEY = 'ContinueOnStepFailure';

/** `RunSource` the v1 SDK sends. */
export const SDK_RUN_SOURCE = 'SDK';

/** The AzureML built-in role that can submit pipeline runs (spec: "Rights"). */
export const SUBMIT_ROLE = 'AzureML Data Scientist';
