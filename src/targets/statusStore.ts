/**
 * Target statuses in the app's storage, beside the schedules (`targets/status.json` in the schedule state
 * container, named in src/schedules/blobNames.ts): `{ "targets": { "<name>": { status, changedAt,
 * changedBy, reason } } }`. One small blob for every target, so each path reads it once: an HTTP
 * submission once per request, a reactive event once per blob, the timer once per tick and only when
 * something is due. A target without a record is Active. Changed If-Match (If-None-Match: * for the first
 * record), so concurrent changes lose nothing; a blob that cannot be read is reported (`target.status.unreadable`)
 * and is replaced by the next enable / disable.
 */
import { AppFailure, type AppError } from '../errors';
import { TARGET_STATUS_BLOB } from '../schedules/blobNames';
import type { BlobJsonStore, JsonParser } from '../storage/blobJson';
import type { TargetStatusMap, TargetStatusRecord } from './mayFire';

interface StatusDocument {
  readonly targets: TargetStatusMap;
}

export type StatusRead =
  | { readonly status: 'found'; readonly statuses: TargetStatusMap; readonly etag?: string }
  | { readonly status: 'corrupt'; readonly etag: string; readonly error: AppError };

export type StatusChange = {
  readonly status: 'changed' | 'unchanged';
  readonly record: TargetStatusRecord;
  readonly previous?: TargetStatusRecord;
};

export class TargetStatusStore {
  constructor(
    private readonly blobs: BlobJsonStore,
    private readonly casAttempts = 8,
  ) {}

  /** The stored statuses (none stored: every target Active), or what is wrong with the blob. Storage failures throw. */
  async read(): Promise<StatusRead> {
    const read = await this.blobs.read(TARGET_STATUS_BLOB, parseDocument);
    if (read.status === 'missing') return { status: 'found', statuses: {} };
    if (read.status === 'corrupt') return { status: 'corrupt', etag: read.etag, error: unreadable(read.error) };
    return { status: 'found', statuses: read.value.targets, etag: read.etag };
  }

  /** The statuses; an unreadable blob throws `AppFailure` (`target.status.unreadable`). */
  async statuses(): Promise<TargetStatusMap> {
    const read = await this.read();
    if (read.status === 'corrupt') throw new AppFailure(read.error);
    return read.statuses;
  }

  /**
   * Sets `target`'s status (If-Match; an unreadable blob is replaced, keeping nothing from it). Unchanged
   * when it already has that status (its record, with who/when/why of the change that set it, stays).
   */
  async set(target: string, record: TargetStatusRecord): Promise<StatusChange> {
    for (let attempt = 0; attempt < this.casAttempts; attempt++) {
      const read = await this.read();
      const statuses = read.status === 'found' ? read.statuses : {};
      const previous = Object.prototype.hasOwnProperty.call(statuses, target) ? statuses[target] : undefined;
      if ((previous?.status ?? 'Active') === record.status && (previous || record.status === 'Active')) {
        return { status: 'unchanged', record: previous ?? record, ...(previous ? { previous } : {}) };
      }
      const doc: StatusDocument = { targets: { ...statuses, [target]: record } };
      const written =
        read.etag === undefined
          ? await this.blobs.createIfAbsent(TARGET_STATUS_BLOB, doc)
          : await this.blobs.replaceIfMatch(TARGET_STATUS_BLOB, doc, read.etag);
      if (written.status === 'written') return { status: 'changed', record, ...(previous ? { previous } : {}) };
    }
    throw new AppFailure({
      code: 'target.status.contended',
      status: 409,
      transient: true,
      message: `The status of target ${JSON.stringify(target)} kept changing while it was being updated (${this.casAttempts} attempts); try again.`,
    });
  }
}

function unreadable(error: AppError): AppError {
  return {
    code: 'target.status.unreadable',
    status: 500,
    source: TARGET_STATUS_BLOB,
    message: `The target statuses (blob ${TARGET_STATUS_BLOB} in the schedule state container) cannot be read (${error.message}); no target fires until it is fixed. Fix or delete the blob, or set each target's status again (aml-triggers targets enable|disable).`,
  };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const parseDocument: JsonParser<StatusDocument> = (raw) => {
  if (!isObj(raw) || !isObj(raw.targets))
    return { ok: false, message: 'is not a target status document ({ "targets": { ... } })' };
  for (const [name, r] of Object.entries(raw.targets)) {
    if (
      !isObj(r) ||
      (r.status !== 'Active' && r.status !== 'Disabled') ||
      typeof r.changedAt !== 'string' ||
      typeof r.changedBy !== 'string'
    ) {
      return {
        ok: false,
        message: `has an invalid record for target ${JSON.stringify(name)} (status Active|Disabled, changedAt, changedBy)`,
      };
    }
  }
  return { ok: true, value: raw as unknown as StatusDocument };
};
