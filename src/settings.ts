/**
 * Every setting the app reads, defined once (as croner's options.ts validates every option in one place):
 * its name, the feature it belongs to, its default, how its text is read, and the error when the text is
 * not what the setting takes. No other module names a setting or reads `process.env`
 * (test/settings/module.test.ts checks both); docs/settings.md's table is generated from `SETTINGS`
 * (`npm run settings`), and test/infra/settings.test.ts checks local.settings.sample.json and infra/
 * against it.
 *
 * A value that is set but not what the setting takes is an error naming the setting, the value and what
 * to do, never a silent fallback to the default or a silent rounding. Unset (or blank) means the default.
 *
 * One bad thing stays local. Each setting belongs to one feature, and a wrong value switches off that
 * feature only, with the error (see `FEATURES` for what each one stops):
 *  - `aml` (the Azure ML client: every submission, from HTTP, the timer and reactive schedules) and
 *    `targets` (the targets file every submission resolves): the app refuses to start
 *    (`Runtime.validateStartup`, the host's appStart hook), since no feature works without them;
 *  - `schedules` (schedule files and state): the timer, reactive schedules and schedule operations fail
 *    naming the setting; HTTP submission of a target goes on;
 *  - `timer`: every tick fails naming the setting (visible as a failed invocation); the rest goes on;
 *  - `reactive`: every blob event fails naming the setting (the host retries, then poison-queues it,
 *    nothing is dropped); the rest goes on;
 *  - `health`: GET /api/health reports the setting as a configuration problem and uses the default.
 * Start-up logs every problem, fatal or not, by name.
 *
 * Settings errors are built here only (`settingError`), with the code of the setting's feature.
 */
import type { ErrorCode } from './errorCatalog';
import type { AppError, Result } from './errors';

export type Env = Readonly<Record<string, string | undefined>>;

/** The settings of this process: the Functions host's app settings (`local.settings.json` Values under `func start`). */
export function processSettings(): Env {
  return process.env;
}

export type Feature =
  'aml' | 'targets' | 'schedules' | 'timer' | 'reactive' | 'health' | 'telemetry' | 'host' | 'platform';

/** What a wrong value of a feature's setting stops, said in its error. */
export const FEATURES: Readonly<Record<Feature, { readonly fatal: boolean; readonly effect: string }>> = {
  aml: { fatal: true, effect: 'the app does not start (every submission needs it)' },
  targets: { fatal: true, effect: 'the app does not start (every submission needs it)' },
  schedules: {
    fatal: false,
    effect: 'schedules (timer, reactive, schedule commands) fail until then; HTTP submissions go on',
  },
  timer: { fatal: false, effect: 'every timer tick fails until then; HTTP submissions and reactive schedules go on' },
  reactive: {
    fatal: false,
    effect: 'every blob event fails until then (retried, then poison-queued); the rest of the app goes on',
  },
  health: { fatal: false, effect: 'GET /api/health reports it and uses the default until then' },
  telemetry: { fatal: false, effect: 'telemetry is off until then' },
  host: { fatal: false, effect: 'the Functions host reads it' },
  platform: { fatal: false, effect: 'Azure sets it' },
};

export type ReadBy = 'app' | 'host' | 'platform' | 'targets file';

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

export interface SettingDef<T> {
  readonly name: string;
  readonly feature: Feature;
  /** Who reads it (docs/settings.md *Read by*). */
  readonly readBy: readonly ReadBy[];
  /** The value when unset or blank (undefined: none). */
  readonly default: T | undefined;
  /** The default as the docs show it (`required`, `—`, or the value in backticks). */
  readonly defaultText: string;
  /** What `azd up` sets (docs/settings.md *infra/*); `—` when infra/ leaves it to the default. */
  readonly infra: string;
  readonly meaning: string;
  /** Error code when the value is invalid (src/errorCatalog.ts). */
  readonly code: ErrorCode;
  /** Reads the (trimmed, non-empty) text; `expected` completes "it must be …". */
  readonly parse: (text: string) => Parsed<T>;
  /** Listed in local.settings.sample.json (default: everything but platform settings). */
  readonly inSample?: boolean;
  /**
   * A wrong value is an error that switches the feature off (docs/settings.md lists these): true when
   * `parse` can refuse a value, or when the value is checked where it is used (a file that must exist).
   */
  readonly checked: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Parsers

const yes = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = (expected: string): Parsed<never> => ({ ok: false, expected });

const text = (t: string): Parsed<string> => yes(t);

/** Whole numbers only: 2.5 schedules at once, or 0.5 minutes, would be rounded silently. */
function wholeNumber(min: number, max: number, unit = ''): (t: string) => Parsed<number> {
  return (t) => {
    const value = Number(t);
    return /^\d+$/.test(t) && value >= min && value <= max
      ? yes(value)
      : no(`a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}`);
  };
}

function httpsUrl(t: string): Parsed<string> {
  try {
    if (new URL(t).protocol === 'https:') return yes(t.replace(/\/+$/, ''));
  } catch {
    // not a URL
  }
  return no('an absolute https URL');
}

/** An ARM api-version: YYYY-MM-DD, optionally -preview. */
function apiVersion(t: string): Parsed<string> {
  return /^\d{4}-\d{2}-\d{2}(-preview)?$/.test(t)
    ? yes(t)
    : no('an api-version such as 2025-09-01 (YYYY-MM-DD, optionally -preview)');
}

function oneOf<T extends string>(values: readonly T[]): (t: string) => Parsed<T> {
  return (t) => {
    const found = values.find((v) => v.toLowerCase() === t.toLowerCase());
    return found ? yes(found) : no(`one of ${values.join(', ')}`);
  };
}

/** Azure container naming rule: 3-63 chars, lowercase letters, digits, single hyphens, alnum at both ends. */
export function isContainerName(name: string): boolean {
  return /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(name);
}

function containerName(t: string): Parsed<string> {
  return isContainerName(t)
    ? yes(t)
    : no('a valid blob container name (3-63 lowercase letters, digits and single hyphens)');
}

/** A list separated by commas, semicolons or white space (each entry is checked where it is used). */
function list(t: string): Parsed<readonly string[]> {
  return yes(t.split(/[\s,;]+/).filter(Boolean));
}

/** NCRONTAB here has seconds first: six fields. */
function ncrontab6(t: string): Parsed<string> {
  return t.split(/\s+/).length === 6
    ? yes(t)
    : no(
        'a six-field NCRONTAB expression (second minute hour day month day-of-week), e.g. "0 */1 * * * *" for every minute',
      );
}

// ---------------------------------------------------------------------------------------------------
// The settings

function def<T, D extends T | undefined>(
  d: Omit<SettingDef<T>, 'readBy' | 'infra' | 'code' | 'default' | 'checked'> & { readonly default: D } & Partial<
      Pick<SettingDef<T>, 'readBy' | 'infra' | 'code' | 'checked'>
    >,
): SettingDef<T> & { readonly default: D } {
  const parsing = d.parse !== text && (d.parse as unknown) !== list;
  return {
    readBy: ['app'],
    infra: '—',
    code: d.feature === 'reactive' ? 'reactive.setting.invalid' : 'settings.invalid',
    checked: parsing,
    ...d,
  };
}

const none = { default: undefined, defaultText: '—', parse: text } as const;
const amlNumber = (max: number, min = 1): Pick<SettingDef<number>, 'parse' | 'code'> => ({
  parse: wholeNumber(min, max),
  code: 'aml.settings.invalid_number',
});
const amlUrl = {
  default: 'https://management.azure.com',
  defaultText: '`https://management.azure.com`',
  parse: httpsUrl,
  code: 'aml.settings.invalid_url',
} as const;
const tickNumber = (min: number, max: number, unit: string): Pick<SettingDef<number>, 'parse' | 'code'> => ({
  parse: wholeNumber(min, max, unit),
  code: 'schedule.setting.invalid',
});
const host = (name: string, defaultText: string, infra: string, meaning: string): SettingDef<string> =>
  def({ name, feature: 'host', readBy: ['host'], ...none, defaultText, infra, meaning });
const platform = (name: string, meaning: string): SettingDef<string> =>
  def({ name, feature: 'platform', readBy: ['platform'], ...none, meaning, inSample: false });

/** Where the schedule files are when SCHEDULES_PATH is unset (there may be none; a location that is set must exist). */
export const DEFAULT_SCHEDULES_PATH = 'config/schedules';

export const CREDENTIAL_KINDS = ['managedidentity', 'cli', 'default'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
export const TRIGGER_SOURCES = ['EventGrid', 'LogsAndContainerScan', 'EventGridTrigger'] as const;
export type TriggerSource = (typeof TRIGGER_SOURCES)[number];

/** Every setting, in the order of docs/settings.md. */
export const SETTINGS = {
  workerRuntime: host(
    'FUNCTIONS_WORKER_RUNTIME',
    'required',
    'platform (Flex: `functionAppConfig.runtime`)',
    '`node`.',
  ),
  featureFlags: host(
    'AzureWebJobsFeatureFlags',
    '—',
    '—',
    '`EnableWorkerIndexing` locally (default on current hosts).',
  ),
  storage: def({
    name: 'AzureWebJobsStorage',
    feature: 'schedules',
    readBy: ['app', 'host'],
    ...none,
    defaultText: 'required',
    infra: '`__blobServiceUri`, `__queueServiceUri`, `__tableServiceUri`, `__credential`, `__clientId`',
    meaning: 'Host storage: timer lease, blob-trigger queue, schedule state (connection prefix).',
    checked: true,
  }),
  telemetryConnectionString: def({
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    feature: 'telemetry',
    readBy: ['app', 'host'],
    ...none,
    infra: 'the Application Insights resource',
    meaning: 'Telemetry; unset: none.',
  }),
  telemetryAuthenticationString: def({
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    feature: 'telemetry',
    readBy: ['app', 'host'],
    ...none,
    infra: '`ClientId=<identity>;Authorization=AAD`',
    meaning: 'Entra-only ingestion with the managed identity (src/telemetry.ts).',
  }),

  targetsFile: def({
    name: 'AML_TARGETS_FILE',
    feature: 'targets',
    default: undefined,
    defaultText: '`config/pipelines.yaml`',
    parse: text,
    infra: "the azd env's `AML_TARGETS_FILE` (default `config/pipelines.yaml`)",
    meaning: 'The targets file, relative to host.json (deployed from `config/`; packaging checks the same value).',
    checked: true,
  }),
  subscriptionId: def({
    name: 'AML_SUBSCRIPTION_ID',
    feature: 'targets',
    ...none,
    infra: '`amlSubscriptionId`',
    meaning: 'Default workspace for targets that name none.',
  }),
  resourceGroup: def({
    name: 'AML_RESOURCE_GROUP',
    feature: 'targets',
    ...none,
    infra: '`amlResourceGroup`',
    meaning: 'Default workspace for targets that name none.',
  }),
  workspaceName: def({
    name: 'AML_WORKSPACE_NAME',
    feature: 'targets',
    ...none,
    infra: '`amlWorkspaceName`',
    meaning: 'Default workspace for targets that name none.',
  }),
  nightlyPipelineId: def({
    name: 'NIGHTLY_PIPELINE_ID',
    feature: 'targets',
    readBy: ['targets file'],
    ...none,
    meaning: 'Example of a value the sample targets file takes from a setting (`%NIGHTLY_PIPELINE_ID%`).',
  }),

  credential: def<CredentialKind, undefined>({
    name: 'AML_CREDENTIAL',
    feature: 'aml',
    default: undefined,
    defaultText: '`managedidentity` in Azure, else `default`',
    parse: oneOf(CREDENTIAL_KINDS),
    code: 'aml.settings.invalid_credential',
    meaning: '`managedidentity`, `cli` or `default` (DefaultAzureCredential).',
  }),
  managedIdentityClientId: def({
    name: 'AML_MANAGED_IDENTITY_CLIENT_ID',
    feature: 'aml',
    ...none,
    defaultText: '— (then `AZURE_CLIENT_ID`, else system-assigned)',
    infra: 'the user-assigned identity',
    meaning: 'Client id of the identity that calls Azure ML and ARM.',
  }),
  tokenAudience: def({
    name: 'AML_TOKEN_AUDIENCE',
    feature: 'aml',
    ...amlUrl,
    meaning: 'Audience of the Azure ML token.',
  }),
  armEndpoint: def({
    name: 'AML_ARM_ENDPOINT',
    feature: 'aml',
    ...amlUrl,
    meaning: 'ARM endpoint for workspace look-ups.',
  }),
  armAudience: def({ name: 'AML_ARM_AUDIENCE', feature: 'aml', ...amlUrl, meaning: 'Audience of the ARM token.' }),
  extraCaCerts: def({
    name: 'AML_EXTRA_CA_CERTS',
    feature: 'aml',
    ...none,
    code: 'aml.settings.invalid_ca',
    meaning: 'PEM file of extra CAs (TLS-inspecting proxies).',
    checked: true,
  }),
  attemptTimeoutMs: def({
    name: 'AML_ATTEMPT_TIMEOUT_MS',
    feature: 'aml',
    default: 30_000,
    defaultText: '`30000`',
    ...amlNumber(600_000),
    meaning: 'Time one HTTP attempt to Azure ML may take.',
  }),
  deadlineMs: def({
    name: 'AML_DEADLINE_MS',
    feature: 'aml',
    default: 100_000,
    defaultText: '`100000`',
    ...amlNumber(3_600_000),
    meaning: 'Total time for a submission, retries included (under the 230 s HTTP front-end limit).',
  }),
  retryMaxAttempts: def({
    name: 'AML_RETRY_MAX_ATTEMPTS',
    feature: 'aml',
    default: 6,
    defaultText: '`6`',
    ...amlNumber(20),
    meaning: 'Attempts per submission.',
  }),
  retryBaseDelayMs: def({
    name: 'AML_RETRY_BASE_DELAY_MS',
    feature: 'aml',
    default: 500,
    defaultText: '`500`',
    ...amlNumber(600_000, 0),
    meaning: 'Backoff base.',
  }),
  retryMaxDelayMs: def({
    name: 'AML_RETRY_MAX_DELAY_MS',
    feature: 'aml',
    default: 15_000,
    defaultText: '`15000`',
    ...amlNumber(600_000, 0),
    meaning: 'Backoff cap per wait.',
  }),
  reconcileDelayMs: def({
    name: 'AML_RECONCILE_DELAY_MS',
    feature: 'aml',
    default: 5_000,
    defaultText: '`5000`',
    ...amlNumber(120_000, 0),
    meaning:
      'Wait after a submit attempt whose outcome is unknown before the client looks the run up by its key (`aml_triggers_key`) in run history (docs/http.md).',
  }),
  v2ApiVersion: def({
    name: 'AML_V2_API_VERSION',
    feature: 'aml',
    default: '2025-09-01',
    defaultText: '`2025-09-01`',
    parse: apiVersion,
    code: 'aml.settings.invalid_api_version',
    meaning:
      'ARM api-version of the v2 calls (pipeline jobs, components, batch endpoints); newest stable one Learn lists for Jobs - Create Or Update.',
  }),
  batchAudience: def({
    name: 'AML_BATCH_AUDIENCE',
    feature: 'aml',
    default: 'https://ml.azure.com',
    defaultText: '`https://ml.azure.com`',
    parse: httpsUrl,
    code: 'aml.settings.invalid_url',
    meaning: 'Audience of the token sent to batch endpoint scoring URIs (not ARM).',
  }),
  runSource: def({
    name: 'AML_RUN_SOURCE',
    feature: 'aml',
    default: 'SDK',
    defaultText: '`SDK`',
    parse: text,
    meaning: '`RunSource` of HTTP submissions that set none.',
  }),

  schedulesPath: def({
    name: 'SCHEDULES_PATH',
    feature: 'schedules',
    default: undefined,
    defaultText: `\`${DEFAULT_SCHEDULES_PATH}\``,
    parse: text,
    meaning: 'Schedule files (file or folder), relative to host.json.',
    checked: true,
  }),
  stateContainer: def({
    name: 'SCHEDULE_STATE_CONTAINER',
    feature: 'schedules',
    default: 'aml-triggers',
    defaultText: '`aml-triggers`',
    parse: containerName,
    code: 'schedule.state_container.invalid',
    infra: '`aml-triggers`',
    meaning: 'Container of schedule state, history, claims, due index, timer heartbeat.',
  }),
  tickCron: def({
    name: 'SCHEDULE_TICK_CRON',
    feature: 'timer',
    default: '0 */1 * * * *',
    defaultText: '`0 */1 * * * *`',
    parse: ncrontab6,
    code: 'schedule.tick_cron.invalid',
    meaning: "The timer's six-field NCRONTAB.",
  }),
  missedGraceMinutes: def({
    name: 'SCHEDULE_MISSED_GRACE_MINUTES',
    feature: 'timer',
    default: 5,
    defaultText: '`5`',
    ...tickNumber(1, 24 * 60, 'minutes'),
    meaning: 'How late an occurrence may still run (docs/timer.md).',
  }),
  retryDeadlineMinutes: def({
    name: 'SCHEDULE_RETRY_DEADLINE_MINUTES',
    feature: 'timer',
    default: 60,
    defaultText: '`60`',
    ...tickNumber(0, 7 * 24 * 60, 'minutes'),
    meaning: 'How long a transiently failing occurrence is retried.',
  }),
  submitDeadlineSeconds: def({
    name: 'SCHEDULE_SUBMIT_DEADLINE_SECONDS',
    feature: 'timer',
    default: 30,
    defaultText: '`30`',
    ...tickNumber(1, 600, 'seconds'),
    meaning: 'Time one scheduled submission may take.',
  }),
  claimTimeoutSeconds: def({
    name: 'SCHEDULE_CLAIM_TIMEOUT_SECONDS',
    feature: 'timer',
    default: 120,
    defaultText: '`120`',
    ...tickNumber(10, 3600, 'seconds'),
    meaning: 'When an abandoned claim is taken over.',
  }),
  tickConcurrency: def({
    name: 'SCHEDULE_TICK_CONCURRENCY',
    feature: 'timer',
    default: 32,
    defaultText: '`32`',
    ...tickNumber(1, 256, ''),
    meaning: 'Parallel storage requests within a tick.',
  }),
  clockToleranceSeconds: def({
    name: 'SCHEDULE_CLOCK_TOLERANCE_SECONDS',
    feature: 'timer',
    default: 10,
    defaultText: '`10`',
    ...tickNumber(1, 3600, 'seconds'),
    meaning:
      "How far the app's clock may be from the storage service's before a tick refuses to act (docs/timer.md, Clock).",
  }),

  triggerSource: def<TriggerSource, 'EventGrid'>({
    name: 'REACTIVE_TRIGGER_SOURCE',
    feature: 'reactive',
    default: 'EventGrid',
    defaultText: '`EventGrid`',
    parse: oneOf(TRIGGER_SOURCES),
    infra: '`EventGrid`',
    meaning: '`EventGrid`, `LogsAndContainerScan` (local) or `EventGridTrigger`.',
  }),
  reactiveStorage: def({
    name: 'REACTIVE_STORAGE',
    feature: 'reactive',
    readBy: ['app', 'host'],
    ...none,
    infra: '`__blobServiceUri`, `__queueServiceUri`, `__credential`, `__clientId` of the watched account',
    meaning: 'Connection of the watched account (prefix).',
  }),
  reactiveContainers: def<readonly string[], readonly string[]>({
    name: 'REACTIVE_CONTAINERS',
    feature: 'reactive',
    default: [],
    defaultText: '—',
    parse: list,
    meaning: 'Extra containers to watch (schedules that name only a datastore).',
  }),
  reactiveRefreshMs: def({
    name: 'REACTIVE_REFRESH_MS',
    feature: 'reactive',
    default: 300_000,
    defaultText: '`300000`',
    parse: wholeNumber(1000, 86_400_000, 'milliseconds'),
    meaning: 'How often applied reactive schedules are picked up.',
  }),

  healthTickStaleMinutes: def({
    name: 'HEALTH_TICK_STALE_MINUTES',
    feature: 'health',
    default: 10,
    defaultText: '`10`',
    parse: wholeNumber(1, 7 * 24 * 60, 'minutes'),
    meaning: '`GET /api/health` reports the timer stale after this long without a tick.',
  }),
  healthCheckTimeoutMs: def({
    name: 'HEALTH_CHECK_TIMEOUT_MS',
    feature: 'health',
    default: 10_000,
    defaultText: '`10000`',
    parse: wholeNumber(1, 600_000, 'milliseconds'),
    meaning: 'Time limit of each health check.',
  }),

  azureClientId: platform('AZURE_CLIENT_ID', 'Azure SDK convention; fallback for `AML_MANAGED_IDENTITY_CLIENT_ID`.'),
  identityEndpoint: platform(
    'IDENTITY_ENDPOINT',
    'Managed identity endpoint (Functions/App Service); selects `managedidentity`.',
  ),
  msiEndpoint: platform('MSI_ENDPOINT', 'Older name of the same.'),
  instanceId: platform('WEBSITE_INSTANCE_ID', 'Instance id, recorded as the owner of claims.'),
} as const;

export type SettingKey = keyof typeof SETTINGS;
/** A setting's value: its type, or undefined when it has no default. */
export type SettingValue<D> = D extends SettingDef<infer T> & { readonly default: infer Dflt }
  ? T | (undefined extends Dflt ? undefined : never)
  : never;

/** Every setting, in docs order. */
export const ALL_SETTINGS: readonly SettingDef<unknown>[] = Object.values(SETTINGS);

// ---------------------------------------------------------------------------------------------------
// Reading

/** The error for a setting whose value is not what it takes: names the setting, the value, what to do and what it stops. */
export function settingError(setting: SettingDef<unknown>, value: string, expected: string): AppError {
  return {
    code: setting.code,
    message: `Setting ${setting.name} is ${JSON.stringify(value)}; it must be ${expected}. Fix the app setting (locally: local.settings.json Values or the environment) and restart; ${FEATURES[setting.feature].effect}.`,
    field: setting.name,
    value,
    source: setting.name,
  };
}

/** The trimmed text of a setting, undefined when unset or blank. */
export function settingText(env: Env, setting: SettingDef<unknown>): string | undefined {
  const t = env[setting.name]?.trim();
  return t ? t : undefined;
}

/** Reads one setting: its value, its default when unset or blank, or the error naming it. */
export function readSetting<D extends SettingDef<unknown>>(env: Env, setting: D): Result<SettingValue<D>> {
  const t = settingText(env, setting);
  if (t === undefined) return { ok: true, value: setting.default as SettingValue<D> };
  const parsed = setting.parse(t);
  return parsed.ok
    ? { ok: true, value: parsed.value as SettingValue<D> }
    : { ok: false, error: settingError(setting, t, parsed.expected) };
}

/** Reads settings by key; every invalid one is listed. */
export function readSettings<K extends SettingKey>(
  env: Env,
  keys: readonly K[],
): Result<{ [P in K]: SettingValue<(typeof SETTINGS)[P]> }, readonly AppError[]> {
  const out: Partial<Record<K, unknown>> = {};
  const errors: AppError[] = [];
  for (const key of keys) {
    const r = readSetting(env, SETTINGS[key] as SettingDef<unknown>);
    if (r.ok) out[key] = r.value;
    else errors.push(r.error);
  }
  return errors.length
    ? { ok: false, error: errors }
    : { ok: true, value: out as { [P in K]: SettingValue<(typeof SETTINGS)[P]> } };
}

export interface SettingProblem {
  readonly setting: SettingDef<unknown>;
  readonly error: AppError;
}

/** Every setting whose value is invalid (what start-up and the health probe report). */
export function settingProblems(env: Env): readonly SettingProblem[] {
  const problems: SettingProblem[] = [];
  for (const setting of ALL_SETTINGS) {
    const r = readSetting(env, setting);
    if (!r.ok) problems.push({ setting, error: r.error });
  }
  return problems;
}

/** The settings of one feature, read; the first invalid one as the error (the feature is off until it is fixed). */
export function featureProblem(env: Env, feature: Feature): AppError | undefined {
  return settingProblems(env).find((p) => p.setting.feature === feature)?.error;
}

// ---------------------------------------------------------------------------------------------------
// Storage connections (functions-host.md, Identity): a prefix and `<PREFIX>__<property>` settings.

export const STORAGE_CONNECTION = SETTINGS.storage.name;
export const REACTIVE_CONNECTION = SETTINGS.reactiveStorage.name;

export interface ConnectionSettings {
  readonly prefix: string;
  /** `<PREFIX>`: a connection string. */
  readonly connectionString?: string;
  /** The blob endpoint and the setting it came from (`__blobServiceUri`, `__serviceUri`, or `__accountName` → the public endpoint). */
  readonly blobServiceUri?: { readonly setting: string; readonly value: string };
  /** `__credential` (lower case), `__clientId`. */
  readonly credential?: string;
  readonly clientId?: string;
}

/** The settings of the storage connection `prefix` (`AzureWebJobsStorage`, `REACTIVE_STORAGE`). */
export function connectionSettings(env: Env, prefix: string): ConnectionSettings {
  const get = (name: string): string | undefined => env[name]?.trim() || undefined;
  const uriSetting = [`${prefix}__blobServiceUri`, `${prefix}__serviceUri`].find((name) => get(name));
  const accountName = get(`${prefix}__accountName`);
  const blobServiceUri = uriSetting
    ? { setting: uriSetting, value: get(uriSetting)! }
    : accountName
      ? { setting: `${prefix}__accountName`, value: `https://${accountName}.blob.core.windows.net` }
      : undefined;
  const connectionString = get(prefix);
  const credential = get(`${prefix}__credential`)?.toLowerCase();
  const clientId = get(`${prefix}__clientId`);
  return {
    prefix,
    ...(connectionString ? { connectionString } : {}),
    ...(blobServiceUri ? { blobServiceUri } : {}),
    ...(credential ? { credential } : {}),
    ...(clientId ? { clientId } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// Derived values

/** The default workspace from AML_SUBSCRIPTION_ID / AML_RESOURCE_GROUP / AML_WORKSPACE_NAME, when all are set. */
export function defaultWorkspaceSettings(
  env: Env,
): { subscriptionId: string; resourceGroup: string; workspaceName: string } | undefined {
  const subscriptionId = settingText(env, SETTINGS.subscriptionId);
  const resourceGroup = settingText(env, SETTINGS.resourceGroup);
  const workspaceName = settingText(env, SETTINGS.workspaceName);
  return subscriptionId && resourceGroup && workspaceName
    ? { subscriptionId, resourceGroup, workspaceName }
    : undefined;
}

/** Who claims occurrences (for diagnosis in claim blobs): the instance id in Azure, else `local`, and the process id. */
export function instanceOwner(env: Env): string {
  return `${settingText(env, SETTINGS.instanceId)?.slice(0, 12) ?? 'local'}:${process.pid}`;
}

/** Whether the platform provides a managed identity endpoint (selects the `managedidentity` credential). */
export function hasManagedIdentityEndpoint(env: Env): boolean {
  return (
    settingText(env, SETTINGS.identityEndpoint) !== undefined || settingText(env, SETTINGS.msiEndpoint) !== undefined
  );
}

/** The client id of the identity calling Azure ML: AML_MANAGED_IDENTITY_CLIENT_ID, else AZURE_CLIENT_ID. */
export function managedIdentityClientId(env: Env): string | undefined {
  return settingText(env, SETTINGS.managedIdentityClientId) ?? settingText(env, SETTINGS.azureClientId);
}

// ---------------------------------------------------------------------------------------------------
// docs/settings.md

/** The tables of docs/settings.md (scripts/settings.mjs writes them between its markers): every setting, then what an invalid value stops. */
export function settingsTable(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = ALL_SETTINGS.map(
    (s) =>
      `| \`${s.name}\` | ${s.readBy.join(', ')} | ${cell(s.defaultText)} | ${cell(s.infra)} | ${cell(s.meaning)} |`,
  );
  const checked = ALL_SETTINGS.filter((s) => s.checked);
  const features = (Object.keys(FEATURES) as Feature[]).filter((f) => checked.some((s) => s.feature === f));
  const effects = features.map(
    (f) =>
      `| ${f} | ${checked
        .filter((s) => s.feature === f)
        .map((s) => `\`${s.name}\``)
        .join(', ')} | ${cell(FEATURES[f].effect)}. |`,
  );
  return (
    [
      '| Setting | Read by | Default | infra/ | Meaning |',
      '|---|---|---|---|---|',
      ...rows,
      '',
      'An invalid value (a number out of range or not whole, a URL that is not https, a word not in the list) is',
      'an error naming the setting, the value and what it must be, logged at start-up; it is never replaced',
      'by the default or rounded. One bad setting stays local: it stops only its own feature.',
      '',
      '| Feature | Checked settings | While one is invalid |',
      '|---|---|---|',
      ...effects,
    ].join('\n') + '\n'
  );
}
