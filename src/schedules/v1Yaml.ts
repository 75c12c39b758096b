/**
 * The Azure ML SDK v1 schedule YAML (`Schedule.load_yaml(workspace, filename)`): a top-level `Schedule:`
 * mapping holding description, recurrence, pipeline_parameters, datastore_name, polling_interval,
 * data_path_parameter_name, continue_on_step_failure and path_on_datastore. This module maps it onto the
 * app's own schedule fields so v1 files can be used unchanged:
 *   - `datastore_name` → `datastore`;
 *   - the name (which v1 YAML does not carry; `Schedule.create` took it as an argument) comes from the
 *     file name (`nightly-train.yaml` → `nightly-train`) unless the mapping has `name`;
 *   - the pipeline (also an argument of `Schedule.create` in v1) must be added under `Schedule:` as
 *     `target`, `pipeline_id` or `pipeline_endpoint_id`; any other field of ours may be added too;
 *   - SDK v1 code filled in `GMT Standard Time` when `start_time` was given without a zone, so an
 *     imported recurrence with start_time and no zone gets that zone written explicitly (and a
 *     warning says so), keeping the schedule's behaviour (recurrence.md);
 *   - `wait_for_provisioning` and `wait_timeout` (arguments of the SDK's `Schedule.create`, which its own
 *     `load_yaml` sample writes) only told the Python client how long to block: accepted, ignored, noted;
 *   - a value written `~`/`null`, or `None` (Python's null, which the SDK's sample writes and YAML reads
 *     as the text "None"), means the field is absent, as `load_yaml` treats it.
 */
import path from 'node:path';
import { SCHEDULE_NAME_PATTERN } from './definition';

export const V1_ROOT_KEY = 'Schedule';
export const V1_DEFAULT_TIME_ZONE = 'GMT Standard Time';

/** v1 key → our key. */
export const V1_RENAMES: Readonly<Record<string, string>> = { datastore_name: 'datastore' };

/** Keys of the SDK's YAML that only steered the Python client (how long `create` waited): ignored. */
export const V1_CLIENT_ONLY_KEYS: readonly string[] = ['wait_for_provisioning', 'wait_timeout'];

/** `null` (`~`) or Python's `None` written as text: the SDK's "not set". */
function isUnset(value: unknown): boolean {
  return value === null || value === 'None';
}

export interface V1Import {
  /** The schedule in the app's own field names. */
  readonly raw: Record<string, unknown>;
  /** How our field names map back to the keys written in the file, for error paths and lines. */
  readonly writtenKey: (ourKey: string) => string;
  /** True when the name was derived from the file name. */
  readonly nameFromFile: boolean;
  /** True when `start_time` had no zone and `GMT Standard Time` will be written. */
  readonly zoneDefaulted: boolean;
  /** Client-only keys present in the file (ignored), in file order. */
  readonly ignoredKeys: readonly string[];
}

/** Whether a parsed document is a v1 `Schedule:` file. */
export function isV1ScheduleDocument(data: unknown): data is { Schedule: unknown } {
  return (
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    Object.keys(data).length === 1 &&
    V1_ROOT_KEY in data
  );
}

/** The schedule name a v1 file gets from its file name (`dir/nightly.yaml` → `nightly`). */
export function nameFromFileName(file: string): string {
  return path.basename(file).replace(/\.(ya?ml|json)$/i, '');
}

export function fromV1Schedule(body: Record<string, unknown>, file: string): V1Import {
  // The SDK writes an unset field as null (None); it means "absent", here as in the SDK.
  const raw: Record<string, unknown> = {};
  const ignoredKeys: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (V1_CLIENT_ONLY_KEYS.includes(key)) {
      ignoredKeys.push(key);
      continue;
    }
    if (isUnset(value)) continue;
    raw[V1_RENAMES[key] ?? key] = key === 'recurrence' ? withoutNulls(value) : value;
  }
  const nameFromFile = raw.name === undefined;
  if (nameFromFile) raw.name = nameFromFileName(file);
  const recurrence = raw.recurrence;
  const zoneDefaulted =
    typeof recurrence === 'object' &&
    recurrence !== null &&
    !Array.isArray(recurrence) &&
    (recurrence as Record<string, unknown>).start_time !== undefined &&
    (recurrence as Record<string, unknown>).time_zone === undefined &&
    raw.time_zone === undefined;
  const back = Object.fromEntries(Object.entries(V1_RENAMES).map(([v1, ours]) => [ours, v1]));
  const written = new Set(Object.keys(body));
  return {
    raw,
    writtenKey: (ourKey) => (written.has(ourKey) ? ourKey : (back[ourKey] ?? ourKey)),
    nameFromFile,
    zoneDefaulted,
    ignoredKeys,
  };
}

function withoutNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => !isUnset(v)));
}

export function isValidDerivedName(name: string): boolean {
  return SCHEDULE_NAME_PATTERN.test(name);
}
