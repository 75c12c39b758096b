/**
 * One HTTP exchange with the Azure ML service over Node's own http/https (keep-alive agents), with a
 * per-attempt timeout covering connect, headers and body, cancellation, and optional extra trusted CAs
 * (AML_EXTRA_CA_CERTS, added to Node's bundled roots). Never throws: failures come back as values the
 * retry policy understands.
 *
 * Every failure says whether a connection was made (`connected`): a reused keep-alive socket counts as
 * connected at once; a new one once TCP connects (http) or the TLS handshake completes (https). Before
 * that, no byte of the request can have left the process, so the attempt certainly created nothing;
 * after it, the request may have reached the service (outcome.ts).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

export interface HttpResponse {
  kind: 'response';
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
}

export type HttpFailure =
  | { kind: 'timeout'; afterMs: number; connected: boolean }
  | { kind: 'network'; code: string; message: string; connected: boolean }
  | { kind: 'aborted'; connected: boolean };

export type HttpOutcome = HttpResponse | HttpFailure;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Transport {
  send(request: HttpRequest): Promise<HttpOutcome>;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

/** Largest response body kept (run objects are a few KB; error pages can be large). */
const MAX_BODY_BYTES = 1024 * 1024;

function headerMap(res: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(res.headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

export function createTransport(options: { extraCa?: string[] } = {}): Transport {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    maxSockets: 32,
    ...(options.extraCa && options.extraCa.length > 0 ? { ca: [...rootCertificates, ...options.extraCa] } : {}),
  });

  const send = (req: HttpRequest): Promise<HttpOutcome> =>
    new Promise((resolve) => {
      if (req.signal?.aborted) {
        resolve({ kind: 'aborted', connected: false });
        return;
      }
      let settled = false;
      let connected = false;
      const finish = (outcome: HttpOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const url = new URL(req.url);
      const isHttps = url.protocol === 'https:';
      const headers: Record<string, string | number> = { ...(req.headers ?? {}) };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const client = (isHttps ? httpsRequest : httpRequest)(url, {
        method: req.method,
        headers,
        agent: isHttps ? httpsAgent : httpAgent,
      });
      client.on('socket', (socket) => {
        if (client.reusedSocket || !socket.connecting) {
          connected = true;
          return;
        }
        socket.once(isHttps ? 'secureConnect' : 'connect', () => {
          connected = true;
        });
      });
      const timer = setTimeout(() => {
        finish({ kind: 'timeout', afterMs: req.timeoutMs, connected });
        client.destroy();
      }, req.timeoutMs);
      const onAbort = (): void => {
        finish({ kind: 'aborted', connected });
        client.destroy();
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      client.on('error', (error: NodeJS.ErrnoException) => {
        finish({ kind: 'network', code: error.code ?? 'ERR_NETWORK', message: error.message, connected });
      });
      client.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        });
        res.on('end', () => {
          finish({
            kind: 'response',
            status: res.statusCode ?? 0,
            headers: headerMap(res),
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', (error: NodeJS.ErrnoException) => {
          finish({ kind: 'network', code: error.code ?? 'ERR_NETWORK', message: error.message, connected: true });
        });
        res.on('aborted', () =>
          finish({ kind: 'network', code: 'ECONNRESET', message: 'The response was cut off.', connected: true }),
        );
      });
      client.end(req.body);
    });

  return {
    send,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
