/**
 * A loopback Application Insights ingestion endpoint (the Breeze `v2.1/track` API the Azure Monitor
 * exporter of applicationinsights 3.x posts to): accepts every batch (gzip or plain; a JSON array or one
 * JSON item per line), answers `{ itemsReceived, itemsAccepted, errors: [] }`, and counts what it got.
 * Point the app at it with `connectionString`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { selfSignedCert } from './http';

export interface IngestedItem {
  /** Envelope name, e.g. `Microsoft.ApplicationInsights.Event`. */
  readonly name: string;
  /** `data.baseType`, e.g. `EventData`, `ExceptionData`, `RemoteDependencyData`, `MetricData`. */
  readonly baseType: string;
  /** `data.baseData.name` (an event's or a dependency's name). */
  readonly itemName: string | undefined;
  readonly properties: Record<string, string>;
}

export interface FakeIngestion {
  readonly connectionString: string;
  /** PEM of the server's self-signed certificate (for NODE_EXTRA_CA_CERTS). */
  readonly ca: string;
  /** Every item received, in order. */
  readonly items: IngestedItem[];
  /** Items of the app's own events (`EventData`) with this name. */
  events(name: string): IngestedItem[];
  close(): Promise<void>;
}

function parseItems(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown[];
  return trimmed
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

/** Over TLS (the exporter's choice of scheme follows the endpoint): children need `NODE_EXTRA_CA_CERTS` = `ca`. */
export async function startFakeIngestion(): Promise<FakeIngestion> {
  const items: IngestedItem[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let received = 0;
      if (req.method === 'POST' && /\/track\b/.test(req.url ?? '')) {
        const raw = Buffer.concat(chunks);
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        for (const envelope of parseItems(text) as Array<{
          name?: string;
          data?: { baseType?: string; baseData?: { name?: string; properties?: Record<string, string> } };
        }>) {
          received++;
          items.push({
            name: envelope.name ?? '',
            baseType: envelope.data?.baseType ?? '',
            itemName: envelope.data?.baseData?.name,
            properties: envelope.data?.baseData?.properties ?? {},
          });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: received, itemsAccepted: received, errors: [] }));
    });
  };
  const cert = selfSignedCert();
  const server: Server = createHttpsServer({ ...cert }, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('ingestion server has no port');
  const origin = `https://127.0.0.1:${address.port}`;
  return {
    connectionString: `InstrumentationKey=11111111-2222-4333-8444-555555555555;IngestionEndpoint=${origin}/;LiveEndpoint=${origin}/`,
    ca: cert.cert,
    items,
    events: (name) => items.filter((i) => i.baseType === 'EventData' && i.itemName === name),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
