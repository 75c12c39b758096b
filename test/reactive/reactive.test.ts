/**
 * Issue 5 "Must show": real uploads to Azurite reach the real function handler with the metadata the
 * host gives, and exactly the right submissions reach the loopback Azure ML endpoint.
 */
import { ManagedIdentityCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineClient } from '../../src/aml/types';
import { armDatastoreGetter, createDatastoreResolver } from '../../src/reactive/datastores';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import type { FakeAml } from '../support/fakeAml';
import type { FakeArm } from '../support/fakeArm';
import type { FakeMsi } from '../support/fakeMsi';
import { pipelineClient, registerPipeline, sales, setup, WS } from './harness';
import { blobCreatedEvent, blobDeletedEvent, hostTriggerMetadata, ODD_NAMES, upload } from './support';

let bed: AmlTestBed;
let msi: FakeMsi;
let aml: FakeAml;
let arm: FakeArm;
let client: PipelineClient;

beforeAll(async () => {
  bed = await startAmlTestBed({ workspace: WS });
  ({ msi, aml, arm } = bed);
  registerPipeline(aml);
  client = pipelineClient(msi);
});
afterAll(async () => {
  await bed?.close();
});

describe('reactive schedules: blob upload → exactly one pipeline submission', () => {
  it('a new blob directly in the folder submits once, with the blob as a DataPath, plus the schedule parameters', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/day-1.csv', 'a,b\n1,2\n');
    await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, 'in/day-1.csv'));
    const made = aml.submissions.slice(before);
    expect(made).toHaveLength(1);
    expect(made[0]!.pipeline.id).toBe('aaaaaaaa-bbbb-cccc-dddd-000000000001');
    expect(made[0]!.body).toMatchObject({
      ExperimentName: 'reactive-exp',
      ParameterAssignments: { mode: 'fast', region: 'eu' },
      DataPathAssignments: { input_data: { DataStoreName: 'landing', RelativePath: 'in/day-1.csv' } },
    });
    expect(s.history).toMatchObject([
      { schedule: 'sales-arrivals', status: 'submitted', blobName: 'in/day-1.csv', runId: made[0]!.runId },
    ]);
    expect(s.logs.join('\n')).toContain(`submitted run ${made[0]!.runId}`);
  });

  it('the same event delivered 10 times (concurrently and again later) submits once', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/dup.csv', 'x,y\n');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/dup.csv');
    await Promise.all(Array.from({ length: 10 }, () => s.invokeBlobTrigger(meta)));
    for (let i = 0; i < 10; i++) await s.invokeBlobTrigger(meta);
    // An upload raising several BlobCreated events (PutBlob, then a CopyBlob of the same version) too.
    await s.invokeEventGrid(await blobCreatedEvent(blob, s.container, 'in/dup.csv'));
    expect(aml.submissions.length - before).toBe(1);
    expect(s.history.filter((h) => h.status === 'submitted')).toHaveLength(1);
  });

  it('a blob in a subfolder submits nothing (SDK rule), with a log line saying why', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    for (const name of ['in/sub/deep.csv', 'in/../escape.csv', 'top.csv', 'inbox/x.csv']) {
      const blob = await upload(s.service, s.container, name, 'x');
      await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, name));
    }
    expect(aml.submissions.length - before).toBe(0);
    expect(s.logs.filter((l) => l.includes('no reactive schedule watches the folder'))).toHaveLength(4);
  });

  it('a modified blob (new ETag) submits a second run', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/changing.csv', 'v1');
    const first = await hostTriggerMetadata(blob, s.container, 'in/changing.csv');
    await s.invokeBlobTrigger(first);
    await upload(s.service, s.container, 'in/changing.csv', 'v2 is longer');
    const second = await hostTriggerMetadata(blob, s.container, 'in/changing.csv');
    await s.invokeBlobTrigger(second);
    await s.invokeBlobTrigger(second);
    await s.invokeBlobTrigger(first); // a late duplicate of the first event: the blob is at version 2 now, already run
    expect(aml.submissions.length - before).toBe(2);
    expect(new Set(s.history.map((h) => h.etag)).size).toBe(2);
  });

  it('two schedules on one folder: one submission each', async () => {
    const s = await setup({
      aml,
      client,
      schedules: (c) => [
        sales(c),
        sales(c, {
          name: 'sales-audit',
          data_path_parameter_name: 'other_data',
          pipeline_parameters: { mode: 'audit' },
        }),
      ],
    });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/shared.csv', 'x');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/shared.csv');
    await Promise.all([s.invokeBlobTrigger(meta), s.invokeBlobTrigger(meta), s.invokeBlobTrigger(meta)]);
    const made = aml.submissions.slice(before);
    expect(made).toHaveLength(2);
    const bodies = made
      .map((m) => m.body)
      .sort((a, b) => String(a.ParameterAssignments).localeCompare(String(b.ParameterAssignments)));
    expect(bodies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ParameterAssignments: { mode: 'fast', region: 'eu' },
          DataPathAssignments: { input_data: { DataStoreName: 'landing', RelativePath: 'in/shared.csv' } },
        }),
        expect.objectContaining({
          ParameterAssignments: { mode: 'audit', region: 'eu' },
          DataPathAssignments: { other_data: { DataStoreName: 'landing', RelativePath: 'in/shared.csv' } },
        }),
      ]),
    );
  });

  it('a disabled schedule (in its definition, or disabled at run time) submits nothing', async () => {
    const s = await setup({
      aml,
      client,
      disabledAtRunTime: new Set(['paused']),
      schedules: (c) => [sales(c, { status: 'Disabled' }), sales(c, { name: 'paused' })],
    });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/ignored.csv', 'x');
    await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, 'in/ignored.csv'));
    expect(aml.submissions.length - before).toBe(0);
    expect(s.logs.filter((l) => l.includes('is disabled'))).toHaveLength(2);
  });

  it('deleted blobs, zero-length placeholders and folder markers submit nothing, each with a reason', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const gone = await upload(s.service, s.container, 'in/gone.csv', 'x');
    await gone.delete();
    await s.invokeEventGrid(blobDeletedEvent(gone.url, s.container, 'in/gone.csv'));
    const empty = await upload(s.service, s.container, 'in/placeholder.csv', '');
    await s.invokeBlobTrigger(await hostTriggerMetadata(empty, s.container, 'in/placeholder.csv'));
    const marker = await upload(s.service, s.container, 'in/folder', '', { hdi_isfolder: 'true' });
    await s.invokeBlobTrigger(await hostTriggerMetadata(marker, s.container, 'in/folder'));
    const slash = await upload(s.service, s.container, 'in/dir/', '');
    await s.invokeBlobTrigger(await hostTriggerMetadata(slash, s.container, 'in/dir/'));
    expect(aml.submissions.length - before).toBe(0);
    const log = s.logs.join('\n');
    expect(log).toContain('"in/gone.csv" (ETag none): the blob was deleted');
    expect(log).toContain('"in/placeholder.csv"');
    expect(log).toContain('zero-length placeholder');
    expect(log.match(/folder marker/g)).toHaveLength(2);
  });

  it('a blob deleted or replaced after its event was raised submits nothing for that version', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const gone = await upload(s.service, s.container, 'in/deleted-later.csv', 'x');
    const goneMeta = await hostTriggerMetadata(gone, s.container, 'in/deleted-later.csv');
    await gone.delete();
    await s.invokeBlobTrigger(goneMeta);
    // Event Grid events name their version: the older one's event is recognised as superseded.
    const blob = await upload(s.service, s.container, 'in/replaced.csv', 'v1');
    const v1 = await blobCreatedEvent(blob, s.container, 'in/replaced.csv');
    await upload(s.service, s.container, 'in/replaced.csv', 'v2');
    const v2 = await blobCreatedEvent(blob, s.container, 'in/replaced.csv');
    await s.invokeEventGrid(v1);
    await s.invokeEventGrid(v2);
    const made = aml.submissions.slice(before);
    expect(made).toHaveLength(1);
    expect(made[0]!.body.DataPathAssignments).toEqual({
      input_data: { DataStoreName: 'landing', RelativePath: 'in/replaced.csv' },
    });
    const log = s.logs.join('\n');
    expect(log).toMatch(/"in\/deleted-later\.csv" \(ETag none\): the blob was deleted/);
    expect(log).toContain('a newer version of the blob replaced this one');
  });

  it("a real host's metadata (no version) for a replaced blob runs its latest content once", async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/overwritten.csv', 'v1');
    const v1 = await hostTriggerMetadata(blob, s.container, 'in/overwritten.csv');
    await upload(s.service, s.container, 'in/overwritten.csv', 'v2 content');
    const v2 = await hostTriggerMetadata(blob, s.container, 'in/overwritten.csv');
    const latest = (await blob.getProperties()).etag!.replace(/"/g, '');
    await s.invokeBlobTrigger(v1);
    await s.invokeBlobTrigger(v2);
    expect(aml.submissions.length - before).toBe(1);
    expect(s.history).toMatchObject([{ status: 'submitted', etag: latest }]);
  });

  it('names with spaces, unicode, #, %, ?, .. and 1,024 characters arrive intact in RelativePath and history', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    for (const name of ODD_NAMES) {
      const blob = await upload(s.service, s.container, name, 'x');
      await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, name));
    }
    const made = aml.submissions.slice(before);
    const paths = made.map(
      (m) => (m.body.DataPathAssignments as Record<string, { RelativePath: string }>).input_data!.RelativePath,
    );
    expect(paths.sort()).toEqual([...ODD_NAMES].sort());
    expect(s.history.map((h) => h.blobName).sort()).toEqual([...ODD_NAMES].sort());
  });

  it('a schedule without data_path_parameter_name submits without DataPathAssignments', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c, { data_path_parameter_name: undefined })] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/plain.csv', 'x');
    await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, 'in/plain.csv'));
    const made = aml.submissions.slice(before);
    expect(made).toHaveLength(1);
    expect(made[0]!.body.DataPathAssignments).toEqual({});
  });

  it('a schedule without path_on_datastore watches the top level only', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c, { path_on_datastore: undefined })] });
    const before = aml.submissions.length;
    for (const name of ['top.csv', 'in/not-top.csv']) {
      const blob = await upload(s.service, s.container, name, 'x');
      await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, name));
    }
    const made = aml.submissions.slice(before);
    expect(
      made.map(
        (m) => (m.body.DataPathAssignments as Record<string, { RelativePath: string }>).input_data!.RelativePath,
      ),
    ).toEqual(['top.csv']);
  });

  it('the container can come from the datastore through ARM instead of the definition', async () => {
    const resolver = createDatastoreResolver(
      armDatastoreGetter({
        credential: new ManagedIdentityCredential(),
        armEndpoint: arm.endpoint,
        clientOptions: { tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } },
      }),
    );
    let dataContainer = '';
    const s = await setup({
      aml,
      client,
      resolver,
      schedules: (c) => {
        dataContainer = c;
        arm.addDatastore(WS, { name: `ds-${c}`, accountName: 'devstoreaccount1', containerName: c });
        return [sales(c, { container: undefined, datastore: `ds-${c}` })];
      },
    });
    expect(s.container).toBe(dataContainer);
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/via-arm.csv', 'x');
    await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, 'in/via-arm.csv'));
    const made = aml.submissions.slice(before);
    expect(made).toHaveLength(1);
    expect(made[0]!.body.DataPathAssignments).toEqual({
      input_data: { DataStoreName: `ds-${s.container}`, RelativePath: 'in/via-arm.csv' },
    });
  });

  it('on a host without deferred binding (the content arrives as a Buffer) it still works and warns once', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    for (const name of ['in/bytes-1.csv', 'in/bytes-2.csv']) {
      const blob = await upload(s.service, s.container, name, 'a,b\n');
      await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, name), Buffer.from('a,b\n'));
    }
    expect(aml.submissions.length - before).toBe(2);
    expect(s.logs.filter((l) => l.includes('deferred (SDK-type) binding is not active'))).toHaveLength(1);
  });

  it('the Event Grid trigger path (BlobCreated event) submits the same way', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/grid.csv', 'x');
    const event = await blobCreatedEvent(blob, s.container, 'in/grid.csv', 'PutBlockList');
    await Promise.all(Array.from({ length: 5 }, () => s.invokeEventGrid(event)));
    const made = aml.submissions.slice(before);
    expect(made).toHaveLength(1);
    expect(made[0]!.body.DataPathAssignments).toEqual({
      input_data: { DataStoreName: 'landing', RelativePath: 'in/grid.csv' },
    });
  });

  it('a transient Azure ML failure fails the invocation (the host redelivers) and the redelivery submits once', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/retry.csv', 'x');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/retry.csv');
    // Throttled with a Retry-After longer than the client waits within one invocation: it gives up at once.
    aml.script([{ status: 429, retryAfter: '3600' }]);
    await expect(s.invokeBlobTrigger(meta)).rejects.toMatchObject({ error: { code: 'reactive.submit.retry' } });
    await s.invokeBlobTrigger(meta);
    await s.invokeBlobTrigger(meta);
    expect(aml.submissions.length - before).toBe(1);
    expect(s.history.map((h) => h.status)).toEqual(['failed', 'submitted']);
  });

  it('a refusal retrying cannot fix (403) fails the invocation too, naming what to do; once fixed, the redelivery submits once', async () => {
    const s = await setup({ aml, client, schedules: (c) => [sales(c)] });
    const before = aml.submissions.length;
    const blob = await upload(s.service, s.container, 'in/forbidden.csv', 'x');
    const meta = await hostTriggerMetadata(blob, s.container, 'in/forbidden.csv');
    aml.script([{ status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no submit right' } } }]);
    await expect(s.invokeBlobTrigger(meta)).rejects.toMatchObject({ error: { code: 'reactive.submit.retry' } });
    expect(s.logs.join('\n')).toMatch(
      /no run was created.*retrying cannot help until the cause is fixed.*poison queue/,
    );
    await s.invokeBlobTrigger(meta); // the role was assigned; the requeued event runs
    expect(aml.submissions.length - before).toBe(1);
    expect(s.history.map((h) => h.status)).toEqual(['failed', 'submitted']);
  });
});
