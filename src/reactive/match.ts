/**
 * Which reactive schedules a blob fires (pure). The SDK v1 rule (schedules.md): a blob added or modified
 * directly in `<container>/<path_on_datastore>` fires the schedule; blobs in subfolders do not; no path
 * means the container's top level.
 *
 * Names are matched literally, segment by segment on `/`, exactly as stored: Blob Storage performs no
 * path normalisation, so `in/../x.csv` is a blob whose second segment is `..` — a subfolder of `in/` —
 * and does not fire a schedule watching `in` (nor one watching the top level). Empty segments count too:
 * `in//x.csv` is in the subfolder `in/` + `` and does not fire `in`; `/x.csv` is not top-level. Nothing
 * in a name can therefore make a blob outside the watched folder fire it.
 */
import { CONTENT_APIS, type BlobEvent } from './blobEvent';

/** A reactive schedule's watch: which container and folder (no leading/trailing `/`; '' = top level). */
export interface Watch {
  readonly container: string;
  readonly folder: string;
}

/**
 * `path_on_datastore` as users write it (`in`, `in/`, `/in/daily`) → the folder form used for matching.
 * Only leading and trailing `/` are trimmed; `.`/`..` segments stay literal (and can never match a real
 * upload's parent other than a blob literally stored under them).
 */
export function folderOf(pathOnDatastore: string | undefined): string {
  if (pathOnDatastore === undefined) return '';
  return pathOnDatastore.replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * The folder a blob sits in directly: '' for the top level, `undefined` for a folder-like name (`x/`).
 * `/a.csv` sits in the folder '' + '/' — an empty-named folder — so it gets '/' (never the top level).
 */
export function parentFolder(blobName: string): string | undefined {
  const i = blobName.lastIndexOf('/');
  if (i === blobName.length - 1) return undefined;
  if (i < 0) return '';
  return i === 0 ? '/' : blobName.slice(0, i);
}

/** True when `blobName` is directly inside `watch.folder` of `watch.container`. */
export function isDirectlyIn(watch: Watch, container: string, blobName: string): boolean {
  if (container !== watch.container || blobName.length === 0) return false;
  const parent = parentFolder(blobName);
  return parent !== undefined && parent === watch.folder;
}

export type IgnoreReason = 'deleted' | 'not-a-content-change' | 'folder-marker' | 'zero-length' | 'superseded';

export const IGNORE_EXPLANATION: Readonly<Record<IgnoreReason, string>> = {
  deleted: 'the blob was deleted (only added or modified blobs start runs)',
  'not-a-content-change': 'the storage operation did not write the blob content',
  'folder-marker': 'the blob is a folder marker (name ending in "/" or metadata hdi_isfolder=true)',
  'zero-length': 'the blob is empty (zero-length placeholder); upload the data to start a run',
  superseded: "a newer version of the blob replaced this one; the newer version's own event starts its run",
};

/** Why an event starts no run whatever the schedules, or undefined when it may start runs. */
export function ignoreReason(event: BlobEvent): IgnoreReason | undefined {
  if (event.kind === 'deleted') return 'deleted';
  if (event.kind === 'other') return 'not-a-content-change';
  if (event.api !== undefined && !CONTENT_APIS.has(event.api)) return 'not-a-content-change';
  if (event.folderMarker || event.blobName.endsWith('/')) return 'folder-marker';
  if (event.contentLength === 0) return 'zero-length';
  return undefined;
}

/** The schedules (in the given order) whose watch directly contains the blob. */
export function matchingSchedules<S extends { readonly watch: Watch }>(
  schedules: readonly S[],
  container: string,
  blobName: string,
): S[] {
  return schedules.filter((s) => isDirectlyIn(s.watch, container, blobName));
}
