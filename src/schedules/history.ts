/**
 * Each schedule's run history (`schedules/<name>/history.json`, blobNames.ts): `{ name, entries }`,
 * newest first, at most `limit` entries (default 100). Appended If-Match (If-None-Match: * for the
 * first entry), so concurrent appends lose nothing.
 */
import { AppFailure, type AppError } from '../errors';
import type { BlobJsonStore, JsonParser } from '../storage/blobJson';
import { historyBlobName } from './blobNames';
import { contendedError } from './scheduleStates';
import type { HistoryDocument, HistoryEntry } from './stateTypes';

export const DEFAULT_HISTORY_LIMIT = 100;

/** A history read: its entries, or what is wrong with the blob (then no entries). */
export type HistoryRead = { readonly status: 'found'; readonly entries: HistoryEntry[] } | { readonly status: 'corrupt'; readonly entries: []; readonly error: AppError };

export class ScheduleHistory {
  constructor(
    private readonly blobs: BlobJsonStore,
    /** Entries kept per schedule. */
    readonly limit: number,
    private readonly casAttempts: number,
  ) {}

  /**
   * Adds `entry` at the front of the schedule's history, keeping the newest `limit`. A history blob that
   * cannot be read is replaced by one holding this entry (the record of runs from now on matters more
   * than the unreadable one; each outcome is also on its claim, its log line and its event).
   */
  async append(name: string, entry: HistoryEntry): Promise<void> {
    const blob = historyBlobName(name);
    for (let attempt = 0; attempt < this.casAttempts * 2; attempt++) {
      const current = await this.blobs.read(blob, parseHistory);
      if (current.status === 'missing') {
        const created = await this.blobs.createIfAbsent(blob, { name, entries: [entry] } satisfies HistoryDocument);
        if (created.status === 'written') return;
        continue;
      }
      const entries = current.status === 'found' ? current.value.entries : []; // corrupt: start afresh
      const doc: HistoryDocument = { name, entries: [entry, ...entries].slice(0, this.limit) };
      const written = await this.blobs.replaceIfMatch(blob, doc, current.etag);
      if (written.status === 'written') return;
    }
    throw contendedError(name, this.casAttempts);
  }

  /** The newest `limit` entries (newest first); an unreadable history is `corrupt`, with what is wrong. */
  async read(name: string, limit = this.limit): Promise<HistoryRead> {
    const read = await this.blobs.read(historyBlobName(name), parseHistory);
    if (read.status === 'missing') return { status: 'found', entries: [] };
    if (read.status === 'corrupt') return { status: 'corrupt', entries: [], error: read.error };
    return { status: 'found', entries: read.value.entries.slice(0, Math.max(0, limit)) };
  }

  /** The newest `limit` entries; an unreadable history throws `AppFailure` (`storage.blob.corrupt`). */
  async entries(name: string, limit = this.limit): Promise<HistoryEntry[]> {
    const read = await this.read(name, limit);
    if (read.status === 'corrupt') throw new AppFailure(read.error);
    return read.entries;
  }
}

const parseHistory: JsonParser<HistoryDocument> = (raw) =>
  typeof raw === 'object' && raw !== null && Array.isArray((raw as { entries?: unknown }).entries)
    ? { ok: true, value: raw as HistoryDocument }
    : { ok: false, message: 'is not a history document (entries)' };
