/**
 * Telemetry recorded before Application Insights starts (the app starts it after the first answer,
 * src/index.ts) is kept and sent: nothing is lost, nothing is sent twice, the order is kept, and each
 * kept call says when it happened. First through `DeferredTelemetry` with an in-memory client, then with
 * the real applicationinsights 3.x SDK in a child process posting to a loopback ingestion endpoint.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeferredTelemetry, MemoryTelemetry } from '../../src/telemetry';
import { startFakeIngestion, type FakeIngestion } from '../support/fakeIngestion';
import { APP_ROOT, ensureBuilt } from '../support/registration';

const run = promisify(execFile);

describe('DeferredTelemetry', () => {
  it('keeps every call until the client starts, replays them in order once, then passes calls straight through', async () => {
    const client = new MemoryTelemetry();
    let created = 0;
    const telemetry = new DeferredTelemetry(() => {
      created++;
      return client;
    });
    for (let i = 0; i < 250; i++) telemetry.event('Early', { i });
    telemetry.exception(new Error('early failure'), { phase: 'sync' });
    telemetry.dependency({ name: 'POST run', target: 'ml', data: 'u', durationMs: 12, success: true, resultCode: 200 });
    expect(created).toBe(0);
    expect(client.events).toHaveLength(0);
    expect(telemetry.pendingCount).toBe(252);

    telemetry.start();
    telemetry.start();
    expect(created).toBe(1);
    expect(client.events.map((e) => e.properties.i)).toEqual(Array.from({ length: 250 }, (_, i) => String(i)));
    expect(client.events.every((e) => !Number.isNaN(Date.parse(e.properties.recordedAt ?? '')))).toBe(true);
    expect(client.exceptions).toHaveLength(1);
    expect(client.exceptions[0]!.properties).toMatchObject({ phase: 'sync' });
    expect(client.dependencies[0]!.properties?.recordedAt).toBeDefined();
    expect(telemetry.pendingCount).toBe(0);

    telemetry.event('Late', { n: 1 });
    expect(client.events.at(-1)).toEqual({ name: 'Late', properties: { n: '1' } });
    await telemetry.flush();
    expect(created).toBe(1);
    expect(client.events).toHaveLength(251);
  });

  it('keeps the calls when the client fails to start, and replays them when a later start succeeds', () => {
    const client = new MemoryTelemetry();
    let fail = true;
    const telemetry = new DeferredTelemetry(() => {
      if (fail) throw new Error('connection string rejected');
      return client;
    });
    telemetry.event('Kept');
    expect(() => telemetry.start()).toThrow('connection string rejected');
    expect(telemetry.isStarted).toBe(false);
    expect(telemetry.pendingCount).toBe(1);
    fail = false;
    telemetry.start();
    expect(client.events.map((e) => e.name)).toEqual(['Kept']);
  });

  it('starts the client when flushed before it started (shutdown before the first answer)', async () => {
    const client = new MemoryTelemetry();
    const telemetry = new DeferredTelemetry(() => client);
    telemetry.event('OnlyEvent');
    await telemetry.flush();
    expect(telemetry.isStarted).toBe(true);
    expect(client.events.map((e) => e.name)).toEqual(['OnlyEvent']);
  });
});

describe('the app telemetry with Application Insights 3.x', () => {
  let ingestion: FakeIngestion;
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    ingestion = await startFakeIngestion();
    dir = mkdtempSync(join(tmpdir(), 'telemetry-deferred-'));
    writeFileSync(join(dir, 'ca.pem'), ingestion.ca);
  }, 120_000);
  afterAll(async () => {
    await ingestion?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every event recorded before the SDK started, once, when flushed at shutdown; the SDK is not loaded before', async () => {
    const script = `
      const telemetry = require(${JSON.stringify(join(APP_ROOT, 'dist', 'src', 'telemetry.js'))});
      const app = telemetry.getTelemetry();
      for (let i = 0; i < 300; i++) app.event('BufferedMarker', { i });
      const loaded = Object.keys(require.cache).some((f) => f.includes('/node_modules/applicationinsights/'));
      telemetry.flushTelemetry().then(() => { console.log(JSON.stringify({ loadedBeforeStart: loaded })); process.exit(0); }, (e) => { console.error(e); process.exit(1); });`;
    const { stdout } = await run(process.execPath, ['-e', script], {
      env: {
        PATH: process.env.PATH,
        NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
        APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true',
      },
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ loadedBeforeStart: false });
    const received = ingestion.events('BufferedMarker');
    expect(received).toHaveLength(300);
    expect(new Set(received.map((r) => r.properties.i)).size).toBe(300);
    expect(received.every((r) => r.properties.recordedAt)).toBe(true);
  }, 90_000);
});
