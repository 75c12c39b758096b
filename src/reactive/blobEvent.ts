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
 *
 * What a real host puts in `Properties` (verified, not guessed): the storage extension 5.x
 * (Microsoft.Azure.WebJobs.Extensions.Storage.Blobs 5.3.10, the bundle [4.*, 5.0.0) line) depends on
 * Azure.Storage.Blobs 12.26.0 (Azure.Core 1.53.0) and Microsoft.Azure.WebJobs 3.0.44 → Newtonsoft.Json
 * 13.0.x. The host's worker channel turns the trigger metadata object into JSON with
 * `JsonConvert.SerializeObject(value, Formatting.None)` (azure-functions-host RpcMessageConversionExtensions
 * .ToRpcDefault). A throw-away .NET 10 console project with exactly those packages, serializing
 * `BlobsModelFactory.BlobProperties(lastModified, createdOn, metadata {hdi_isfolder: "true"}, BlobType.Block,
 * contentLength 6, "text/csv", new ETag("\"0x8DC9A1B2C3D4E5F\""), contentHash [1,2,3], LeaseState.Available,
 * LeaseStatus.Unlocked, accessTier "Hot", ...)`, printed (abridged to the fields that matter here):
 *
 *   {"LastModified":"2026-03-01T06:00:00+00:00","CreatedOn":"2026-03-01T06:00:00+00:00",
 *    "Metadata":{"hdi_isfolder":"true"},"BlobType":0,"CopyCompletedOn":"0001-01-01T00:00:00+00:00",
 *    "CopyStatus":0,"LeaseDuration":0,"LeaseState":0,"LeaseStatus":1,"ContentLength":6,
 *    "ContentType":"text/csv","ETag":{},"ContentHash":"AQID","AccessTier":"Hot",...}
 *
 *  - `ETag` is `{}`: `Azure.ETag` is a struct whose only state is a private field, and its converter is a
 *    System.Text.Json one, which Newtonsoft ignores. (`JsonConvert.SerializeObject(new ETag(...))` alone
 *    also prints `{}`.) So the trigger metadata NEVER carries the version on a real host.
 *  - Enums are numbers (`BlobType` 0 = Block, `LeaseState` 0 = Available, `LeaseStatus` 1 = Unlocked,
 *    `CopyStatus`, `LeaseDuration`), unset dates are `0001-01-01T00:00:00+00:00`, `ContentHash` is base64.
 *  - `ContentLength` is a plain number and `Metadata` a plain object: both usable.
 * After @azure/functions camel-cases every key recursively (toCamelCaseValue), the app sees
 * `properties.eTag = {}`, `properties.contentLength = 6`, `properties.metadata.hdi_isfolder = "true"`.
 * Therefore the version is taken from the blob's own properties (the HEAD probe, blobProbe.ts) whenever the
 * metadata has no usable string; a string ETag (quoted or not, `eTag`/`ETag`/`etag`) is still accepted, in
 * case a host version ever writes one, and Event Grid events (`data.eTag`) do carry a string.
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
  /**
   * The blob version's ETag without surrounding quotes, e.g. `0x8DC9A1B2C3D4E5F`, when the event carries
   * a usable string; `undefined` otherwise (a real host's trigger metadata: see above), and the version is
   * then read from the blob itself.
   */
  readonly etag?: string;
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

/**
 * The ETag as a usable string, from whatever shape it arrived in: a string (quoted or not), or an object
 * that happens to carry one (`{ value }` / `{ _value }`); `{}`, `null`, empty or missing → undefined.
 */
export function etagText(v: unknown): string | undefined {
  const raw = isObject(v) ? text(pick(v, 'value', '_value')) : typeof v === 'string' ? v : undefined;
  const e = raw === undefined ? undefined : normalizeEtag(raw);
  return e ? e : undefined;
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
  if (!isObject(metadata))
    return err(invalid('The blob trigger gave no trigger metadata.', 'triggerMetadata', metadata));
  const path = text(pick(metadata, 'blobTrigger'));
  if (!path)
    return err(
      invalid(
        'Trigger metadata has no blobTrigger ("<container>/<name>").',
        'triggerMetadata.blobTrigger',
        metadata.blobTrigger,
      ),
    );
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    return err(
      invalid(`blobTrigger ${showValue(path)} is not "<container>/<name>".`, 'triggerMetadata.blobTrigger', path),
    );
  }
  const properties = isObject(pick(metadata, 'properties')) ? (pick(metadata, 'properties') as Json) : undefined;
  const etag = etagText(pick(properties, 'eTag', 'etag')) ?? etagText(pick(metadata, 'eTag', 'etag'));
  const url = text(pick(metadata, 'uri'));
  const contentLength = count(pick(properties, 'contentLength', 'length'));
  const contentType = text(pick(properties, 'contentType'));
  return ok({
    kind: 'created',
    container: path.slice(0, slash),
    blobName: path.slice(slash + 1),
    ...(etag !== undefined ? { etag } : {}),
    ...(contentLength !== undefined ? { contentLength } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(url !== undefined ? { url } : {}),
    folderMarker:
      isFolderMarkerMetadata(pick(metadata, 'metadata')) || isFolderMarkerMetadata(pick(properties, 'metadata')),
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
  else
    return err(
      invalid(`Event type ${showValue(type)} is not a Microsoft.Storage blob event.`, 'event.eventType', type),
    );
  const subject = text(event.subject);
  const m = subject ? SUBJECT.exec(subject) : null;
  if (!m || !m[1] || !m[2]) {
    return err(
      invalid(
        `Event subject ${showValue(subject)} is not "/blobServices/default/containers/<container>/blobs/<name>".`,
        'event.subject',
        subject,
      ),
    );
  }
  const data = isObject(event.data) ? event.data : {};
  const etag = etagText(pick(data, 'eTag', 'etag'));
  const contentLength = count(pick(data, 'contentLength'));
  const contentType = text(pick(data, 'contentType'));
  const url = text(pick(data, 'url'));
  const api = text(pick(data, 'api'));
  const id = text(event.id);
  return ok({
    kind,
    container: m[1],
    blobName: m[2],
    ...(etag !== undefined ? { etag } : {}),
    ...(contentLength !== undefined ? { contentLength } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(url !== undefined ? { url } : {}),
    ...(api !== undefined ? { api } : {}),
    folderMarker: false,
    ...(id !== undefined ? { eventId: id } : {}),
    origin: 'eventGrid',
  });
}
