import { BlobServiceClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppFailure } from '../../src/errors';
import { BlobJsonStore, type JsonParser } from '../../src/storage/blobJson';
import { blobServiceFromSettings } from '../../src/storage/blobService';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';

let store: BlobJsonStore;

beforeAll(async () => {
  const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
  store = BlobJsonStore.forContainer(service, uniqueContainerName('blobjson'));
  await store.ensureContainer();
});

describe('BlobJsonStore against Azurite', () => {
  it('reads back what it created, with an ETag; a missing blob is "missing"', async () => {
    const created = await store.createIfAbsent('docs/a.json', { n: 1, s: 'x' });
    expect(created.status).toBe('written');
    const read = await store.read<{ n: number }>('docs/a.json');
    expect(read).toMatchObject({ status: 'found', value: { n: 1, s: 'x' } });
    if (read.status !== 'found' || created.status !== 'written') throw new Error('unreachable');
    expect(read.etag).toBe(created.etag);
    expect(await store.read('docs/none.json')).toEqual({ status: 'missing' });
  });

  it('createIfAbsent twice: the second is "exists" and the content stays the first', async () => {
    expect((await store.createIfAbsent('once.json', { who: 'first' })).status).toBe('written');
    expect(await store.createIfAbsent('once.json', { who: 'second' })).toEqual({ status: 'exists' });
    expect(await store.read('once.json')).toMatchObject({ value: { who: 'first' } });
  });

  it('concurrent createIfAbsent of one name: exactly one wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.createIfAbsent('race/create.json', { i })),
    );
    expect(results.filter((r) => r.status === 'written')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'exists')).toHaveLength(19);
  });

  it('two writers with the same ETag: exactly one replace wins, the other gets "conflict"', async () => {
    const created = await store.createIfAbsent('race/replace.json', { v: 0 });
    if (created.status !== 'written') throw new Error('setup');
    const results = await Promise.all([
      store.replaceIfMatch('race/replace.json', { v: 'A' }, created.etag),
      store.replaceIfMatch('race/replace.json', { v: 'B' }, created.etag),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['conflict', 'written']);
    const winner = results[0]?.status === 'written' ? 'A' : 'B';
    expect(await store.read('race/replace.json')).toMatchObject({ value: { v: winner } });
  });

  it('replaceIfMatch with a stale ETag is "conflict", and never recreates a deleted blob', async () => {
    const first = await store.createIfAbsent('gone.json', { v: 1 });
    if (first.status !== 'written') throw new Error('setup');
    const second = await store.replaceIfMatch('gone.json', { v: 2 }, first.etag);
    expect(second.status).toBe('written');
    expect(await store.replaceIfMatch('gone.json', { v: 3 }, first.etag)).toEqual({ status: 'conflict' });
    expect((await store.deleteIfMatch('gone.json')).status).toBe('deleted');
    // The service answers 412 (not 404) to If-Match on an absent blob: the outcome is a non-write.
    expect((await store.replaceIfMatch('gone.json', { v: 4 }, first.etag)).status).not.toBe('written');
    expect(await store.read('gone.json')).toEqual({ status: 'missing' });
  });

  it('deleteIfMatch honours the ETag and reports a missing blob', async () => {
    const created = await store.createIfAbsent('del.json', { v: 1 });
    if (created.status !== 'written') throw new Error('setup');
    const replaced = await store.replaceIfMatch('del.json', { v: 2 }, created.etag);
    if (replaced.status !== 'written') throw new Error('setup');
    expect(await store.deleteIfMatch('del.json', created.etag)).toEqual({ status: 'conflict' });
    expect(await store.deleteIfMatch('del.json', replaced.etag)).toEqual({ status: 'deleted' });
    expect(await store.deleteIfMatch('del.json')).toEqual({ status: 'missing' });
  });

  it('lists by prefix in name order, across pages, stopping at `through` and `limit`', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `list/k${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((n) => store.upsert(n, {})));
    await store.upsert('listing-other/x', {});
    const all = await store.list('list/', { pageSize: 5 });
    expect(all.map((b) => b.name)).toEqual(names);
    expect(all.every((b) => b.etag.length > 0)).toBe(true);
    expect((await store.list('list/', { pageSize: 5, through: 'list/k06' })).map((b) => b.name)).toEqual(
      names.slice(0, 7),
    );
    expect((await store.list('list/', { pageSize: 5, limit: 3 })).map((b) => b.name)).toEqual(names.slice(0, 3));
  });

  it('counts one operation per request, one per listing page', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `count/k${i}`);
    await Promise.all(names.map((n) => store.upsert(n, {})));
    store.counter.reset();
    await store.list('count/', { pageSize: 3 });
    expect(store.counter.count('list')).toBe(3);
    await store.read('count/k0');
    await store.createIfAbsent('count/k0', {});
    await store.deleteIfMatch('count/k1');
    expect(store.counter.snapshot()).toEqual({ list: 3, read: 1, create: 1, delete: 1 });
    expect(store.counter.total).toBe(6);
    store.counter.reset();
    // Growing pages: 1, 4, then up to 5 (pageSize): the 6 left (k1 was deleted) take 3 requests.
    expect(await store.list('count/', { firstPageSize: 1, pageSize: 5 })).toHaveLength(6);
    expect(store.counter.count('list')).toBe(3);
  });

  it('reports a blob that is not JSON, or fails the parser, as "corrupt" naming the blob', async () => {
    await store.container.getBlockBlobClient('bad.json').upload('{not json', 9);
    const bad = await store.read('bad.json');
    expect(bad.status).toBe('corrupt');
    if (bad.status === 'corrupt') {
      expect(bad.error.code).toBe('storage.blob.corrupt');
      expect(bad.error.source).toBe(`${store.containerName}/bad.json`);
    }
    await store.upsert('shape.json', { x: 1 });
    const parser: JsonParser<{ y: number }> = (raw) =>
      typeof raw === 'object' && raw !== null && 'y' in raw
        ? { ok: true, value: raw as { y: number } }
        : { ok: false, message: 'has no y' };
    const wrong = await store.read('shape.json', parser);
    expect(wrong.status === 'corrupt' && wrong.error.message).toContain('has no y');
  });

  it('throws a typed AppFailure for other failures (container does not exist)', async () => {
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    const nowhere = BlobJsonStore.forContainer(service, uniqueContainerName('absent'));
    const failure = await nowhere.createIfAbsent('x.json', {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppFailure);
    expect((failure as AppFailure).error).toMatchObject({ code: 'storage.request_failed', transient: false });
    expect((failure as AppFailure).error.message).toContain('x.json');
  });
});

describe('blobServiceFromSettings', () => {
  it('uses the AzureWebJobsStorage connection string', async () => {
    const built = blobServiceFromSettings({ AzureWebJobsStorage: azuriteConnectionString() });
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const s = BlobJsonStore.forContainer(built.value, uniqueContainerName('settings'));
    await s.ensureContainer();
    expect((await s.createIfAbsent('a.json', { ok: true })).status).toBe('written');
  });

  it('uses AzureWebJobsStorage__blobServiceUri with a token credential', () => {
    const built = blobServiceFromSettings({
      AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net/',
    });
    expect(built.ok && built.value.url).toMatch(/^https:\/\/acct\.blob\.core\.windows\.net\/?$/);
    const byName = blobServiceFromSettings({
      AzureWebJobsStorage__accountName: 'acct2',
      AzureWebJobsStorage__credential: 'managedidentity',
    });
    expect(byName.ok && byName.value.accountName).toBe('acct2');
  });

  it('names the settings to set when there is no connection', () => {
    const built = blobServiceFromSettings({});
    expect(built).toMatchObject({
      ok: false,
      error: { code: 'storage.connection.missing', field: 'AzureWebJobsStorage' },
    });
    const bad = blobServiceFromSettings({ AzureWebJobsStorage__blobServiceUri: 'not a url' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'storage.connection.invalid', field: 'AzureWebJobsStorage__blobServiceUri', value: 'not a url' },
    });
  });
});
