/**
 * Every reactive run carries the submission key of its blob version, `submissionKey('blob', schedule,
 * container, blob, etag)`, in its Properties and Tags (`aml_triggers_key`): the identity a lost answer is
 * reconciled by. A new version of the blob is a new key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submissionKey } from '../../src/aml/submissionKey';
import type { PipelineClient } from '../../src/aml/types';
import { normalizeEtag } from '../../src/reactive/blobEvent';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import { pipelineClient, registerPipeline, setup, WS } from './harness';
import { hostTriggerMetadata, upload } from './support';

let bed: AmlTestBed;
let client: PipelineClient;

beforeAll(async () => {
  bed = await startAmlTestBed({ workspace: WS });
  registerPipeline(bed.aml);
  client = pipelineClient(bed.msi);
});
afterAll(async () => {
  await bed?.close();
});

describe('reactive submission keys', () => {
  it('one key per schedule and blob version, in Properties and Tags', async () => {
    const aml = bed.aml;
    const s = await setup({
      aml,
      client,
      schedules: (c) => [
        {
          name: 'keyed',
          target: 'ingest',
          datastore: 'landing',
          container: c,
          path_on_datastore: 'in',
          data_path_parameter_name: 'input_data',
        },
      ],
    });
    const before = aml.submissions.length;
    const keys: string[] = [];
    for (const content of ['v1', 'v2']) {
      const blob = await upload(s.service, s.container, 'in/data.csv', content);
      const etag = normalizeEtag((await blob.getProperties()).etag ?? '');
      await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, 'in/data.csv'));
      keys.push(submissionKey('blob', 'keyed', s.container, 'in/data.csv', etag));
    }
    const made = aml.submissions.slice(before);
    expect(made).toHaveLength(2);
    expect(made.map((m) => (m.body.Properties as Record<string, string>).aml_triggers_key)).toEqual(keys);
    expect(made.map((m) => (m.body.Tags as Record<string, string>).aml_triggers_key)).toEqual(keys);
    expect(keys[0]).not.toBe(keys[1]);
  });
});
