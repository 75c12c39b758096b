/**
 * POST /api/schedules when storage fails part-way (issue 11: an apply that reported success while
 * schedules were left "pending" with no next run): the response names every schedule whose state could
 * not be written (503 problem+json, transient) and the same request sent again finishes the apply. The
 * faults are injected between the app and Azurite (test/support/faultProxy.ts), with the storage SDK's
 * own retries down to one try so that one reset is one failure.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApplySchedulesHandler, type SchedulesDeps } from '../../src/http/schedulesHandlers';
import { ScheduleOperations } from '../../src/schedules/operations';
import { ScheduleRegistry } from '../../src/schedules/registry';
import { ScheduleStateStore } from '../../src/schedules/stateStore';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { MemoryTelemetry } from '../../src/telemetry';
import { azuriteBlobEndpoint, connectionStringFor, uniqueContainerName } from '../support/azurite';
import { startHttpFaultProxy, type HttpFaultProxy } from '../support/faultProxy';

const NOW = new Date('2026-03-02T10:00:00Z');
const N = 40;
const names = Array.from({ length: N }, (_, i) => `s-${String(i).padStart(2, '0')}`);
const body = JSON.stringify({
  schedules: names.map((name) => ({
    name,
    pipeline_id: 'pub-x',
    experiment_name: 'x',
    recurrence: { frequency: 'Hour', interval: 1, start_time: '2026-01-01T00:15:00Z' },
  })),
});

let proxy: HttpFaultProxy;
let deps: SchedulesDeps;
let store: ScheduleStateStore;

beforeAll(async () => {
  proxy = await startHttpFaultProxy(new URL(azuriteBlobEndpoint()).origin);
});
afterAll(async () => {
  await proxy?.close();
});

beforeEach(async () => {
  proxy.clear();
  const endpoint = `${proxy.origin}${new URL(azuriteBlobEndpoint()).pathname}`;
  const service = BlobServiceClient.fromConnectionString(connectionStringFor(endpoint), {
    retryOptions: { maxTries: 1 },
  });
  store = new ScheduleStateStore(BlobJsonStore.forContainer(service, uniqueContainerName('applyfault')));
  const registry = new ScheduleRegistry({ store, files: [], clock: () => NOW });
  deps = { operations: new ScheduleOperations({ registry, store }), now: () => NOW, telemetry: new MemoryTelemetry() };
  await store.ensureContainer();
});

async function apply(): Promise<{ status: number; body: Record<string, unknown> }> {
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/schedules',
    headers: { 'content-type': 'application/json' },
    body: { string: body },
  });
  const response = await createApplySchedulesHandler(deps)(
    request,
    new InvocationContext({ functionName: 'test', invocationId: '11111111-2222-3333-4444-555555555555' }),
  );
  return { status: response.status ?? 200, body: (response.jsonBody ?? {}) as Record<string, unknown> };
}

const stateWrite = (name: string) => (r: { method: string; path: string }) =>
  r.method === 'PUT' && r.path.endsWith(`/schedules/${name}/state.json`);

describe('POST /api/schedules with storage failing part-way', () => {
  it('names each schedule whose state was not written (503, transient); the others are in effect; the same request again finishes', async () => {
    proxy.fault(['reset_before_forward'], stateWrite('s-07'));
    proxy.fault(['reset_before_forward'], stateWrite('s-23'));
    const first = await apply();
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ code: 'schedule.apply.incomplete', status: 503 });
    expect(String(first.body.detail)).toMatch(
      /^2 of 40 schedules could not be brought into effect \(s-07, s-23\): .*Run the same apply again to finish/,
    );
    const errors = first.body.errors as { code: string; field: string; value: string; detail: string }[];
    expect(errors.map((e) => [e.value, e.code])).toEqual([
      ['s-07', 'storage.unavailable'],
      ['s-23', 'storage.unavailable'],
    ]);
    expect(errors[0]!.detail).toMatch(
      /^schedule s-07 was not applied: Storage create of .*\/schedules\/s-07\/state\.json failed/,
    );
    const stored = new Map((await store.states.list()).states.map((s) => [s.state.name, s.state]));
    expect(names.filter((n) => !stored.get(n)?.nextDue)).toEqual(['s-07', 's-23']);

    const again = await apply();
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: N });
    const items = again.body.schedules as { name: string; status?: string; nextRun?: string }[];
    expect(items.filter((i) => i.status !== 'Active' || i.nextRun !== '2026-03-02T10:15:00Z')).toEqual([]);
  }, 60_000);
});
