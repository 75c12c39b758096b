/**
 * The fault proxies themselves (test/support/faultProxy.ts): the HTTP mode forwards or breaks single
 * requests as scripted, the TCP mode stands in front of Azurite and resets or refuses connections, so the
 * real @azure/storage-blob client sees the storage faults the app must survive.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azuriteBlobEndpoint, connectionStringFor, uniqueContainerName } from '../support/azurite';
import { startFakeAml, type FakeAml } from '../support/fakeAml';
import {
  startHttpFaultProxy,
  startTcpFaultProxy,
  type HttpFaultProxy,
  type TcpFaultProxy,
} from '../support/faultProxy';

function get(url: string, timeoutMs = 1_000): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

describe('HTTP fault proxy', () => {
  let aml: FakeAml;
  let proxy: HttpFaultProxy;
  beforeAll(async () => {
    aml = await startFakeAml();
    proxy = await startHttpFaultProxy(aml.origin);
  });
  afterAll(async () => {
    await proxy.close();
    await aml.close();
  });

  it('passes, forwards-then-breaks, and breaks-before-forwarding as scripted, recording what reached the upstream', async () => {
    const url = proxy.via(aml.discoveryUrl);
    proxy.fault(['answer_502_after_forward', 'drop_after_forward', 'reset_before_forward', 'stall_after_forward']);
    const before = aml.attempts.length;
    expect(await get(url)).toMatchObject({ status: 502, body: expect.stringContaining('Bad Gateway') });
    expect(await get(url)).toMatchObject({ error: 'ECONNRESET' });
    expect(await get(url)).toMatchObject({ error: 'ECONNRESET' });
    expect(await get(url, 300)).toMatchObject({ error: 'TIMEOUT' });
    expect(await get(url)).toMatchObject({ status: 200 });
    expect(aml.attempts.length - before).toBe(4); // all but the one reset before forwarding
    expect(proxy.requests.slice(-5).map((r) => [r.fault, r.forwarded])).toEqual([
      ['answer_502_after_forward', true],
      ['drop_after_forward', true],
      ['reset_before_forward', false],
      ['stall_after_forward', true],
      ['pass', true],
    ]);
  });

  it('refuses connections until it accepts again', async () => {
    await proxy.refuse();
    expect(await get(proxy.via(aml.discoveryUrl))).toEqual({ error: 'ECONNREFUSED' });
    await proxy.accept();
    expect(await get(proxy.via(aml.discoveryUrl))).toMatchObject({ status: 200 });
  });
});

describe('TCP fault proxy in front of Azurite', () => {
  let proxy: TcpFaultProxy;
  let service: BlobServiceClient;
  beforeAll(async () => {
    proxy = await startTcpFaultProxy(Number(new URL(azuriteBlobEndpoint()).port));
    const endpoint = new URL(azuriteBlobEndpoint());
    endpoint.port = String(proxy.port);
    service = BlobServiceClient.fromConnectionString(connectionStringFor(endpoint.toString().replace(/\/$/, '')), {
      retryOptions: { maxTries: 1 },
    });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('forwards storage traffic, and a reset connection fails the real storage client', async () => {
    const container = service.getContainerClient(uniqueContainerName('proxy'));
    await container.create();
    const blob = container.getBlockBlobClient('a.json');
    await blob.upload('{}', 2);
    proxy.resetAll(); // drop the keep-alive connections: the next call connects anew
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the client see its sockets close
    proxy.fault(['reset_on_connect']);
    await expect(blob.getProperties()).rejects.toThrow();
    expect((await blob.getProperties()).contentLength).toBe(2);
    expect(proxy.connections).toContain('reset_on_connect');
  });
});
