import { BlobServiceClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClaimStore, claimName, type ClaimKey } from '../../src/reactive/claims';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { ODD_NAMES } from './support';

describe('claims: one (schedule, blob, ETag) claim wins', () => {
  let store: BlobJsonStore;
  const now = new Date('2026-03-01T10:00:00Z');
  const later = (ms: number): Date => new Date(now.getTime() + ms);
  let n = 0;
  const key = (over: Partial<ClaimKey> = {}): ClaimKey => ({ schedule: 'sales', container: 'data', blobName: `in/file-${n++}.csv`, etag: '"0x8DC0000000000001"', ...over });

  beforeAll(async () => {
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    store = BlobJsonStore.forContainer(service, uniqueContainerName('claims'));
    await store.ensureContainer();
  });

  it('10 concurrent deliveries: exactly one acquires, the others see it in progress, then duplicates', async () => {
    const claims = new ClaimStore(store);
    const k = key();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => claims.acquire(k, now)));
    expect(outcomes.filter((o) => o.status === 'acquired')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'in-progress')).toHaveLength(9);
    const owned = outcomes.find((o) => o.status === 'acquired');
    if (owned?.status !== 'acquired') throw new Error('unreachable');
    await claims.complete(owned.claim, { runId: 'run-1' }, now);
    const again = await Promise.all(Array.from({ length: 10 }, () => claims.acquire(k, later(1000))));
    expect(again.map((o) => o.status)).toEqual(Array(10).fill('duplicate'));
    const first = again[0];
    expect(first?.status === 'duplicate' && first.record.runId).toBe('run-1');
  });

  it('a new ETag is a new claim', async () => {
    const claims = new ClaimStore(store);
    const k = key();
    expect((await claims.acquire(k, now)).status).toBe('acquired');
    expect((await claims.acquire({ ...k, etag: '"0x8DC0000000000002"' }, now)).status).toBe('acquired');
  });

  it('a transient failure is retried by the next delivery, up to maxAttempts', async () => {
    const claims = new ClaimStore(store, { maxAttempts: 3 });
    const k = key();
    const transient = { code: 'aml.throttled', message: 'HTTP 429', transient: true };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const o = await claims.acquire(k, later(attempt));
      expect(o.status).toBe('acquired');
      if (o.status !== 'acquired') return;
      expect(o.claim.record.attempts).toBe(attempt);
      await claims.complete(o.claim, { error: transient }, later(attempt));
    }
    const last = await claims.acquire(k, later(10));
    expect(last).toMatchObject({ status: 'gave-up', record: { attempts: 3, state: 'failed' } });
  });

  it('a permanent failure is not retried', async () => {
    const claims = new ClaimStore(store);
    const k = key();
    const o = await claims.acquire(k, now);
    if (o.status !== 'acquired') throw new Error(o.status);
    await claims.complete(o.claim, { error: { code: 'aml.not_found', message: '404', transient: false } }, now);
    expect((await claims.acquire(k, later(1))).status).toBe('gave-up');
  });

  it('a claim abandoned longer than the lease is taken over by exactly one delivery', async () => {
    const claims = new ClaimStore(store, { leaseMs: 60_000 });
    const k = key();
    expect((await claims.acquire(k, now)).status).toBe('acquired');
    expect((await claims.acquire(k, later(59_000))).status).toBe('in-progress');
    const takeovers = await Promise.all(Array.from({ length: 10 }, () => claims.acquire(k, later(61_000))));
    expect(takeovers.filter((o) => o.status === 'acquired')).toHaveLength(1);
  });

  it.each(ODD_NAMES.map((name) => [name.slice(0, 30), name]))('keeps the blob name %s verbatim inside a hashed claim name', async (_l, name) => {
    const claims = new ClaimStore(store);
    const k = key({ blobName: name });
    const cname = claimName(k);
    expect(cname).toMatch(/^reactive-claims\/sales\/[0-9a-f]{64}\/0x8DC0000000000001\.json$/);
    expect((await claims.acquire(k, now)).status).toBe('acquired');
    expect((await claims.read(k))?.blobName).toBe(name);
  });
});
