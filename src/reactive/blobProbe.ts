/**
 * The handler's `probe`: a HEAD on the blob (Get Blob Properties) through the watched account's
 * connection (`REACTIVE_STORAGE`, see storage/blobService.ts), so a blob deleted or replaced since its
 * event is not submitted, and so the version (ETag), length and folder-marker flag come from the blob itself
 * when the event cannot give them (a real host's trigger metadata has `eTag: {}`, see blobEvent.ts). Never
 * downloads content. 404 = gone; other failures throw `AppFailure`
 * (`storage.*`, transient when worth retrying: the invocation fails and the event is delivered again).
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import { AppFailure } from '../errors';
import { statusOf, storageError } from '../storage/blobJson';
import type { BlobProbe } from './handler';

export function createBlobProbe(
  service: BlobServiceClient,
): (container: string, blobName: string) => Promise<BlobProbe> {
  return async (container, blobName) => {
    try {
      const p = await service.getContainerClient(container).getBlobClient(blobName).getProperties();
      const folder = Object.entries(p.metadata ?? {}).some(
        ([k, v]) => k.toLowerCase() === 'hdi_isfolder' && v.toLowerCase() === 'true',
      );
      return {
        exists: true,
        etag: p.etag ?? '',
        ...(p.contentLength !== undefined ? { contentLength: p.contentLength } : {}),
        folderMarker: folder,
      };
    } catch (e) {
      if (statusOf(e) === 404) return { exists: false };
      throw new AppFailure(storageError('read properties', `${container}/${blobName}`, e));
    }
  };
}
