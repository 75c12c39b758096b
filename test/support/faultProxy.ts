/**
 * Loopback proxies that inject the network faults of the real platform BETWEEN the app and a fake (or
 * Azurite), so the product code under test runs unchanged.
 *
 * HTTP mode, in front of the fake Azure ML (or any HTTP fake):
 *
 *   const proxy = await startHttpFaultProxy(aml.origin);
 *   const url = proxy.via(aml.submitUrl(ws, { published: 'p' }));        // same path, through the proxy
 *   proxy.fault(['drop_after_forward'], isSubmit);                      // next matching request
 *
 * Faults, one per matching request, in order (requests that match no queued fault pass through):
 *   pass                     forward and relay the answer.
 *   drop_after_forward       forward; once the fake has answered, reset the client's connection (RST)
 *                            instead of relaying: the request reached the fake, the answer is lost.
 *   answer_502_after_forward forward; answer the client 502 (a gateway's HTML page), not the fake's answer.
 *   answer_504_after_forward forward; answer 504 likewise.
 *   stall_after_forward      forward; never answer (the client's attempt timeout must end it).
 *   reset_before_forward     reset the client's connection without forwarding: nothing reaches the fake
 *                            (the client cannot tell: it had connected and written the request).
 * `refuse()` stops listening (and drops idle connections) so new connections get ECONNREFUSED: nothing
 * is sent; `accept()` listens again on the same port.
 *
 * TCP mode, in front of Azurite or anything else (no HTTP parsing): `startTcpFaultProxy(port)`, faults per
 * connection: pass, reset_on_connect (RST before any byte is forwarded), reset_after_response (forward
 * until the upstream's first answer bytes arrive, then reset the client side); `resetAll()` resets every
 * open connection at once; `refuse()` / `accept()` as above.
 */
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { connect, createServer as createNetServer, type Server, type Socket } from 'node:net';

export type HttpFault =
  | 'pass'
  | 'drop_after_forward'
  | 'answer_502_after_forward'
  | 'answer_504_after_forward'
  | 'stall_after_forward'
  | 'reset_before_forward';

export interface ProxiedRequest {
  method: string;
  path: string;
  fault: HttpFault;
  /** Whether the request was forwarded to the upstream. */
  forwarded: boolean;
  /** The upstream's status, when it answered. */
  upstreamStatus?: number;
}

export type RequestMatch = (request: { method: string; path: string }) => boolean;

export interface HttpFaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  readonly requests: ProxiedRequest[];
  /** Queues faults for the next requests that `when` matches (default: every request). */
  fault(faults: HttpFault[], when?: RequestMatch): void;
  /** The same URL with the proxy's origin instead of the upstream's. */
  via(upstreamUrl: string): string;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  /** Drops faults not yet used. */
  clear(): void;
  close(): Promise<void>;
}

/** Matches the submit POSTs of the published-pipeline API. */
export const isSubmit: RequestMatch = (r) => r.method === 'POST' && /\/PipelineRuns\//i.test(r.path);
/** Matches run-history requests. */
export const isHistory: RequestMatch = (r) => /^\/history\//i.test(r.path);

interface Listening {
  server: Server;
  sockets: Set<Socket>;
  port: number;
}

function track(server: Server, sockets: Set<Socket>): void {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

function stopListening(listening: Listening): Promise<void> {
  return new Promise((resolve) => {
    if (!listening.server.listening) return resolve();
    listening.server.close(() => resolve());
    // close() waits for open connections; drop them so the next attempt must connect anew.
    for (const socket of listening.sockets) reset(socket);
  });
}

/** Ends a connection with a TCP RST (ECONNRESET on the other side) where Node supports it. */
function reset(socket: Socket): void {
  const withReset = socket as Socket & { resetAndDestroy?: () => void };
  if (typeof withReset.resetAndDestroy === 'function' && !socket.destroyed) withReset.resetAndDestroy();
  else socket.destroy();
}

function gatewayPage(status: number): string {
  const title = status === 502 ? '502 Bad Gateway' : '504 Gateway Time-out';
  return `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center></body></html>`;
}

export async function startHttpFaultProxy(upstreamOrigin: string): Promise<HttpFaultProxy> {
  const upstream = new URL(upstreamOrigin);
  const queue: Array<{ fault: HttpFault; when: RequestMatch }> = [];
  const requests: ProxiedRequest[] = [];

  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer } | undefined> =>
    new Promise((resolve) => {
      const headers = { ...req.headers, host: upstream.host, connection: 'close' };
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', () => resolve(undefined));
        },
      );
      out.on('error', () => resolve(undefined));
      out.end(body);
    });

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const info = { method: req.method ?? '', path: req.url ?? '/' };
        const index = queue.findIndex((q) => q.when(info));
        const fault: HttpFault = index >= 0 ? (queue.splice(index, 1)[0]?.fault ?? 'pass') : 'pass';
        const record: ProxiedRequest = { ...info, fault, forwarded: false };
        requests.push(record);
        if (fault === 'reset_before_forward') {
          reset(req.socket);
          return;
        }
        record.forwarded = true;
        const answer = await forward(req, Buffer.concat(chunks));
        if (answer) record.upstreamStatus = answer.status;
        switch (fault) {
          case 'drop_after_forward':
            reset(req.socket);
            return;
          case 'stall_after_forward':
            return; // the client's timeout (or close()) ends it
          case 'answer_502_after_forward':
          case 'answer_504_after_forward': {
            const status = fault === 'answer_502_after_forward' ? 502 : 504;
            const page = gatewayPage(status);
            res.writeHead(status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) });
            res.end(page);
            return;
          }
          case 'pass': {
            if (!answer) {
              reset(req.socket);
              return;
            }
            const headers = { ...answer.headers };
            delete headers['transfer-encoding'];
            delete headers.connection;
            headers['content-length'] = String(answer.body.length);
            res.writeHead(answer.status, headers);
            res.end(answer.body);
          }
        }
      })();
    });
  };

  const server = createHttpServer(handler);
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  track(server, sockets);
  const port = await listen(server, 0);
  const listening: Listening = { server, sockets, port };
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    port,
    requests,
    fault(faults, when = () => true) {
      for (const fault of faults) queue.push({ fault, when });
    },
    via(upstreamUrl) {
      const url = new URL(upstreamUrl);
      return `${origin}${url.pathname}${url.search}`;
    },
    refuse: () => stopListening(listening),
    async accept() {
      if (!server.listening) await listen(server, port);
    },
    clear() {
      queue.length = 0;
    },
    async close() {
      queue.length = 0;
      await stopListening(listening);
    },
  };
}

export type TcpFault = 'pass' | 'reset_on_connect' | 'reset_after_response';

export interface TcpFaultProxy {
  readonly port: number;
  /** Faults for the next connections, in order; later connections pass. */
  fault(faults: TcpFault[]): void;
  /** Connections accepted so far, with the fault applied to each. */
  readonly connections: TcpFault[];
  /** Resets every open connection now. */
  resetAll(): void;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpFaultProxy(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<TcpFaultProxy> {
  const queue: TcpFault[] = [];
  const connections: TcpFault[] = [];
  const open = new Set<Socket>();
  const server = createNetServer((client) => {
    const fault = queue.shift() ?? 'pass';
    connections.push(fault);
    if (fault === 'reset_on_connect') {
      reset(client);
      return;
    }
    const target = connect(upstreamPort, upstreamHost);
    open.add(client);
    const cleanup = (): void => {
      open.delete(client);
      if (!client.destroyed) client.destroy();
      if (!target.destroyed) target.destroy();
    };
    client.on('error', cleanup);
    target.on('error', () => reset(client));
    client.on('close', cleanup);
    target.on('close', () => {
      if (!client.destroyed) client.end();
    });
    client.pipe(target);
    if (fault === 'reset_after_response') {
      target.once('data', () => {
        reset(client);
        target.destroy();
      });
    } else {
      target.pipe(client);
    }
  });
  const sockets = new Set<Socket>();
  track(server, sockets);
  const port = await listen(server, 0);
  const listening: Listening = { server, sockets, port };
  return {
    port,
    connections,
    fault(faults) {
      queue.push(...faults);
    },
    resetAll() {
      for (const socket of open) reset(socket);
    },
    refuse: () => stopListening(listening),
    async accept() {
      if (!server.listening) await listen(server, port);
    },
    async close() {
      queue.length = 0;
      await stopListening(listening);
    },
  };
}
