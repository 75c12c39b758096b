/**
 * The blob notification the reactive side works from, parsed (pure, no I/O) from what the host gives.
 *
 * Two shapes arrive:
 *  1. A blob trigger's `context.triggerMetadata` (functions-host.md): `blobTrigger` = "<container>/<name>",
 *     `uri`, `properties` (the .NET `BlobProperties`, keys camel-cased by @azure/functions:
 *     `eTag`, `contentLength` — older extensions say `length` —, `contentType`, `lastModified`, ...),
 *     `metadata` (user metadata, first letter of each key lower-cased).
 *  2. An Event Grid `Microsoft.Storage.BlobCreated` / `BlobDeleted` event (Event Grid schema): `subject`
 *     "/blobServices/default/containers/<container>/blobs/<name>", `data.api`, `data.url`, `data.eTag`,
 *     `data.contentLength`, `data.contentType`, `data.blobType`, `data.sequencer`. This is what a local
 *     developer POSTs to a running host, and what `REACTIVE_TRIGGER_SOURCE=EventGridTrigger` receives.
 *
 * Names: the blob's name is taken from the fields that carry it decoded — `blobTrigger` (1) and `subject`
 * (2) — and is never URL-decoded again, so a blob literally named `a%20b.csv` stays `a%20b.csv`.
 * `uri`/`url` are percent-encoded (and .NET's `Uri.ToString()` may even un-escape parts of them), so they
 * are kept for display only. Note that @azure/functions runs every metadata value through `JSON.parse`
 * when it can (fromRpcTypedData → tryJsonParse): the `name` binding of a blob named `123` or `true` would
 * arrive as a number or a boolean, which is another reason to read `blobTrigger` ("c/123" is never JSON).
 */
import { err, ok, showValue, type AppError, type Result } from '../errors';

/** The storage operations that create or replace a blob's content (functions-host.md: filter `data.api`). */
export const CONTENT_APIS: ReadonlySet<string> = new Set(['PutBlob', 'PutBlockList', 'CopyBlob', 'FlushWithClose']);

export interface BlobEvent {
  /** `other`: another storage event (DirectoryCreated, BlobTierChanged, ...): never starts a run. */
  readonly kind: 'created' | 'deleted' | 'other';
  readonly container: string;
  /** The blob's name inside its container, exactly as stored (decoded; may contain `/`, `%`, `#`, `?`, ...). */
  readonly blobName: string;
  /** The blob version's ETag without surrounding quotes, e.g. `0x8DC9A1B2C3D4E5F`. */
  readonly etag: string;
  readonly contentLength?: number;
  readonly contentType?: string;
  /** The blob's URL as given (percent-encoded form): for display only. */
  readonly url?: string;
  /** The storage operation that raised the event (Event Grid `data.api`), when known. */
  readonly api?: string;
  /** `hdi_isfolder=true` metadata (a hierarchical-namespace directory or a tool's folder placeholder). */
  readonly folderMarker: boolean;
  /** Event id (Event Grid) for correlation. */
  readonly eventId?: string;
  readonly origin: 'blobTrigger' | 'eventGrid';
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Case-insensitive property lookup: the host's casing differs between extension versions. */
function pick(obj: Json | undefined, ...names: string[]): unknown {
  if (!obj) return undefined;
  for (const name of names) if (name in obj) return obj[name];
  const lower = names.map((n) => n.toLowerCase());
  for (const [k, v] of Object.entries(obj)) if (lower.includes(k.toLowerCase())) return v;
  return undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function count(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** `"0x8D..."` → `0x8D...`; weak validators (`W/"..."`) keep their value. */
export function normalizeEtag(etag: string): string {
  let e = etag.trim();
  if (e.startsWith('W/')) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e;
}

function isFolderMarkerMetadata(metadata: unknown): boolean {
  if (!isObject(metadata)) return false;
  const value = pick(metadata, 'hdi_isfolder');
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

function invalid(message: string, field: string, value: unknown): AppError {
  return { code: 'reactive.event.invalid', message, field, value, status: 400 };
}

/** Parses a blob trigger's `context.triggerMetadata` (shape 1). */
export function parseTriggerMetadata(metadata: unknown): Result<BlobEvent, AppError> {
  if (!isObject(metadata)) return err(invalid('The blob trigger gave no trigger metadata.', 'triggerMetadata', metadata));
  const path = text(pick(metadata, 'blobTrigger'));
  if (!path) return err(invalid('Trigger metadata has no blobTrigger ("<container>/<name>").', 'triggerMetadata.blobTrigger', metadata.blobTrigger));
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    return err(invalid(`blobTrigger ${showValue(path)} is not "<container>/<name>".`, 'triggerMetadata.blobTrigger', path));
  }
  const properties = isObject(pick(metadata, 'properties')) ? (pick(metadata, 'properties') as Json) : undefined;
  const etagRaw = text(pick(properties, 'eTag', 'etag')) ?? text(pick(metadata, 'eTag', 'etag'));
  if (!etagRaw) return err(invalid(`Trigger metadata for ${showValue(path)} has no properties.eTag.`, 'triggerMetadata.properties.eTag', properties));
  const url = text(pick(metadata, 'uri'));
  const contentLength = count(pick(properties, 'contentLength', 'length'));
  const contentType = text(pick(properties, 'contentType'));
  return ok({
    kind: 'created',
    container: path.slice(0, slash),
    blobName: path.slice(slash + 1),
    etag: normalizeEtag(etagRaw),
    ...(contentLength !== undefined ? { contentLength } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(url !== undefined ? { url } : {}),
    folderMarker: isFolderMarkerMetadata(pick(metadata, 'metadata')),
    origin: 'blobTrigger',
  });
}

const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/s;

/** Parses an Event Grid storage event (shape 2), Event Grid schema or CloudEvents (`type`, `source`). */
export function parseEventGridEvent(event: unknown): Result<BlobEvent, AppError> {
  if (!isObject(event)) return err(invalid('The Event Grid event is not an object.', 'event', event));
  const type = text(event.eventType) ?? text(event.type);
  let kind: BlobEvent['kind'];
  if (type === 'Microsoft.Storage.BlobCreated') kind = 'created';
  else if (type === 'Microsoft.Storage.BlobDeleted') kind = 'deleted';
  else if (type?.startsWith('Microsoft.Storage.')) kind = 'other';
  else return err(invalid(`Event type ${showValue(type)} is not a Microsoft.Storage blob event.`, 'event.eventType', type));
  const subject = text(event.subject);
  const m = subject ? SUBJECT.exec(subject) : null;
  if (!m || !m[1] || !m[2]) {
    return err(invalid(`Event subject ${showValue(subject)} is not "/blobServices/default/containers/<container>/blobs/<name>".`, 'event.subject', subject));
  }
  const data = isObject(event.data) ? event.data : {};
  const etagRaw = text(pick(data, 'eTag', 'etag'));
  if (!etagRaw && kind === 'created') return err(invalid(`Event ${showValue(event.id)} has no data.eTag.`, 'event.data.eTag', data));
  const contentLength = count(pick(data, 'contentLength'));
  const contentType = text(pick(data, 'contentType'));
  const url = text(pick(data, 'url'));
  const api = text(pick(data, 'api'));
  const id = text(event.id);
  return ok({
    kind,
    container: m[1],
    blobName: m[2],
    etag: normalizeEtag(etagRaw ?? ''),
    ...(contentLength !== undefined ? { contentLength } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(url !== undefined ? { url } : {}),
    ...(api !== undefined ? { api } : {}),
    folderMarker: false,
    ...(id !== undefined ? { eventId: id } : {}),
    origin: 'eventGrid',
  });
}
