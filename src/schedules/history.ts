/**
 * Each schedule's run history (`schedules/<name>/history.json`, blobNames.ts): `{ name, entries }`,
 * newest first, at most `limit` entries (default 100). Appended If-Match (If-None-Match: * for the
 * first entry), so concurrent appends lose nothing.
 *
 * The timer's outcomes reach it in two steps, so a due occurrence costs no history request of its own:
 * the tick's settle write puts them in the state's `recentHistory` (one write for state and history),
 * and once there are `HISTORY_INBOX_LIMIT` of them the tick files them here (`file`) before the settle
 * write that drops them from the state. Readers (`read`) read the state first, then this blob, and
 * merge: an entry is always in one of the two when read in that order (filing writes here before the
 * state lets go), and one in both (a filing cut short) is shown once.
 */
import { AppFailure, type AppError } from '../errors';
import type { BlobJsonStore, JsonParser } from '../storage/blobJson';
import { historyBlobName } from './blobNames';
import { contendedError, type ScheduleStates } from './scheduleStates';
import type { HistoryDocument, HistoryEntry } from './stateTypes';

/** Timer outcomes a state holds before the tick files them into the history blob. */
export const HISTORY_INBOX_LIMIT = 10;
export const DEFAULT_HISTORY_LIMIT = 100;

/** A history read: its entries, or what is wrong with the blob (then only the entries the state holds). */
export type HistoryRead =
  | { readonly status: 'found'; readonly entries: HistoryEntry[] }
  | { readonly status: 'corrupt'; readonly entries: HistoryEntry[]; readonly error: AppError };

export class ScheduleHistory {
  constructor(
    private readonly blobs: BlobJsonStore,
    /** Entries kept per schedule. */
    readonly limit: number,
    private readonly casAttempts: number,
    /** The states, whose `recentHistory` holds the timer's newest entries. */
    private readonly states: ScheduleStates,
  ) {}

  /**
   * Adds `entry` at the front of the schedule's history, keeping the newest `limit`. A history blob that
   * cannot be read is replaced by one holding this entry (the record of runs from now on matters more
   * than the unreadable one; each outcome is also on its claim, its log line and its event).
   */
  async append(name: string, entry: HistoryEntry): Promise<void> {
    await this.prepend(name, [entry], false);
  }

  /**
   * Files a state's `recentHistory` (newest first) into the history blob. Entries already there are not
   * added again, so a filing repeated after one cut short (blob written, state not) adds nothing twice.
   */
  async file(name: string, entries: readonly HistoryEntry[]): Promise<void> {
    if (entries.length > 0) await this.prepend(name, entries, true);
  }

  private async prepend(name: string, added: readonly HistoryEntry[], once: boolean): Promise<void> {
    const blob = historyBlobName(name);
    for (let attempt = 0; attempt < this.casAttempts * 2; attempt++) {
      const current = await this.blobs.read(blob, parseHistory);
      if (current.status === 'missing') {
        const created = await this.blobs.createIfAbsent(blob, {
          name,
          entries: added.slice(0, this.limit),
        } satisfies HistoryDocument);
        if (created.status === 'written') return;
        continue;
      }
      const entries = current.status === 'found' ? current.value.entries : []; // corrupt: start afresh
      const there = new Set(once ? entries.map(entryKey) : []);
      const doc: HistoryDocument = {
        name,
        entries: [...added.filter((e) => !there.has(entryKey(e))), ...entries].slice(0, this.limit),
      };
      const written = await this.blobs.replaceIfMatch(blob, doc, current.etag);
      if (written.status === 'written') return;
    }
    throw contendedError(name, this.casAttempts);
  }

  /**
   * The newest `limit` entries (newest first): the state's unfiled ones merged with the blob's. An
   * unreadable history blob is `corrupt`, with what is wrong (and the state's entries).
   */
  async read(name: string, limit = this.limit): Promise<HistoryRead> {
    // The state first: filing writes the blob before the state lets its entries go.
    const state = await this.states.read(name);
    const unfiled = state.status === 'found' ? (state.snapshot.state.recentHistory ?? []) : [];
    const read = await this.blobs.read(historyBlobName(name), parseHistory);
    const n = Math.max(0, limit);
    if (read.status === 'corrupt') return { status: 'corrupt', entries: unfiled.slice(0, n), error: read.error };
    return {
      status: 'found',
      entries: mergeNewestFirst(unfiled, read.status === 'found' ? read.value.entries : []).slice(0, n),
    };
  }

  /** The newest `limit` entries; an unreadable history throws `AppFailure` (`storage.blob.corrupt`). */
  async entries(name: string, limit = this.limit): Promise<HistoryEntry[]> {
    const read = await this.read(name, limit);
    if (read.status === 'corrupt') throw new AppFailure(read.error);
    return read.entries;
  }
}

/** Identity of an entry (the same entry filed twice has the same key). */
function entryKey(e: HistoryEntry): string {
  return JSON.stringify([
    e.occurrence,
    e.trigger,
    e.status,
    e.runId,
    e.error?.code,
    e.error?.message,
    e.attempts,
    e.claimedAt,
    e.recordedAt,
    e.detail,
  ]);
}

/** Two newest-first lists merged newest first (ties: `a` first), each keeping its own order; an entry of `a` already in `b` (filed) shown once. */
function mergeNewestFirst(a: readonly HistoryEntry[], b: readonly HistoryEntry[]): HistoryEntry[] {
  const filed = new Set(b.map(entryKey));
  const unfiled = a.filter((e) => !filed.has(entryKey(e)));
  const out: HistoryEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < unfiled.length || j < b.length) {
    const takeA = j >= b.length || (i < unfiled.length && unfiled[i]!.recordedAt >= b[j]!.recordedAt);
    out.push(takeA ? unfiled[i++]! : b[j++]!);
  }
  return out;
}

const parseHistory: JsonParser<HistoryDocument> = (raw) =>
  typeof raw === 'object' && raw !== null && Array.isArray((raw as { entries?: unknown }).entries)
    ? { ok: true, value: raw as HistoryDocument }
    : { ok: false, message: 'is not a history document (entries)' };
