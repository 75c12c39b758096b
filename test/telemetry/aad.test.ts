/**
 * Entra-only ingestion: with APPLICATIONINSIGHTS_AUTHENTICATION_STRING=ClientId=<id>;Authorization=AAD
 * the app's own telemetry (src/telemetry.ts, the real applicationinsights 3.x SDK) reaches the ingestion
 * endpoint with a bearer token that the managed identity endpoint issued for Azure Monitor, for that
 * client id. Without the setting, no token is sent (what Entra-only ingestion refuses). The SDK runs in
 * a child process (it installs process-wide OpenTelemetry providers) against a loopback HTTPS ingestion
 * endpoint (bearer tokens are only sent over TLS) and the fake App Service MSI endpoint.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthenticationString } from '../../src/telemetry';
import { startFakeMsi, type FakeMsi } from '../support/fakeMsi';
import { selfSignedCert, startLoopbackServer, type LoopbackServer } from '../support/http';
import { APP_ROOT, ensureBuilt } from '../support/registration';

const run = promisify(execFile);
const CLIENT_ID = '6f1c2d3e-0000-4000-8000-00000000abcd';

interface Ingested {
  path: string;
  authorization: string | undefined;
  body: string;
}

let msi: FakeMsi;
let ingestion: LoopbackServer;
let dir: string;
const received: Ingested[] = [];

beforeAll(async () => {
  await ensureBuilt();
  msi = await startFakeMsi();
  ingestion = await startLoopbackServer(
    (req, res, body) => {
      received.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
    },
    { tls: true },
  );
  dir = mkdtempSync(join(tmpdir(), 'telemetry-aad-'));
  writeFileSync(join(dir, 'ca.pem'), selfSignedCert().cert);
}, 120_000);

afterAll(async () => {
  await Promise.all([msi?.close(), ingestion?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Records one event with the app's telemetry in a child with `env`, flushes (which starts the SDK), exits. */
async function emit(marker: string, env: Record<string, string>): Promise<Ingested[]> {
  const script = `
    const { getTelemetry, flushTelemetry } = require(${JSON.stringify(join(APP_ROOT, 'dist', 'src', 'telemetry.js'))});
    getTelemetry().event(${JSON.stringify(marker)}, { check: 'aad' });
    flushTelemetry().then(() => setTimeout(() => process.exit(0), 500), (e) => { console.error(e); process.exit(1); });`;
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=11111111-2222-4333-8444-555555555555;IngestionEndpoint=${ingestion.origin}/;LiveEndpoint=${ingestion.origin}/`,
    NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true',
    ...msi.env,
    ...env,
  };
  await run(process.execPath, ['-e', script], { env: childEnv, timeout: 60_000 });
  return received.filter((r) => r.body.includes(marker));
}

describe('telemetry under Entra-only ingestion', () => {
  it('reads the authentication string as the host does', () => {
    expect(parseAuthenticationString(`ClientId=${CLIENT_ID};Authorization=AAD`)).toEqual({
      aad: true,
      clientId: CLIENT_ID,
    });
    expect(parseAuthenticationString('authorization=aad')).toEqual({ aad: true });
    expect(parseAuthenticationString(undefined)).toEqual({ aad: false });
    expect(parseAuthenticationString('ClientId=x')).toEqual({ aad: false });
  });

  it('sends the managed identity token for Azure Monitor when Authorization=AAD is set', async () => {
    const posts = await emit('AadMarkerEvent', {
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${CLIENT_ID};Authorization=AAD`,
    });
    expect(posts.length).toBeGreaterThan(0);
    const token = /^Bearer (.+)$/.exec(posts[0]!.authorization ?? '')?.[1];
    expect(token, 'no bearer token on the ingestion request').toBeDefined();
    const issued = msi.issued.get(token!);
    expect(issued?.clientId).toBe(CLIENT_ID);
    expect(issued?.resource).toMatch(/^https:\/\/monitor\.azure\.com\/?$/);
  }, 90_000);

  it('sends no token without the authentication string', async () => {
    const posts = await emit('KeyOnlyMarkerEvent', {});
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((p) => p.authorization === undefined)).toBe(true);
  }, 90_000);
});
