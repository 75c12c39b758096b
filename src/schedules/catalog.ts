/**
 * The catalog (`catalog.json`, blobNames.ts): `{ schedules: name → definition hash, updatedAt }` of the
 * definitions last synced into the state store, so a sync finds the new / edited / removed definitions
 * with one read. Replaced If-Match (If-None-Match: * when first written). An unreadable catalog reads
 * as empty (every definition is then synced again, which is idempotent) and is replaced by the next sync.
 */
import type { BlobJsonStore, JsonParser } from '../storage/blobJson';
import { CATALOG_BLOB } from './blobNames';
import { isoInstant } from './instants';

export interface CatalogRead {
  /** name → definition hash last synced (empty when the catalog is missing or unreadable). */
  readonly schedules: Readonly<Record<string, string>>;
  /** The ETag to write over; undefined when there is no catalog yet. */
  readonly etag: string | undefined;
}

export class ScheduleCatalog {
  constructor(private readonly blobs: BlobJsonStore) {}

  async read(): Promise<CatalogRead> {
    const read = await this.blobs.read(CATALOG_BLOB, parseCatalog);
    if (read.status === 'missing') return { schedules: {}, etag: undefined };
    return { schedules: read.status === 'found' ? read.value.schedules : {}, etag: read.etag };
  }

  /** Writes the catalog over the one read (`etag`); false when another writer got there first. */
  async write(schedules: Readonly<Record<string, string>>, etag: string | undefined, now: Date): Promise<boolean> {
    const doc: CatalogDocument = {
      schedules: Object.fromEntries(Object.entries(schedules).sort(([a], [b]) => a.localeCompare(b))),
      updatedAt: isoInstant(now),
    };
    const written =
      etag === undefined
        ? await this.blobs.createIfAbsent(CATALOG_BLOB, doc)
        : await this.blobs.replaceIfMatch(CATALOG_BLOB, doc, etag);
    return written.status === 'written';
  }
}

interface CatalogDocument {
  readonly schedules: Readonly<Record<string, string>>;
  readonly updatedAt: string;
}

const parseCatalog: JsonParser<CatalogDocument> = (raw) =>
  typeof raw === 'object' &&
  raw !== null &&
  typeof (raw as { schedules?: unknown }).schedules === 'object' &&
  (raw as { schedules?: unknown }).schedules !== null &&
  !Array.isArray((raw as { schedules?: unknown }).schedules)
    ? { ok: true, value: raw as CatalogDocument }
    : { ok: false, message: 'is not a schedule catalog (schedules)' };
