/**
 * The transport says whether a connection was made before an attempt failed: before it, no byte of the
 * request can have left (the attempt created nothing and may be retried); after it, including on a reused
 * keep-alive socket the server had dropped, the request may have arrived (outcome unknown). Real sockets
 * on loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, type Transport } from '../../src/aml/transport';
import { freePort } from '../support/freePort';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    n++;
    req.resume();
    req.on('end', () => handler(req, res, n));
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}/submit`, requests: () => n };
}

function transport(): Transport {
  const t = createTransport();
  cleanups.push(() => t.close());
  return t;
}

const post = (t: Transport, url: string, timeoutMs = 2_000) =>
  t.send({ method: 'POST', url, body: '{}', headers: { 'content-type': 'application/json' }, timeoutMs });

describe('whether a failed attempt had connected', () => {
  it('connection refused: not connected', async () => {
    const answer = await post(transport(), `http://127.0.0.1:${await freePort()}/submit`);
    expect(answer).toMatchObject({ kind: 'network', code: 'ECONNREFUSED', connected: false });
  });

  it('reset after the request arrived: connected', async () => {
    const server = await serve((req) => req.socket.destroy());
    const answer = await post(transport(), server.url);
    expect(answer).toMatchObject({ kind: 'network', connected: true });
    expect(server.requests()).toBe(1);
  });

  it('no answer within the attempt timeout: connected', async () => {
    const server = await serve(() => undefined);
    const answer = await post(transport(), server.url, 200);
    expect(answer).toMatchObject({ kind: 'timeout', connected: true });
  });

  it('a reused keep-alive socket that breaks: connected (the request may have arrived)', async () => {
    const server = await serve((req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
        res.end('{}');
      } else req.socket.destroy();
    });
    const t = transport();
    expect(await post(t, server.url)).toMatchObject({ kind: 'response', status: 200 });
    const second = await post(t, server.url);
    expect(second).toMatchObject({ kind: 'network', connected: true });
    expect(server.requests()).toBe(2);
  });
});
