import { BlobServiceClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClaimStore, claimName, reactiveSubmissionKey, type ClaimKey } from '../../src/reactive/claims';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { ODD_NAMES } from './support';

describe('claims: one (schedule, blob, ETag) claim, moved on by exactly one delivery', () => {
  let store: BlobJsonStore;
  const now = new Date('2026-03-01T10:00:00Z');
  const later = (ms: number): Date => new Date(now.getTime() + ms);
  let n = 0;
  const key = (over: Partial<ClaimKey> = {}): ClaimKey => ({
    schedule: 'sales',
    container: 'data',
    blobName: `in/file-${n++}.csv`,
    etag: '"0x8DC0000000000001"',
    ...over,
  });

  beforeAll(async () => {
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    store = BlobJsonStore.forContainer(service, uniqueContainerName('claims'));
    await store.ensureContainer();
  });

  it('10 concurrent deliveries: exactly one creates it, the others read what it says', async () => {
    const claims = new ClaimStore(store);
    const k = key();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => claims.open(k, now)));
    expect(outcomes.filter((o) => o.status === 'created')).toHaveLength(1);
    expect(
      outcomes.filter((o) => o.status === 'found').map((o) => o.status === 'found' && o.claim.record.state),
    ).toEqual(Array(9).fill('claimed'));
  });

  it('a new ETag is a new claim', async () => {
    const claims = new ClaimStore(store);
    const k = key();
    expect((await claims.open(k, now)).status).toBe('created');
    expect((await claims.open({ ...k, etag: '"0x8DC0000000000002"' }, now)).status).toBe('created');
  });

  it('taking over is If-Match: of 10 deliveries that read the same claim, one takes it', async () => {
    const claims = new ClaimStore(store);
    const k = key();
    await claims.open(k, now);
    const found = await claims.open(k, later(1));
    if (found.status !== 'found') throw new Error(found.status);
    const taken = await Promise.all(
      Array.from({ length: 10 }, () => claims.take(found.claim, k, later(2), { keepSubmitting: false })),
    );
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(taken.find(Boolean)?.record).toMatchObject({ state: 'claimed', attempts: 2 });
  });

  it('submittingAt is kept for reconciling and dropped for a take-over that sends afresh', async () => {
    const claims = new ClaimStore(store);
    const k = key();
    const o = await claims.open(k, now);
    if (o.status !== 'created') throw new Error(o.status);
    const marked = await claims.markSubmitting(o.claim, later(1));
    expect(marked?.record.submittingAt).toBe(later(1).toISOString());
    const keep = await claims.take(marked!, k, later(2), { keepSubmitting: true });
    expect(keep?.record.submittingAt).toBe(later(1).toISOString());
    const drop = await claims.take(keep!, k, later(3), { keepSubmitting: false });
    expect(drop?.record.submittingAt).toBeUndefined();
    // A stale holder cannot mark it any more.
    expect(await claims.markSubmitting(o.claim, later(4))).toBeUndefined();
  });

  it('records submitted / failed / unknown; a run id wins even over a claim taken over meanwhile', async () => {
    const claims = new ClaimStore(store);
    const k = key();
    const o = await claims.open(k, now);
    if (o.status !== 'created') throw new Error(o.status);
    const marked = (await claims.markSubmitting(o.claim, now))!;
    const unknown = await claims.complete(
      marked,
      { unknown: { code: 'aml.unknown', message: 'reset', transient: false } },
      later(1),
    );
    expect(unknown).toMatchObject({ state: 'unknown', submittingAt: now.toISOString() });
    const found = await claims.open(k, later(2));
    if (found.status !== 'found') throw new Error(found.status);
    await claims.take(found.claim, k, later(2), { keepSubmitting: true });
    await claims.complete(marked, { runId: 'run-1' }, later(3)); // stale ETag: still written
    expect(await claims.read(k)).toMatchObject({ state: 'submitted', runId: 'run-1' });
  });

  it('a corrupt claim is reported as such (with its ETag, to take it over)', async () => {
    const claims = new ClaimStore(store);
    const k = key();
    await store.upsert(claimName(k), { version: 1, nonsense: true });
    const o = await claims.open(k, now);
    expect(o).toMatchObject({ status: 'corrupt', name: claimName(k) });
    if (o.status !== 'corrupt') return;
    const taken = await claims.take(o, k, later(1), { keepSubmitting: true });
    expect(taken?.record).toMatchObject({ state: 'claimed', attempts: 1, blobName: k.blobName });
  });

  it('the submission key is short, of the allowed characters, and differs per schedule, blob and version', () => {
    const k = key({ blobName: ODD_NAMES.at(-1)! });
    const keys = [
      k,
      { ...k, schedule: 'other' },
      { ...k, blobName: 'in/x.csv' },
      { ...k, container: 'c2' },
      { ...k, etag: '"0x2"' },
    ].map(reactiveSubmissionKey);
    for (const s of keys) expect(s).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(new Set(keys).size).toBe(keys.length);
    expect(reactiveSubmissionKey({ ...k, etag: '0x8DC0000000000001' })).toBe(keys[0]); // quotes do not matter
  });

  it.each(ODD_NAMES.map((name) => [name.slice(0, 30), name]))(
    'keeps the blob name %s verbatim inside a hashed claim name',
    async (_l, name) => {
      const claims = new ClaimStore(store);
      const k = key({ blobName: name });
      const cname = claimName(k);
      expect(cname).toMatch(/^reactive-claims\/sales\/[0-9a-f]{64}\/0x8DC0000000000001\.json$/);
      expect((await claims.open(k, now)).status).toBe('created');
      expect((await claims.read(k))?.blobName).toBe(name);
    },
  );
});
