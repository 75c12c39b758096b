import { ManagedIdentityCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armDatastoreGetter, createDatastoreResolver } from '../../src/reactive/datastores';
import { startFakeArm, type FakeArm } from '../support/fakeArm';
import { startFakeMsi, type FakeMsi } from '../support/fakeMsi';

const ws = {
  subscriptionId: '11111111-2222-3333-4444-555555555555',
  resourceGroup: 'rg-ml',
  workspaceName: 'ws-reactive',
};

describe('datastore container resolution through ARM (real @azure/arm-machinelearning, loopback ARM)', () => {
  let msi: FakeMsi;
  let arm: FakeArm;
  let clock = 0;
  beforeAll(async () => {
    msi = await startFakeMsi();
    process.env.IDENTITY_ENDPOINT = msi.env.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = msi.env.IDENTITY_HEADER;
    arm = await startFakeArm({ validateToken: msi.validateToken });
    arm.addWorkspace(ws);
    arm.addDatastore(ws, { name: 'landing', accountName: 'stlanding', containerName: 'incoming' });
  });
  afterAll(async () => {
    await arm.close();
    await msi.close();
  });

  const resolver = () =>
    createDatastoreResolver(
      armDatastoreGetter({
        credential: new ManagedIdentityCredential(),
        armEndpoint: arm.endpoint,
        clientOptions: { tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } },
      }),
      { ttlMs: 60_000, now: () => clock },
    );

  it('resolves the container and caches it for the TTL', async () => {
    const r = resolver();
    const before = arm.calls.length;
    const first = await r.resolve(ws, 'landing');
    expect(first).toEqual({
      ok: true,
      value: { datastore: 'landing', container: 'incoming', accountName: 'stlanding' },
    });
    await Promise.all([r.resolve(ws, 'landing'), r.resolve(ws, 'landing')]);
    expect(arm.calls.length - before).toBe(1);
    expect(arm.calls.at(-1)).toMatchObject({ audience: 'https://management.azure.com', status: 200 });
    clock += 61_000;
    await r.resolve(ws, 'landing');
    expect(arm.calls.length - before).toBe(2);
  });

  it('reports an unknown datastore, and does not cache failures', async () => {
    const r = resolver();
    const missing = await r.resolve(ws, 'nope');
    expect(missing.ok ? undefined : missing.error.code).toBe('reactive.datastore.not_found');
    arm.failNext(403);
    const denied = await r.resolve(ws, 'landing');
    expect(denied.ok ? undefined : denied.error.code).toBe('reactive.datastore.access_denied');
    expect((await r.resolve(ws, 'landing')).ok).toBe(true);
  });
});
