/**
 * Every blob and prefix the app writes in its state container (`SCHEDULE_STATE_CONTAINER`, default
 * `aml-triggers`), named in this one module (as BullMQ keeps every key in queue-keys.ts): nothing else
 * builds a blob name. The parsers read the names back (listings), undefined for names that are not one.
 *
 *   schedules/<name>/state.json            the schedule's state (scheduleStates.ts)
 *   schedules/<name>/history.json          its newest outcomes (history.ts)
 *   claims/<name>/<occurrence>.json        one per occurrence handled (occurrenceClaims.ts)
 *   claims/<name>/manual.<request id>.json one per run-now request (runNow.ts)
 *   due/<yyyyMMddTHHmmssZ>/<name>/<id>     due-index marker, keyed by the state's wakeAt (scheduleStates.ts)
 *   catalog.json                           name → definition hash last synced (catalog.ts)
 *   definitions/index.json                 applied definitions: name → version blob (registry.ts)
 *   definitions/<name>/<contentHash>.json  one applied definition, immutable (registry.ts)
 *   reactive-claims/<schedule>/<sha256(container/blob)>/<etag>.json   reactive claims (reactive/claims.ts)
 *   targets/status.json                    every target's status, Active / Disabled with who/when/why (targets/statusStore.ts)
 */
import { createHash, randomBytes } from 'node:crypto';
import { normalizeEtag } from '../reactive/blobEvent';
import { occurrenceKey, parseOccurrenceKey } from './instants';

// -- states and history -------------------------------------------------------------------------------

export const SCHEDULES_PREFIX = 'schedules/';
/** Everything stored under one schedule's folder (state, history). */
export const scheduleFolder = (name: string): string => `${SCHEDULES_PREFIX}${name}/`;
export const stateBlobName = (name: string): string => `${scheduleFolder(name)}state.json`;
export const historyBlobName = (name: string): string => `${scheduleFolder(name)}history.json`;

/** `schedules/<name>/state.json` → `<name>`. */
export function parseStateBlobName(blob: string): string | undefined {
  return /^schedules\/([^/]+)\/state\.json$/.exec(blob)?.[1];
}

// -- claims ----------------------------------------------------------------------------------------------

export const CLAIMS_PREFIX = 'claims/';
export const claimsFolder = (name: string): string => `${CLAIMS_PREFIX}${name}/`;
export const claimBlobName = (name: string, occurrence: string): string => `${claimsFolder(name)}${occurrence}.json`;

/**
 * The claim id of a run-now request (runNow.ts): `manual.<request id>`. Never an instant key, so a
 * manual run can neither take an occurrence's claim nor count as one, and settled-claim pruning (which
 * reads instants only) leaves it until the schedule is deleted.
 */
export const manualClaimId = (requestId: string): string => `manual.${requestId}`;

/** `claims/<name>/<occurrence>.json` → its parts; `instant` when the occurrence id is an instant key. */
export function parseClaimBlobName(blob: string): { name: string; occurrence: string; instant?: Date } | undefined {
  if (!blob.startsWith(CLAIMS_PREFIX)) return undefined;
  const parts = blob.slice(CLAIMS_PREFIX.length).split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]?.endsWith('.json')) return undefined;
  const occurrence = parts[1].slice(0, -'.json'.length);
  const instant = parseOccurrenceKey(occurrence);
  return { name: parts[0], occurrence, ...(instant ? { instant } : {}) };
}

// -- due index -------------------------------------------------------------------------------------------

export const DUE_PREFIX = 'due/';

/** A fresh marker for `name` waking at `wakeAt`; the random id makes every marker unique (never shared or reused). */
export function newDueMarkerName(name: string, wakeAt: Date, id: string = randomBytes(6).toString('hex')): string {
  return `${DUE_PREFIX}${occurrenceKey(wakeAt)}/${name}/${id}`;
}

/** `due/<key>/<name>/<id>` → `{ wakeAt, name }`; undefined for any other name (e.g. one written by hand). */
export function parseDueMarkerName(blob: string): { wakeAt: Date; name: string } | undefined {
  if (!blob.startsWith(DUE_PREFIX)) return undefined;
  const parts = blob.slice(DUE_PREFIX.length).split('/');
  if (parts.length !== 3 || !parts[0] || !parts[1] || !parts[2]) return undefined;
  const wakeAt = parseOccurrenceKey(parts[0]);
  return wakeAt ? { wakeAt, name: parts[1] } : undefined;
}

/** The last marker name a listing up to `now` may return (names sort by their instant). */
export function dueListingThrough(now: Date): string {
  return `${DUE_PREFIX}${occurrenceKey(now)}/~`;
}

// -- catalog and applied definitions ---------------------------------------------------------------------

export const CATALOG_BLOB = 'catalog.json';
export const DEFINITIONS_INDEX_BLOB = 'definitions/index.json';
/** Where one applied definition's body is stored (`contentHash`: a hash of that body). */
export const definitionBlobName = (name: string, contentHash: string): string =>
  `definitions/${name}/${contentHash}.json`;
export const definitionsFolder = (name: string): string => `definitions/${name}/`;

// -- reactive claims -------------------------------------------------------------------------------------

export const REACTIVE_CLAIMS_PREFIX = 'reactive-claims/';

/**
 * The reactive claim of one blob version for one schedule. The blob name is hashed (blob names may be
 * 1,024 characters of anything); the record inside keeps it verbatim.
 */
export function reactiveClaimBlobName(key: {
  readonly schedule: string;
  readonly container: string;
  readonly blobName: string;
  readonly etag: string;
}): string {
  const blobHash = createHash('sha256').update(`${key.container}/${key.blobName}`, 'utf8').digest('hex');
  const etag = normalizeEtag(key.etag).replace(/[^A-Za-z0-9._-]/g, '_') || '_';
  return `${REACTIVE_CLAIMS_PREFIX}${encodeURIComponent(key.schedule)}/${blobHash}/${etag}.json`;
}

/** The timer's heartbeat (last tick, failed / unknown counts per hour) that GET /api/health reads (src/health/heartbeat.ts). */
export const TICK_HEARTBEAT_BLOB = 'health/timer.json';

/**
 * Every pipeline target's run-time status (`Active` / `Disabled`, who, when, why) in ONE small blob
 * (src/targets/statusStore.ts): the timer reads it at most once per tick, and only when something is due.
 */
export const TARGET_STATUS_BLOB = 'targets/status.json';
