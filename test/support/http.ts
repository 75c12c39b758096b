/**
 * Tiny loopback HTTP(S) server helpers shared by the fakes (fakeMsi, fakeAml, fakeArm).
 * Servers listen on 127.0.0.1 with an OS-chosen port, track their sockets so `close()` is immediate,
 * and can serve TLS with a throwaway self-signed certificate (see `selfSignedCert`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

export interface LoopbackServer {
  /** Origin without trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  readonly port: number;
  /** Destroys open sockets (including hung requests) and stops listening. */
  close(): Promise<void>;
}

export interface Certificate {
  /** PEM certificate; also the CA to trust, since it is self-signed. */
  cert: string;
  key: string;
}

let cachedCert: Certificate | undefined;

/**
 * A self-signed certificate for `127.0.0.1` / `localhost` (made once per process with the openssl CLI).
 * Clients trust it by adding `cert` as a CA.
 */
export function selfSignedCert(): Certificate {
  if (cachedCert) return cachedCert;
  const dir = mkdtempSync(join(tmpdir(), 'fake-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ],
      { stdio: 'ignore' },
    );
    cachedCert = { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
    return cachedCert;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a server on 127.0.0.1 (HTTP, or HTTPS with the self-signed certificate when `tls`). */
export async function startLoopbackServer(
  handler: Handler,
  options: { tls?: boolean; keepAliveTimeoutMs?: number } = {},
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      Promise.resolve(handler(req, res, body)).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'FakeServerError', message: String(error) } });
        else res.destroy();
      });
    });
  };
  const server = options.tls ? createHttpsServer({ ...selfSignedCert() }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on(options.tls ? 'secureConnection' : 'connection', track);
  if (options.tls) server.on('connection', track);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('loopback server has no port');
  const port = address.port;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The bearer token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** Headers as a plain object of strings (multi-valued headers joined with `, `). */
export function plainHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
