/**
 * What the Functions host and Event Grid give the app for a real blob, built from the blob's actual
 * properties read back from Azurite (never invented values), plus schedule definitions loaded through
 * the real schedule loader.
 */
import { randomUUID } from 'node:crypto';
import type { BlobServiceClient, BlockBlobClient } from '@azure/storage-blob';
import { loadScheduleDefinitions } from '../../src/schedules/loadDefinitions';
import type { ScheduleDefinition } from '../../src/schedules/definition';

/** How `properties.eTag` arrives: a real host's `{}` (default), or the other shapes the parser accepts. */
export type EtagShape = 'host' | 'string' | 'quoted' | 'object' | 'missing' | 'PascalCase';

/**
 * The host's `context.triggerMetadata` for a blob trigger, after @azure/functions' conversion, in the
 * exact shape a real host gives (verified: src/reactive/blobEvent.ts): `Properties` is the storage SDK's
 * `BlobProperties` serialized by Newtonsoft.Json (ETag `{}`, enums as numbers, unset dates as
 * 0001-01-01), every key camel-cased recursively. `etag` picks another ETag shape for the parser tests.
 */
export async function hostTriggerMetadata(
  blob: BlockBlobClient,
  container: string,
  name: string,
  etag: EtagShape = 'host',
): Promise<Record<string, unknown>> {
  const p = await blob.getProperties();
  const unset = '0001-01-01T00:00:00+00:00';
  const dotnetDate = (d: Date | undefined): string => (d ? d.toISOString().replace(/\.\d{3}Z$/, '+00:00') : unset);
  const metadata = camel(p.metadata ?? {});
  const tag = p.etag ?? '';
  const etagValue: Record<EtagShape, unknown> = {
    host: {},
    string: tag.replace(/^"|"$/g, ''),
    quoted: tag,
    object: { value: tag },
    missing: undefined,
    PascalCase: tag,
  };
  const properties: Record<string, unknown> = {
    lastModified: dotnetDate(p.lastModified),
    createdOn: dotnetDate(p.createdOn),
    metadata,
    objectReplicationDestinationPolicyId: null,
    objectReplicationSourceProperties: null,
    blobType: 0,
    copyCompletedOn: unset,
    copyStatusDescription: null,
    copyId: null,
    copyProgress: null,
    copySource: null,
    copyStatus: 0,
    blobCopyStatus: null,
    isIncrementalCopy: false,
    destinationSnapshot: null,
    leaseDuration: 0,
    leaseState: 0,
    leaseStatus: 1,
    contentLength: p.contentLength,
    contentType: p.contentType,
    ...(etag === 'missing' || etag === 'PascalCase' ? {} : { eTag: etagValue[etag] }),
    ...(etag === 'PascalCase' ? { ETag: etagValue[etag] } : {}),
    contentHash: p.contentMD5 ? Buffer.from(p.contentMD5).toString('base64') : null,
    contentEncoding: null,
    contentDisposition: null,
    contentLanguage: null,
    cacheControl: null,
    blobSequenceNumber: 0,
    acceptRanges: null,
    blobCommittedBlockCount: 0,
    isServerEncrypted: true,
    encryptionKeySha256: null,
    encryptionScope: null,
    accessTier: p.accessTier ?? 'Hot',
    accessTierInferred: true,
    archiveStatus: null,
    accessTierChangedOn: unset,
    versionId: null,
    isLatestVersion: false,
    tagCount: 0,
    expiresOn: unset,
    isSealed: false,
    rehydratePriority: null,
    lastAccessed: unset,
    immutabilityPolicy: null,
    hasLegalHold: false,
  };
  return {
    // @azure/functions JSON-parses each value when it can (fromRpcTypedData → tryJsonParse).
    name: tryJson(name),
    blobTrigger: `${container}/${name}`,
    uri: blob.url,
    properties,
    metadata,
  };
}

function camel(obj: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]));
}

/** An Event Grid schema `Microsoft.Storage.BlobCreated` event for the blob, as Event Grid posts it. */
export async function blobCreatedEvent(
  blob: BlockBlobClient,
  container: string,
  name: string,
  api = 'PutBlob',
): Promise<Record<string, unknown>> {
  const p = await blob.getProperties();
  return {
    topic:
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1',
    subject: `/blobServices/default/containers/${container}/blobs/${name}`,
    eventType: 'Microsoft.Storage.BlobCreated',
    eventTime: (p.lastModified ?? new Date()).toISOString(),
    id: randomUUID(),
    data: {
      api,
      clientRequestId: randomUUID(),
      requestId: p.requestId ?? randomUUID(),
      eTag: (p.etag ?? '').replace(/^"|"$/g, ''),
      contentType: p.contentType,
      contentLength: p.contentLength,
      blobType: 'BlockBlob',
      url: blob.url,
      sequencer: '00000000000004420000000000028963',
      storageDiagnostics: { batchId: randomUUID() },
    },
    dataVersion: '',
    metadataVersion: '1',
  };
}

export function blobDeletedEvent(url: string, container: string, name: string): Record<string, unknown> {
  return {
    topic:
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1',
    subject: `/blobServices/default/containers/${container}/blobs/${name}`,
    eventType: 'Microsoft.Storage.BlobDeleted',
    eventTime: new Date().toISOString(),
    id: randomUUID(),
    data: {
      api: 'DeleteBlob',
      requestId: randomUUID(),
      contentType: 'text/csv',
      blobType: 'BlockBlob',
      url,
      sequencer: '0000000000000442000000000002896a',
    },
    dataVersion: '',
    metadataVersion: '1',
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function upload(
  service: BlobServiceClient,
  container: string,
  name: string,
  content: string | Buffer,
  metadata?: Record<string, string>,
): Promise<BlockBlobClient> {
  const blob = service.getContainerClient(container).getBlockBlobClient(name);
  await blob.upload(content, Buffer.byteLength(content), {
    blobHTTPHeaders: { blobContentType: 'text/csv' },
    ...(metadata ? { metadata } : {}),
  });
  return blob;
}

/** Schedule definitions through the real loader (schema + cross-field rules). */
export function definitions(schedules: Array<Record<string, unknown>>): ScheduleDefinition[] {
  const loaded = loadScheduleDefinitions([{ path: 'schedules.json', text: JSON.stringify({ schedules }) }], {
    now: new Date('2026-01-01T00:00:00Z'),
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error, null, 2));
  return [...loaded.value.definitions];
}

/** Names that must arrive intact in RelativePath and history. */
export const ODD_NAMES = [
  'in/with space.csv',
  'in/ünïcødé 日本語 ☃.csv',
  'in/hash#1.csv',
  'in/percent%20not-a-space.csv',
  'in/question?x=1.csv',
  'in/..dots..csv',
  'in/plus+and&amp;=.csv',
  `in/${'x'.repeat(1020 - 'in/'.length)}.csv`,
];
