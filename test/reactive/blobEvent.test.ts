import { BlobServiceClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeEtag, parseEventGridEvent, parseTriggerMetadata } from '../../src/reactive/blobEvent';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { blobCreatedEvent, blobDeletedEvent, hostTriggerMetadata, ODD_NAMES, upload, type EtagShape } from './support';

describe('blob events parsed from what the host / Event Grid give for real uploads', () => {
  const container = uniqueContainerName('ev');
  let service: BlobServiceClient;
  beforeAll(async () => {
    service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    await service.getContainerClient(container).create();
  });

  it.each(ODD_NAMES.map((n) => [n.length > 60 ? `${n.slice(0, 40)}… (${n.length} chars)` : n, n]))(
    'name %s arrives intact from trigger metadata and from an Event Grid event',
    async (_label, name) => {
      const blob = await upload(service, container, name, 'a,b\n1,2\n');
      const props = await blob.getProperties();
      // Azurite stored exactly this name (list it back).
      const listed = [];
      for await (const b of service.getContainerClient(container).listBlobsFlat({ prefix: name })) listed.push(b.name);
      expect(listed).toContain(name);

      const fromHost = parseTriggerMetadata(await hostTriggerMetadata(blob, container, name));
      expect(fromHost.ok && fromHost.value).toMatchObject({
        container,
        blobName: name,
        contentLength: 8,
        kind: 'created',
      });
      expect(fromHost.ok && fromHost.value.etag).toBeUndefined(); // a real host's ETag is `{}`

      const withString = parseTriggerMetadata(await hostTriggerMetadata(blob, container, name, 'quoted'));
      expect(withString.ok && withString.value).toMatchObject({ blobName: name, etag: normalizeEtag(props.etag!) });

      const fromGrid = parseEventGridEvent(await blobCreatedEvent(blob, container, name));
      expect(fromGrid.ok && fromGrid.value).toMatchObject({
        container,
        blobName: name,
        etag: normalizeEtag(props.etag!),
        contentLength: 8,
        api: 'PutBlob',
      });
    },
  );

  it('a blob whose name looks like JSON (the host JSON-parses `name`) still comes from blobTrigger', async () => {
    const blob = await upload(service, container, '123', 'x');
    const meta = await hostTriggerMetadata(blob, container, '123');
    expect(meta.name).toBe(123);
    const parsed = parseTriggerMetadata(meta);
    expect(parsed.ok && parsed.value.blobName).toBe('123');
  });

  it("accepts every shape of properties.eTag: a real host's {} and missing give no version; string, quoted, object and either casing give it", async () => {
    const blob = await upload(service, container, 'in/shapes.csv', 'a,b\n');
    const etag = normalizeEtag((await blob.getProperties()).etag!);
    const expected: Record<EtagShape, string | undefined> = {
      host: undefined,
      missing: undefined,
      string: etag,
      quoted: etag,
      object: etag,
      PascalCase: etag,
    };
    for (const [shape, want] of Object.entries(expected) as Array<[EtagShape, string | undefined]>) {
      const meta = await hostTriggerMetadata(blob, container, 'in/shapes.csv', shape);
      const parsed = parseTriggerMetadata(meta);
      expect(parsed.ok, shape).toBe(true);
      expect(parsed.ok && parsed.value.etag, shape).toBe(want);
      expect(parsed.ok && parsed.value.contentLength, shape).toBe(4);
    }
    for (const odd of [null, '', '""', 42, [], { value: '' }]) {
      const meta = {
        ...(await hostTriggerMetadata(blob, container, 'in/shapes.csv')),
        properties: { eTag: odd, contentLength: 4 },
      };
      const parsed = parseTriggerMetadata(meta);
      expect(parsed.ok && parsed.value.etag, JSON.stringify(odd)).toBeUndefined();
    }
  });

  it('an Event Grid event without data.eTag is still read (the version then comes from the blob)', () => {
    const e = parseEventGridEvent({
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/c/blobs/in/x.csv',
      data: { api: 'PutBlob' },
    });
    expect(e.ok && e.value).toMatchObject({ kind: 'created', blobName: 'in/x.csv' });
    expect(e.ok && e.value.etag).toBeUndefined();
  });

  it('reads hdi_isfolder metadata as a folder marker', async () => {
    const blob = await upload(service, container, 'in/folder', '', { hdi_isfolder: 'true' });
    const parsed = parseTriggerMetadata(await hostTriggerMetadata(blob, container, 'in/folder'));
    expect(parsed.ok && parsed.value).toMatchObject({ folderMarker: true, contentLength: 0 });
  });

  it('parses BlobDeleted as a deletion', async () => {
    const blob = await upload(service, container, 'in/gone.csv', 'x');
    await blob.delete();
    const parsed = parseEventGridEvent(blobDeletedEvent(blob.url, container, 'in/gone.csv'));
    expect(parsed.ok && parsed.value).toMatchObject({ kind: 'deleted', blobName: 'in/gone.csv', api: 'DeleteBlob' });
  });

  it('refuses malformed input with a reason naming the field', () => {
    const cases: Array<[unknown, string]> = [
      [undefined, 'triggerMetadata'],
      [{ uri: 'x' }, 'triggerMetadata.blobTrigger'],
      [{ blobTrigger: 'nocontainer' }, 'triggerMetadata.blobTrigger'],
    ];
    for (const [input, field] of cases) {
      const r = parseTriggerMetadata(input);
      expect(r.ok ? undefined : r.error.field).toBe(field);
    }
    const e = parseEventGridEvent({
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/c',
    });
    expect(e.ok ? undefined : e.error.field).toBe('event.subject');
    const t = parseEventGridEvent({
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      subject: '/blobServices/default/containers/c/blobs/x',
    });
    expect(t.ok ? undefined : t.error.code).toBe('reactive.event.invalid');
    const dir = parseEventGridEvent({
      eventType: 'Microsoft.Storage.DirectoryCreated',
      subject: '/blobServices/default/containers/c/blobs/in/sub',
      data: { api: 'CreateDirectory' },
    });
    expect(dir.ok && dir.value.kind).toBe('other');
  });

  it('normalises quoted and weak ETags', () => {
    expect(normalizeEtag('"0x8DC"')).toBe('0x8DC');
    expect(normalizeEtag('W/"0x8DC"')).toBe('0x8DC');
    expect(normalizeEtag('0x8DC')).toBe('0x8DC');
  });
});
