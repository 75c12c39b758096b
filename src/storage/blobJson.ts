/**
 * JSON documents in one blob container, with conditional writes as the only way to change them safely.
 *
 * Every write states what it expects (the blob is absent, or still has the ETag that was read), and a
 * failed expectation (HTTP 409 BlobAlreadyExists, 412 ConditionNotMet, 404 on an If-Match write) comes
 * back as a typed outcome, never as an exception: losing a race is a normal result the caller handles.
 * Other failures (network, throttling, 5xx after the SDK's own retries, authorization) throw an
 * `AppFailure` with code `storage.*`, `transient` set when trying again later may help.
 *
 * Every request is counted in an `OperationCounter` (one per listing page), for benchmarks.
 */
import type { BlobServiceClient, ContainerClient, RestError } from '@azure/storage-blob';
import { AppFailure, appError, type AppError } from '../errors';
import { OperationCounter, type StorageOperation } from './operationCounter';
import { ServiceClock, type ClockVerdict } from './serviceClock';

export type ReadOutcome<T> =
  | { readonly status: 'found'; readonly value: T; readonly etag: string; readonly lastModified?: Date }
  | { readonly status: 'missing' }
  /** The blob exists but is not JSON (or fails `parse`): report it, the caller decides. */
  | { readonly status: 'corrupt'; readonly etag: string; readonly lastModified?: Date; readonly error: AppError };

export type WriteOutcome =
  | { readonly status: 'written'; readonly etag: string }
  /** createIfAbsent: someone else created the blob first. */
  | { readonly status: 'exists' }
  /** replaceIfMatch: the blob changed since it was read (its ETag is no longer the one given). */
  | { readonly status: 'conflict' }
  /** replaceIfMatch: the blob no longer exists (when the service says 404; it usually answers 412 → conflict). */
  | { readonly status: 'missing' };

export type DeleteOutcome =
  { readonly status: 'deleted' } | { readonly status: 'conflict' } | { readonly status: 'missing' };

export interface BlobListItem {
  readonly name: string;
  readonly etag: string;
  readonly lastModified?: Date;
}

export interface ListOptions {
  /** Stop after this many items. */
  readonly limit?: number;
  /**
   * Stop at the first name that sorts after this one (names are listed in lexicographic order), so a
   * listing of time-keyed names reads only up to a given instant. Inclusive.
   */
  readonly through?: string;
  /** Items requested per page (the service allows 1-5000; default 1000). */
  readonly pageSize?: number;
  /**
   * Size of the first page when smaller than `pageSize`; each further page is four times larger, up
   * to `pageSize`. For listings that usually stop early (`through`): few items are transferred when
   * few match, and still few requests when many do.
   */
  readonly firstPageSize?: number;
}

/** Parses an `unknown` JSON value into `T`, or returns a message saying why it cannot. */
export type JsonParser<T> = (raw: unknown) => { ok: true; value: T } | { ok: false; message: string };

/** Most sub-requests one Blob Batch request may carry (the service's limit). */
const BATCH_LIMIT = 256;

const JSON_CONTENT = { blobContentType: 'application/json; charset=utf-8' } as const;

export class BlobJsonStore {
  readonly counter: OperationCounter;
  /** The storage service's clock, anchored by the `Date` of every answer this store receives. */
  readonly clock: ServiceClock;

  constructor(
    readonly container: ContainerClient,
    counter?: OperationCounter,
    clock?: ServiceClock,
  ) {
    this.counter = counter ?? new OperationCounter();
    this.clock = clock ?? new ServiceClock();
  }

  static forContainer(service: BlobServiceClient, containerName: string, counter?: OperationCounter): BlobJsonStore {
    return new BlobJsonStore(service.getContainerClient(containerName), counter);
  }

  get containerName(): string {
    return this.container.containerName;
  }

  /** Creates the container when it does not exist yet (idempotent). */
  async ensureContainer(): Promise<void> {
    await this.call('container', 'create container', () => this.container.createIfNotExists());
  }

  /** One cheap request (the container's properties) whose answer renews `clock`'s anchor. */
  async probeClock(): Promise<void> {
    try {
      this.counter.record('container');
      await this.observed(() => this.container.getProperties());
    } catch (e) {
      // A container that does not exist yet (a new deployment's first tick) still answers with a Date.
      if (statusOf(e) !== 404) throw this.failure('container', 'read container properties', e);
    }
  }

  /** Judges `now` against the storage service's clock (a request only when no fresh anchor agrees). */
  verifyClock(now: Date, toleranceMs: number): Promise<ClockVerdict> {
    return this.clock.verify(now, { toleranceMs, probe: () => this.probeClock() });
  }

  async read<T = unknown>(name: string, parse?: JsonParser<T>): Promise<ReadOutcome<T>> {
    let buffer: Buffer;
    let etag: string;
    let lastModified: Date | undefined;
    try {
      this.counter.record('read');
      const client = this.container.getBlockBlobClient(name);
      const response = await this.observed(() => client.download(0));
      buffer = await streamToBuffer(response.readableStreamBody);
      etag = response.etag ?? '';
      lastModified = response.lastModified;
    } catch (e) {
      if (statusOf(e) === 404) return { status: 'missing' };
      throw this.failure('read', name, e);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(buffer.toString('utf8'));
    } catch (e) {
      return {
        status: 'corrupt',
        etag,
        lastModified,
        error: this.corrupt(name, `is not valid JSON (${(e as Error).message})`),
      };
    }
    if (!parse) return { status: 'found', value: raw as T, etag, lastModified };
    const parsed = parse(raw);
    if (!parsed.ok) return { status: 'corrupt', etag, lastModified, error: this.corrupt(name, parsed.message) };
    return { status: 'found', value: parsed.value, etag, lastModified };
  }

  /** Writes the blob only if no blob of that name exists (If-None-Match: *). */
  async createIfAbsent(name: string, value: unknown): Promise<WriteOutcome> {
    const body = JSON.stringify(value);
    try {
      this.counter.record('create');
      const response = await this.observed(() =>
        this.container
          .getBlockBlobClient(name)
          .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: JSON_CONTENT, conditions: { ifNoneMatch: '*' } }),
      );
      return { status: 'written', etag: response.etag ?? '' };
    } catch (e) {
      const status = statusOf(e);
      if (status === 409 || status === 412) return { status: 'exists' };
      throw this.failure('create', name, e);
    }
  }

  /** Overwrites the blob only if its ETag is still `etag` (If-Match). */
  async replaceIfMatch(name: string, value: unknown, etag: string): Promise<WriteOutcome> {
    const body = JSON.stringify(value);
    try {
      this.counter.record('replace');
      const response = await this.observed(() =>
        this.container
          .getBlockBlobClient(name)
          .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: JSON_CONTENT, conditions: { ifMatch: etag } }),
      );
      return { status: 'written', etag: response.etag ?? '' };
    } catch (e) {
      const status = statusOf(e);
      if (status === 412) return { status: 'conflict' };
      if (status === 404) return { status: 'missing' };
      throw this.failure('replace', name, e);
    }
  }

  /** Unconditional write, for blobs whose content does not matter to concurrency (markers, caches). */
  async upsert(name: string, value: unknown): Promise<{ status: 'written'; etag: string }> {
    const body = JSON.stringify(value);
    const response = await this.call('upsert', name, () =>
      this.container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: JSON_CONTENT }),
    );
    return { status: 'written', etag: response.etag ?? '' };
  }

  /** Deletes the blob; with `etag`, only if it still has that ETag (If-Match). */
  async deleteIfMatch(name: string, etag?: string): Promise<DeleteOutcome> {
    try {
      this.counter.record('delete');
      await this.observed(() =>
        this.container.getBlockBlobClient(name).delete(etag ? { conditions: { ifMatch: etag } } : {}),
      );
      return { status: 'deleted' };
    } catch (e) {
      const status = statusOf(e);
      if (status === 412) return { status: 'conflict' };
      if (status === 404) return { status: 'missing' };
      throw this.failure('delete', name, e);
    }
  }

  /**
   * Deletes `names` (unconditionally) with Blob Batch requests of up to 256 deletes each: one request per
   * batch instead of one per blob. A blob already gone counts as `missing`; a delete the service refused
   * is listed in `failed`. A batch request that fails as a whole throws (then nothing is known deleted).
   */
  async deleteMany(
    names: readonly string[],
  ): Promise<{ deleted: number; missing: number; failed: { name: string; status: number }[] }> {
    const out = { deleted: 0, missing: 0, failed: [] as { name: string; status: number }[] };
    for (let i = 0; i < names.length; i += BATCH_LIMIT) {
      const chunk = names.slice(i, i + BATCH_LIMIT);
      const response = await this.call('batch', `${chunk.length} blob(s) from ${chunk[0]}`, () =>
        this.container.getBlobBatchClient().deleteBlobs(chunk.map((n) => this.container.getBlobClient(n))),
      );
      response.subResponses.forEach((r, k) => {
        if (r.status >= 200 && r.status < 300) out.deleted++;
        else if (r.status === 404) out.missing++;
        else out.failed.push({ name: chunk[k] ?? '?', status: r.status });
      });
    }
    return out;
  }

  /** Blobs whose names start with `prefix`, in lexicographic order, one request per page. */
  async list(prefix: string, options: ListOptions = {}): Promise<BlobListItem[]> {
    const items: BlobListItem[] = [];
    for await (const item of this.iterate(prefix, options)) items.push(item);
    return items;
  }

  async *iterate(prefix: string, options: ListOptions = {}): AsyncGenerator<BlobListItem> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    const pageSize = Math.max(1, Math.min(5000, options.pageSize ?? 1000, Number.isFinite(limit) ? limit : 5000));
    let size = Math.max(1, Math.min(pageSize, options.firstPageSize ?? pageSize));
    let continuationToken: string | undefined;
    let count = 0;
    do {
      const pages = this.container.listBlobsFlat({ prefix }).byPage({ maxPageSize: size, continuationToken });
      size = Math.min(pageSize, size * 4);
      let page;
      try {
        this.counter.record('list');
        page = (await this.observed(() => pages.next())).value;
      } catch (e) {
        throw this.failure('list', prefix, e);
      }
      if (!page) return;
      for (const blob of page.segment.blobItems) {
        if (options.through !== undefined && blob.name > options.through) return;
        yield { name: blob.name, etag: blob.properties.etag, lastModified: blob.properties.lastModified };
        if (++count >= limit) return;
      }
      continuationToken = page.continuationToken || undefined;
    } while (continuationToken);
  }

  private async call<R>(operation: StorageOperation, name: string, run: () => Promise<R>): Promise<R> {
    try {
      this.counter.record(operation);
      return await this.observed(run);
    } catch (e) {
      throw this.failure(operation, name, e);
    }
  }

  /** Runs one request and feeds its answer's `Date` (success or error answer alike) to `clock`. */
  private async observed<R>(run: () => Promise<R>): Promise<R> {
    const sent = this.clock.monoNow();
    try {
      const answer = await run();
      this.clock.observe(dateOf(answer), sent, this.clock.monoNow());
      return answer;
    } catch (e) {
      if (isRestError(e)) this.clock.observe(e.response?.headers.get('date'), sent, this.clock.monoNow());
      throw e;
    }
  }

  private corrupt(name: string, why: string): AppError {
    return {
      code: 'storage.blob.corrupt',
      message: `Blob ${this.containerName}/${name} ${why}; fix or delete it.`,
      source: `${this.containerName}/${name}`,
    };
  }

  private failure(operation: StorageOperation, name: string, e: unknown): AppFailure {
    return new AppFailure(storageError(operation, `${this.containerName}/${name}`, e));
  }
}

/** The `date` of a storage SDK answer (a parsed header on every response type), or of a listing page. */
function dateOf(answer: unknown): Date | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const value = 'value' in answer && typeof answer.value === 'object' && answer.value !== null ? answer.value : answer;
  const date = (value as { date?: unknown }).date;
  return date instanceof Date ? date : undefined;
}

/**
 * A storage SDK error answer, recognised by name as the SDK's own `isRestError` does: the class may come
 * from another copy of the SDK (its ESM and CommonJS builds under test), and the SDK loads on first use.
 */
function isRestError(e: unknown): e is RestError {
  return e instanceof Error && e.name === 'RestError';
}

/** The HTTP status of a storage SDK error, if it has one. */
export function statusOf(e: unknown): number | undefined {
  if (isRestError(e)) return e.statusCode;
  if (typeof e === 'object' && e !== null && 'statusCode' in e && typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

export function storageError(operation: string, target: string, e: unknown): AppError {
  const status = statusOf(e);
  const detail = e instanceof Error ? e.message.split('\n')[0] : String(e);
  const transient = status === undefined || status === 408 || status === 429 || status >= 500;
  const denied = status === 401 || status === 403;
  const facts = { operation, target, ...(status ? { status } : {}), detail: detail ?? '' };
  if (denied)
    return appError('storage.access_denied', { operation, target, status }, { source: target, transient: false });
  return transient
    ? appError('storage.unavailable', facts, { source: target })
    : appError('storage.request_failed', facts, { source: target, transient: false });
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
