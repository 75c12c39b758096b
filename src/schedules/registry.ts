/**
 * The schedule registry: every schedule definition the app knows, from two sources.
 *
 *   - **App files** (`SCHEDULES_PATH`, shipped with the app): loaded once per process, read-only at run
 *     time (to change one, edit the file and deploy).
 *   - **Applied** definitions (`apply`, from the HTTP API / CLI): stored in the schedule state container
 *     next to the states (stateStore.ts), laid out as
 *
 *       definitions/index.json                 { schemaVersion, definitions: name → { hash, blob,
 *                                              appliedAt, source }, updatedAt }. The one source of truth
 *                                              for which applied definitions exist; changed only with
 *                                              If-Match (or If-None-Match: * when first created).
 *       definitions/<name>/<contentHash>.json  { name, source, document: {path, text}, appliedAt }: one
 *                                              schedule, content-addressed (the name is a hash of the
 *                                              body), so it is written once (If-None-Match: *) and never
 *                                              changed; the index points at the current version.
 *
 *     Because the index is replaced as a whole with its ETag, two concurrent `apply`/`remove` calls can
 *     never interleave: the loser re-reads and re-applies. A definition blob is immutable, so a reader
 *     that sees an index entry always finds the matching body (old versions are deleted after the index
 *     moves on; a reader holding an older index may miss one and simply reads the index again).
 *
 * Reading is cached by the index's ETag: `list` / `get` / `sync` read the index (one small read) and
 * only the definition blobs whose version changed since the last read, so a timer tick costs one read
 * when nothing was applied. `sync(now)` then brings the state store in line with the definitions
 * (`syncAll`, which reads the store's catalog): it does so when the definitions changed, on the first
 * call in a process, and otherwise at most every `resyncIntervalMs` (default 5 minutes) as a safety net
 * (e.g. a state deleted by hand is re-created) — so a tick normally costs exactly one read here. The
 * merged definition list and its fingerprint are kept while the index's ETag is unchanged, so that read
 * is also all the work: nothing in process grows with the number of schedules.
 *
 * A name defined in an app file cannot be applied (conflict naming both sources) nor removed (edit the
 * file). Removing an applied definition stops the schedule the same way deleting it from a file does
 * (the store's orphan policy `disable`: it never fires again, its history stays readable, applying the
 * name again revives it from "now", without replaying anything).
 *
 * Applied documents are stored per schedule: the schedule's own object (not the whole file) as JSON,
 * under the file name it was applied from (a v1 `Schedule:` document is kept whole, as its name comes
 * from the file name), and re-validated with the same loader when read back.
 */
import { parse as parseYaml } from 'yaml';
import type { PipelineTarget } from '../aml/types';
import { AppFailure, appError, err, ok, showValue, type AppError, type Result } from '../errors';
import type { JsonParser } from '../storage/blobJson';
import {
  resolveScheduleTarget,
  sourceLocation,
  type ScheduleDefinition,
  type ScheduleIssue,
  type ScheduleSource,
} from './definition';
import {
  loadScheduleDefinitions,
  loadScheduleDefinitionsFromSettings,
  type LoadedSchedules,
  type ScheduleFile,
} from './loadDefinitions';
import { mapLimit } from '../util/mapLimit';
import { definitionBlobName, DEFINITIONS_INDEX_BLOB } from './blobNames';
import { isoInstant } from './instants';
import type { ScheduleStateStore, SyncAllResult, SyncProgress } from './stateStore';
import { isV1ScheduleDocument } from './v1Yaml';
import { processSettings } from '../settings';
import { canonicalHash, canonicalJson } from '../util/canonicalJson';

export { DEFINITIONS_INDEX_BLOB };
export const DEFAULT_RESYNC_INTERVAL_MS = 5 * 60_000;

export type DefinitionOrigin = 'file' | 'applied';

export interface ApplyItem {
  readonly name: string;
  readonly action: 'created' | 'updated' | 'unchanged';
  /** For `updated`: the top-level schedule fields whose value changed (e.g. `recurrence`, `status`). */
  readonly changedFields?: readonly string[];
  readonly source: ScheduleSource;
}

export interface ApplyReport {
  readonly dryRun: boolean;
  /** One item per schedule in the applied files, in file order. */
  readonly schedules: readonly ApplyItem[];
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Non-fatal remarks from validation (e.g. `polling_interval` is unused). */
  readonly warnings: readonly ScheduleIssue[];
}

export interface ApplyOptions {
  readonly dryRun?: boolean;
  /** Each definition blob stored (`done` of `total`), as it happens. */
  readonly onStored?: (done: number, total: number) => void;
  /** Each schedule's state synced after the definitions are stored (see `ScheduleStateStore.syncAll`). */
  readonly onSynced?: (progress: SyncProgress) => void;
}

export interface SyncReport {
  /** Every definition (files first, in file order; then applied ones by name). */
  readonly definitions: readonly ScheduleDefinition[];
  readonly byName: ReadonlyMap<string, ScheduleDefinition>;
  /** The store's sync result when it ran this time (it is skipped when nothing changed). */
  readonly synced?: SyncAllResult;
  /**
   * Applied definitions that could not be read back (corrupt / missing / no longer valid, or the index
   * itself unreadable), per name, with the blob in `source`. They do not run until readable again, and
   * are not treated as removed.
   */
  readonly problems: readonly (AppError & { readonly schedule: string })[];
}

export interface ScheduleRegistryOptions {
  readonly store: ScheduleStateStore;
  /**
   * The app's schedule files: given directly (tests), or a loader called once (the default reads
   * `SCHEDULES_PATH` from `env` relative to `appRoot`).
   */
  readonly files?: readonly ScheduleFile[] | (() => Promise<Result<LoadedSchedules, AppError>>);
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly appRoot?: string;
  /** Clock for loading the app files (creation instant of recurrences without start_time). */
  readonly clock?: () => Date;
  /** Configured targets: `apply` rejects a schedule naming an unknown target when given. */
  readonly targets?: () => ReadonlyMap<string, PipelineTarget>;
  /** Re-run the store's `syncAll` at least this often even when nothing changed (default 5 minutes). */
  readonly resyncIntervalMs?: number;
}

interface IndexEntry {
  readonly hash: string;
  readonly blob: string;
  readonly appliedAt: string;
  readonly source: ScheduleSource;
}

interface IndexDocument {
  readonly schemaVersion: number;
  readonly definitions: Readonly<Record<string, IndexEntry>>;
  readonly updatedAt: string;
}

interface StoredDefinition {
  readonly name: string;
  readonly source: ScheduleSource;
  /** A file holding exactly this schedule, re-validated with the loader when read. */
  readonly document: ScheduleFile;
  readonly appliedAt: string;
}

interface AppliedCache {
  readonly etag: string | undefined;
  /** Set when `definitions/index.json` itself cannot be read: no applied definition is known then. */
  readonly indexError?: AppError;
  readonly entries: ReadonlyMap<
    string,
    { readonly entry: IndexEntry; readonly definition?: ScheduleDefinition; readonly raw?: Record<string, unknown> }
  >;
  readonly problems: readonly (AppError & { readonly schedule: string })[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const parseIndex: JsonParser<IndexDocument> = (raw) =>
  isObj(raw) && isObj(raw.definitions)
    ? { ok: true, value: raw as unknown as IndexDocument }
    : { ok: false, message: 'is not a definitions index (definitions)' };

const parseStored: JsonParser<StoredDefinition> = (raw) =>
  isObj(raw) &&
  typeof raw.name === 'string' &&
  isObj(raw.document) &&
  typeof raw.document.text === 'string' &&
  typeof raw.document.path === 'string'
    ? { ok: true, value: raw as unknown as StoredDefinition }
    : { ok: false, message: 'is not a stored schedule definition (name, document)' };

export class ScheduleRegistry {
  private readonly store: ScheduleStateStore;
  private readonly clock: () => Date;
  private readonly resyncMs: number;
  private filesPromise: Promise<Result<LoadedSchedules, AppError>> | undefined;
  private applied: AppliedCache = { etag: undefined, entries: new Map(), problems: [] };
  private appliedLoaded = false;
  private containerReady: Promise<void> | undefined;
  /** Hash of the definition set last given to `syncAll`, and when. */
  private lastSync: { key: string; at: number } | undefined;
  /**
   * The definitions built from the files and the applied set last read, with their fingerprint: rebuilt
   * only when the applied set changed (another index ETag), so an idle tick's sync does no work that
   * grows with the number of schedules (one index read, one comparison).
   */
  private built: { files: LoadedSchedules; applied: AppliedCache; report: SyncReport; key: string } | undefined;

  constructor(private readonly options: ScheduleRegistryOptions) {
    this.store = options.store;
    this.clock = options.clock ?? (() => new Date());
    this.resyncMs = options.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS;
  }

  /** The app files' definitions (loaded once; an invalid file throws `AppFailure` every time). */
  async fileDefinitions(): Promise<LoadedSchedules> {
    this.filesPromise ??= this.loadFiles();
    const loaded = await this.filesPromise;
    if (!loaded.ok) throw new AppFailure(loaded.error);
    return loaded.value;
  }

  /** Every definition: app files first (file order), then applied ones (by name). */
  async list(): Promise<ScheduleDefinition[]> {
    return [...(await this.current()).definitions];
  }

  async get(name: string): Promise<ScheduleDefinition | undefined> {
    return (await this.current()).byName.get(name);
  }

  /** Applied definitions that cannot be read now (see `SyncReport.problems`). */
  async problems(): Promise<SyncReport['problems']> {
    return (await this.current()).problems;
  }

  /** Where a schedule is defined: in an app file, applied at run time, or unknown. */
  async originOf(name: string): Promise<DefinitionOrigin | undefined> {
    if ((await this.fileDefinitions()).byName.has(name)) return 'file';
    await this.refreshApplied();
    return this.applied.entries.has(name) ? 'applied' : undefined;
  }

  /**
   * Brings the state store in line with the definitions so every schedule has state (see the header:
   * one read when nothing changed). Returns the definitions for the caller (the timer tick).
   */
  async sync(
    now: Date,
    options: { readonly force?: boolean; readonly onSynced?: (progress: SyncProgress) => void } = {},
  ): Promise<SyncReport> {
    const { report: current, key } = await this.currentWithKey();
    const due =
      options.force ||
      !this.lastSync ||
      this.lastSync.key !== key ||
      now.getTime() - this.lastSync.at >= this.resyncMs ||
      now.getTime() < this.lastSync.at;
    if (!due) return current;
    await this.ensureContainer();
    const unreadable = new Set(current.problems.map((p) => p.schedule));
    const synced = await this.store.syncAll(current.definitions, now, {
      orphans: 'disable',
      unreadable,
      ...(options.onSynced ? { onSynced: options.onSynced } : {}),
    });
    // A schedule that could not be synced (its state unreadable) is tried again on the next call.
    this.lastSync = synced.errors.length === 0 ? { key, at: now.getTime() } : undefined;
    return { ...current, synced };
  }

  /**
   * Validates `files` and stores their schedules as applied definitions (or, with `dryRun`, only says
   * what would change). Fails as a whole, storing nothing, when any schedule is invalid, names an
   * unknown target, or uses a name an app file defines. Then syncs the states (`synced`: which could
   * not be synced, per schedule), also when no definition changed: running the same apply again
   * finishes what an interrupted or partly failed one left undone, and changes nothing else.
   */
  async apply(
    files: readonly ScheduleFile[],
    now: Date,
    options: ApplyOptions = {},
  ): Promise<Result<ApplyReport & { readonly synced?: SyncAllResult }, AppError>> {
    const knownTargets = this.options.targets?.();
    const loaded = loadScheduleDefinitions(files, { now, ...(knownTargets ? { knownTargets } : {}) });
    if (!loaded.ok) return loaded;
    if (loaded.value.definitions.length === 0) {
      return err({
        code: 'schedule.apply.empty',
        message: `The applied file(s) ${files.map((f) => f.path).join(', ') || '(none)'} hold no schedule; send at least one schedule definition.`,
        status: 400,
      });
    }
    const fileDefs = await this.fileDefinitions();
    const problems: AppError[] = [];
    for (const def of loaded.value.definitions) {
      const inFile = fileDefs.byName.get(def.name);
      if (inFile) {
        problems.push({
          code: 'schedule.apply.conflict',
          message: `Schedule ${showValue(def.name)} in ${sourceLocation(def.source)} cannot be applied: the app's schedule file ${sourceLocation(inFile.source)} defines that name. Edit the file and deploy, or choose another name.`,
          field: 'name',
          value: def.name,
          source: def.source.file,
          status: 409,
        });
      }
      const known = this.options.targets?.();
      if (known && def.pipeline.kind === 'target' && !known.has(def.pipeline.target)) {
        problems.push(
          appError(
            'schedule.target.unknown',
            {
              at: sourceLocation(def.source),
              field: 'target',
              target: def.pipeline.target,
              configured: [...known.keys()],
              schedule: def.name,
            },
            { field: 'target', value: def.pipeline.target, source: def.source.file },
          ),
        );
      } else if (known && def.pipeline.kind === 'target') {
        // What the schedule passes must suit its target (v2 inputs onto a v1 pipeline, unmappable ones):
        // refused now rather than at its first run.
        const resolved = resolveScheduleTarget(def, known);
        if (!resolved.ok) problems.push({ ...resolved.error, status: resolved.error.status ?? 400 });
      }
    }
    if (problems.length > 0) return err(problems.length === 1 ? problems[0]! : combined(problems));

    const raws = rawSchedules(files);
    for (let attempt = 0; attempt < 8; attempt++) {
      await this.refreshApplied();
      const snapshot = this.applied;
      if (snapshot.indexError) return err(indexUnreadable(snapshot.indexError));
      const items: ApplyItem[] = [];
      const writes: { name: string; entry: IndexEntry; stored: StoredDefinition }[] = [];
      for (const def of loaded.value.definitions) {
        const raw = raws.get(def.name);
        const document: ScheduleFile = raw
          ? { path: def.source.file, text: JSON.stringify(raw.document) }
          : { path: def.source.file, text: '' };
        const previous = snapshot.entries.get(def.name);
        const stored: StoredDefinition = { name: def.name, source: def.source, document, appliedAt: isoInstant(now) };
        const entry: IndexEntry = {
          hash: def.hash,
          blob: definitionBlobName(
            def.name,
            canonicalHash({ name: def.name, source: def.source, document }).slice(0, 32),
          ),
          appliedAt: isoInstant(now),
          source: def.source,
        };
        if (!previous) {
          items.push({ name: def.name, action: 'created', source: def.source });
          writes.push({ name: def.name, entry, stored });
        } else if (previous.entry.hash !== def.hash) {
          items.push({
            name: def.name,
            action: 'updated',
            changedFields: changedFields(previous.raw, raw?.fields),
            source: def.source,
          });
          writes.push({ name: def.name, entry, stored });
        } else {
          items.push({ name: def.name, action: 'unchanged', source: def.source });
        }
      }
      const report: ApplyReport = {
        dryRun: options.dryRun === true,
        schedules: items,
        created: items.filter((i) => i.action === 'created').length,
        updated: items.filter((i) => i.action === 'updated').length,
        unchanged: items.filter((i) => i.action === 'unchanged').length,
        warnings: loaded.value.warnings,
      };
      if (options.dryRun) return ok(report);
      const syncOptions = { force: true, ...(options.onSynced ? { onSynced: options.onSynced } : {}) };
      if (writes.length === 0) return ok({ ...report, synced: (await this.sync(now, syncOptions)).synced });

      await this.ensureContainer();
      let stored = 0;
      await mapLimit(writes, 16, async (w) => {
        await this.store.blobs.createIfAbsent(w.entry.blob, w.stored); // 'exists' = same content
        options.onStored?.(++stored, writes.length);
      });
      const definitions: Record<string, IndexEntry> = Object.fromEntries(
        [...snapshot.entries].map(([n, e]) => [n, e.entry]),
      );
      for (const w of writes) definitions[w.name] = w.entry;
      const committed = await this.writeIndex(snapshot.etag, definitions, now);
      if (!committed) continue; // another apply/remove won the race: read again and redo
      // The definitions just stored are known: keep them, so the sync below does not read them back.
      const entries = new Map(snapshot.entries);
      for (const w of writes) {
        const def = loaded.value.byName.get(w.name)!;
        const fields = raws.get(w.name)?.fields;
        entries.set(w.name, { entry: w.entry, definition: def, ...(fields ? { raw: fields } : {}) });
      }
      const rewritten = new Set(writes.map((w) => w.name));
      this.applied = {
        etag: committed,
        entries,
        problems: snapshot.problems.filter((p) => !rewritten.has(p.schedule)),
      };
      this.appliedLoaded = true;
      const superseded = writes
        .map((w) => snapshot.entries.get(w.name)?.entry.blob)
        .filter((b): b is string => b !== undefined && !writes.some((w) => w.entry.blob === b));
      await mapLimit(superseded, 16, (b) => this.store.blobs.deleteIfMatch(b));
      return ok({ ...report, synced: (await this.sync(now, syncOptions)).synced });
    }
    return err(contended());
  }

  /**
   * Removes an applied definition (its schedule stops firing; its history stays). A name defined in an
   * app file is an error: edit the file. An unknown name is `{ removed: false }`.
   */
  async remove(name: string, now: Date): Promise<Result<{ removed: boolean }, AppError>> {
    const inFile = (await this.fileDefinitions()).byName.get(name);
    if (inFile) {
      return err({
        code: 'schedule.remove.file_defined',
        message: `Schedule ${showValue(name)} is defined in the app's schedule file ${sourceLocation(inFile.source)} and cannot be removed at run time: delete it from that file and deploy (or disable it to stop it now).`,
        field: 'name',
        value: name,
        source: inFile.source.file,
        status: 409,
      });
    }
    for (let attempt = 0; attempt < 8; attempt++) {
      await this.refreshApplied();
      const snapshot = this.applied;
      if (snapshot.indexError) return err(indexUnreadable(snapshot.indexError));
      const current = snapshot.entries.get(name);
      if (!current) return ok({ removed: false });
      const definitions = Object.fromEntries(
        [...snapshot.entries].filter(([n]) => n !== name).map(([n, e]) => [n, e.entry]),
      );
      if ((await this.writeIndex(snapshot.etag, definitions, now)) === undefined) continue;
      await this.store.blobs.deleteIfMatch(current.entry.blob);
      await this.sync(now, { force: true });
      return ok({ removed: true });
    }
    return err(contended());
  }

  // ---------------------------------------------------------------------------------------------------

  /** Creates the state container once per registry (the first write of a fresh deployment needs it). */
  private ensureContainer(): Promise<void> {
    this.containerReady ??= this.store.ensureContainer().catch((e: unknown) => {
      this.containerReady = undefined;
      throw e;
    });
    return this.containerReady;
  }

  private async current(): Promise<SyncReport> {
    return (await this.currentWithKey()).report;
  }

  /** `current` with its fingerprint (names and definition hashes), both reused while the applied set is unchanged. */
  private async currentWithKey(): Promise<{ report: SyncReport; key: string }> {
    const files = await this.fileDefinitions();
    await this.refreshApplied();
    if (this.built && this.built.files === files && this.built.applied === this.applied) return this.built;
    const applied = this.applied;
    const report = await this.build(files, applied);
    const built = { files, applied, report, key: canonicalHash(report.definitions.map((d) => [d.name, d.hash])) };
    // An unreadable index is reported from the catalog, read afresh each time: not kept.
    if (!applied.indexError) this.built = built;
    return built;
  }

  private async build(files: LoadedSchedules, applied: AppliedCache): Promise<SyncReport> {
    const definitions: ScheduleDefinition[] = [...files.definitions];
    const byName = new Map(files.byName);
    for (const [name, e] of [...applied.entries.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (!e.definition || byName.has(name)) continue; // a file definition always wins
      definitions.push(e.definition);
      byName.set(name, e.definition);
    }
    return {
      definitions,
      byName,
      problems: applied.indexError ? await this.indexProblems(files, applied.indexError) : applied.problems,
    };
  }

  /**
   * The index cannot be read: the applied schedules are the names the store last synced (its catalog)
   * that no app file defines; each is reported with what is wrong with the index.
   */
  private async indexProblems(files: LoadedSchedules, error: AppError): Promise<(AppError & { schedule: string })[]> {
    const { schedules } = await this.store.catalog.read();
    return Object.keys(schedules)
      .filter((name) => !files.byName.has(name))
      .sort()
      .map((schedule) => ({
        ...error,
        schedule,
        message: `The applied definition of schedule "${schedule}" cannot be read: ${error.message} The schedule does not run until the index is readable again (restore it, or apply the definitions again after deleting it); the app's file schedules are not affected.`,
      }));
  }

  /** Reads the index; reads the definition blobs whose version changed since the last read. */
  private async refreshApplied(): Promise<void> {
    const read = await this.store.blobs.read(DEFINITIONS_INDEX_BLOB, parseIndex);
    if (read.status === 'missing') {
      if (this.appliedLoaded && this.applied.etag === undefined && this.applied.entries.size === 0) return; // still none
      this.applied = { etag: undefined, entries: new Map(), problems: [] };
      this.appliedLoaded = true;
      return;
    }
    if (read.status === 'corrupt') {
      // One damaged blob must not stop the file schedules: report the applied ones as unreadable instead.
      this.applied = { etag: undefined, entries: new Map(), problems: [], indexError: read.error };
      this.appliedLoaded = false;
      return;
    }
    if (this.appliedLoaded && read.etag === this.applied.etag) return;
    const previous = this.applied.entries;
    const problems: (AppError & { schedule: string })[] = [];
    const loaded = await mapLimit(Object.entries(read.value.definitions), 16, async ([name, entry]) => {
      const known = previous.get(name);
      if (known && known.entry.blob === entry.blob && known.definition) return [name, known] as const;
      const result = await this.readDefinition(name, entry);
      if (!result.ok) {
        problems.push({ ...result.error, schedule: name });
        return [name, { entry }] as const;
      }
      return [name, { entry, definition: result.value.definition, raw: result.value.raw }] as const;
    });
    this.applied = { etag: read.etag, entries: new Map(loaded), problems };
    this.appliedLoaded = true;
  }

  private async readDefinition(
    name: string,
    entry: IndexEntry,
  ): Promise<Result<{ definition: ScheduleDefinition; raw?: Record<string, unknown> }, AppError>> {
    const read = await this.store.blobs.read(entry.blob, parseStored);
    if (read.status === 'missing') {
      return err({
        code: 'schedule.applied.missing',
        message: `The applied definition of schedule "${name}" (${entry.blob}) is missing; apply it again.`,
        source: entry.blob,
      });
    }
    if (read.status === 'corrupt') return err(read.error);
    const loaded = loadScheduleDefinitions([read.value.document], { now: new Date(entry.appliedAt) });
    if (!loaded.ok)
      return err({
        ...loaded.error,
        code: 'schedule.applied.invalid',
        message: `The applied definition of schedule "${name}" no longer loads: ${loaded.error.message}`,
      });
    const def = loaded.value.byName.get(name);
    if (!def)
      return err({
        code: 'schedule.applied.invalid',
        message: `The applied definition blob ${entry.blob} does not define schedule "${name}"; apply it again.`,
        source: entry.blob,
      });
    const raw = rawSchedules([read.value.document]).get(name)?.fields;
    return ok({ definition: { ...def, source: read.value.source }, ...(raw ? { raw } : {}) });
  }

  /** Writes the index If-Match `etag` (If-None-Match: * when there was none): its new ETag; undefined when another writer won. */
  private async writeIndex(
    etag: string | undefined,
    definitions: Record<string, IndexEntry>,
    now: Date,
  ): Promise<string | undefined> {
    const doc: IndexDocument = {
      schemaVersion: 1,
      definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
      updatedAt: isoInstant(now),
    };
    const written =
      etag === undefined
        ? await this.store.blobs.createIfAbsent(DEFINITIONS_INDEX_BLOB, doc)
        : await this.store.blobs.replaceIfMatch(DEFINITIONS_INDEX_BLOB, doc, etag);
    return written.status === 'written' ? written.etag : undefined;
  }

  private loadFiles(): Promise<Result<LoadedSchedules, AppError>> {
    const files = this.options.files;
    if (typeof files === 'function') return files();
    if (files) return Promise.resolve(loadScheduleDefinitions(files, { now: this.clock() }));
    return loadScheduleDefinitionsFromSettings(this.options.env ?? processSettings(), {
      now: this.clock(),
      ...(this.options.appRoot ? { cwd: this.options.appRoot } : {}),
    });
  }
}

// ---------------------------------------------------------------------------------------------------

/**
 * Each schedule of already-validated files, by name: `document` is what gets stored (the schedule
 * object, or a whole v1 `Schedule:` document), `fields` its top-level fields for change reports.
 */
function rawSchedules(
  files: readonly ScheduleFile[],
): Map<string, { document: unknown; fields: Record<string, unknown> }> {
  const out = new Map<string, { document: unknown; fields: Record<string, unknown> }>();
  for (const file of files) {
    let data: unknown;
    try {
      data = parseYaml(file.text, { version: '1.2' });
    } catch {
      continue; // validated already; cannot happen
    }
    if (isV1ScheduleDocument(data)) {
      const body = isObj(data.Schedule) ? data.Schedule : {};
      const name = typeof body.name === 'string' ? body.name : loadedV1Name(file);
      if (name) out.set(name, { document: data, fields: body });
      continue;
    }
    const list = Array.isArray(data) ? data : isObj(data) && Array.isArray(data.schedules) ? data.schedules : [data];
    for (const item of list) {
      if (isObj(item) && typeof item.name === 'string') {
        const { $schema: _s, ...fields } = item;
        out.set(item.name, { document: item, fields });
      }
    }
  }
  return out;
}

function loadedV1Name(file: ScheduleFile): string | undefined {
  const loaded = loadScheduleDefinitions([file], { now: new Date(0) });
  return loaded.ok ? loaded.value.definitions[0]?.name : undefined;
}

/** Top-level fields whose values differ (in canonical JSON), sorted. */
function changedFields(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): string[] {
  if (!before || !after) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  // A field set to null and a field left out are different changes; canonical JSON writes both `null`.
  return [...keys]
    .filter(
      (k) =>
        (before[k] === undefined) !== (after[k] === undefined) || canonicalJson(before[k]) !== canonicalJson(after[k]),
    )
    .sort();
}

function combined(problems: readonly AppError[]): AppError {
  return {
    code: problems.every((p) => p.code === problems[0]!.code) ? problems[0]!.code : 'schedule.apply.rejected',
    message: `${problems.length} problems:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
    status: problems.some((p) => p.status === 409) ? 409 : 400,
    errors: problems,
  };
}

function indexUnreadable(error: AppError): AppError {
  return {
    ...error,
    code: 'schedule.definitions.unreadable',
    status: 409,
    message: `The applied schedule definitions cannot be changed now: ${error.message} Restore ${DEFINITIONS_INDEX_BLOB} from a backup, or delete it and apply every applied definition again.`,
  };
}

function contended(): AppError {
  return {
    code: 'schedule.definitions.contended',
    message: `The applied schedule definitions (${DEFINITIONS_INDEX_BLOB}) kept changing while this change was being saved; try again.`,
    source: DEFINITIONS_INDEX_BLOB,
    status: 409,
    transient: true,
  };
}
