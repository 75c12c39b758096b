/**
 * Added latency of the HTTP submission handler.
 *
 * 1,000 submissions through the real `POST /api/pipelines/{target}/runs` handler (real targets file, real
 * Azure ML client, real @azure/identity against the loopback managed-identity endpoint) to the loopback
 * Azure ML endpoint, next to 1,000 bare POSTs of the same body and bearer token to the same endpoint with
 * no app code, over the same HTTP stack the client uses (node:http, keep-alive agent). The difference is
 * what the app adds: body reading and checking, merging, token cache look-up, the client's bookkeeping,
 * logging and telemetry calls. A third series uses `fetch` (undici), for scale. The three series are
 * interleaved so that they share the machine's state (other processes, GC, CPU frequency).
 *
 * Then the same for each Azure ML v2 kind (docs/migration-v2.md), beside the v1 figure of the same run:
 * a `pipeline_job` target (ARM `PUT …/jobs/<name>` to the fake ARM over HTTPS, a fixed component
 * version so no component look-up is made) and a `batch_endpoint` target (`POST <scoring URI>`, the URI
 * read once and cached). Their references are bare requests of the same body and token to the same URL,
 * each with a new job name as the app sends.
 *
 *   npm run bench -- submit
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { createPipelineClient } from '../src/aml/client';
import { loadTargets } from '../src/config/targets';
import { createSubmitRunHandler } from '../src/http/pipelinesHandlers';
import { noTelemetry } from '../src/telemetry';
import { startAmlTestBed } from '../test/support/amlTestBed';

const N = 1000;
const WARMUP = 200;
const SUB = '0b6f2a51-3c1d-4e8a-9f00-5a1b2c3d4e5f';
const WS = { subscriptionId: SUB, resourceGroup: 'ml-rg', workspaceName: 'ml-ws' };

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

function summary(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

const ms = (v: number): string => `${v.toFixed(3)} ms`;

async function main(): Promise<void> {
  const bed = await startAmlTestBed({ workspace: WS });
  const { msi, aml } = bed;
  aml.addPipeline({ id: 'pub-bench', kind: 'published', workspace: WS });
  bed.v2.addComponent(WS, 'bench_pipeline', ['1']);
  bed.v2.addBatchEndpoint(WS, 'bench-batch');
  Object.assign(process.env, msi.env);
  const url = aml.submitUrl(WS, { published: 'pub-bench' });

  const root = mkdtempSync(join(tmpdir(), 'bench-app-'));
  try {
    writeFileSync(join(root, 'host.json'), '{}');
    writeFileSync(
      join(root, 'pipelines.yaml'),
      `targets:\n  bench:\n    workspace: { subscription_id: ${SUB}, resource_group: ml-rg, workspace_name: ml-ws }\n    endpoint_url: ${url}\n    experiment_name: bench\n    parameters: { epochs: 10, rate: 0.5 }\n    data_paths: { input: { datastore: workspaceblobstore, path: landing/ } }\n` +
        `  bench-job:\n    workspace: { subscription_id: ${SUB}, resource_group: ml-rg, workspace_name: ml-ws }\n    pipeline_job: { component_name: bench_pipeline, component_version: 1 }\n    experiment_name: bench\n    parameters: { epochs: 10, rate: 0.5 }\n    inputs: { input: { type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/landing/" } }\n` +
        `  bench-batch:\n    workspace: { subscription_id: ${SUB}, resource_group: ml-rg, workspace_name: ml-ws }\n    batch_endpoint: { endpoint_name: bench-batch }\n    experiment_name: bench\n    parameters: { epochs: 10, rate: 0.5 }\n    inputs: { input: { type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/landing/" } }\n`,
    );
    const loaded = loadTargets({ appRoot: root, env: { AML_TARGETS_FILE: 'pipelines.yaml' } });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const handler = createSubmitRunHandler({
      targets: loaded.value,
      pipelineClient: createPipelineClient({ env: { ...bed.env } }),
      telemetry: noTelemetry,
      runSource: 'SDK',
    });
    const requestBody = JSON.stringify({ ParameterAssignments: { epochs: 3 }, Tags: { source: 'bench' } });
    const context = new InvocationContext({ functionName: 'submitPipelineRun', logHandler: () => undefined });

    const viaHandler = async (target = 'bench'): Promise<number> => {
      const request = new HttpRequest({
        method: 'POST',
        url: `http://localhost:7071/api/pipelines/${target}/runs`,
        params: { target },
        headers: { 'content-type': 'application/json' },
        body: { string: requestBody },
      });
      const t0 = performance.now();
      const response = await handler(request, context);
      const t1 = performance.now();
      if (response.status !== 202)
        throw new Error(`handler answered ${response.status}: ${JSON.stringify(response.jsonBody)}`);
      return t1 - t0;
    };

    // The bare round trip sends what the handler sends: the same merged body and the same token.
    await viaHandler();
    const last = aml.submissions[aml.submissions.length - 1];
    if (!last) throw new Error('no submission reached the fake');
    const token = last.token;
    const bareBody = JSON.stringify(last.body);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const bare = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const t0 = performance.now();
        const req = httpRequest(
          url,
          { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(bareBody) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const t1 = performance.now();
              JSON.parse(Buffer.concat(chunks).toString('utf8'));
              if (res.statusCode !== 200) reject(new Error(`bare POST answered ${res.statusCode}`));
              else resolve(t1 - t0);
            });
          },
        );
        req.on('error', reject);
        req.end(bareBody);
      });
    const bareFetch = async (): Promise<number> => {
      const t0 = performance.now();
      const response = await fetch(url, { method: 'POST', headers, body: bareBody });
      await response.json();
      const t1 = performance.now();
      if (response.status !== 200) throw new Error(`bare fetch answered ${response.status}`);
      return t1 - t0;
    };

    for (let i = 0; i < WARMUP; i++) {
      await viaHandler();
      await bare();
      await bareFetch();
    }
    global.gc?.();
    const handlerSamples: number[] = [];
    const bareSamples: number[] = [];
    const fetchSamples: number[] = [];
    for (let i = 0; i < N; i++) {
      handlerSamples.push(await viaHandler());
      bareSamples.push(await bare());
      fetchSamples.push(await bareFetch());
    }
    agent.destroy();
    const h = summary(handlerSamples);
    const b = summary(bareSamples);
    const f = summary(fetchSamples);
    console.log(
      `submission latency, ${N} requests each to the loopback Azure ML endpoint (after ${WARMUP} warm-up rounds; series interleaved)`,
    );
    console.log(
      `  bare POST, node:http keep-alive (reference): p50 ${ms(b.p50)}  p99 ${ms(b.p99)}  mean ${ms(b.mean)}`,
    );
    console.log(
      `  bare POST, fetch (for scale):                p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  mean ${ms(f.mean)}`,
    );
    console.log(
      `  through the HTTP handler:                    p50 ${ms(h.p50)}  p99 ${ms(h.p99)}  mean ${ms(h.mean)}`,
    );
    console.log(
      `  added by the app (handler - reference):      p50 ${ms(h.p50 - b.p50)}  p99 ${ms(h.p99 - b.p99)}  mean ${ms(h.mean - b.mean)}`,
    );

    // Azure ML v2: the same handler, each kind beside its own bare reference.
    const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32, ca: bed.arm.ca });
    const bareV2 = (
      method: 'PUT' | 'POST',
      target: () => string,
      body: () => string,
      auth: string,
      secure: boolean,
    ): Promise<number> =>
      new Promise((resolve, reject) => {
        const text = body();
        const t0 = performance.now();
        const send = secure ? httpsRequest : httpRequest;
        const req = send(
          target(),
          {
            method,
            agent: secure ? httpsAgent : agent,
            headers: {
              'content-type': 'application/json',
              authorization: auth,
              'content-length': Buffer.byteLength(text),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const t1 = performance.now();
              JSON.parse(Buffer.concat(chunks).toString('utf8'));
              if ((res.statusCode ?? 0) >= 300) reject(new Error(`bare ${method} answered ${res.statusCode}`));
              else resolve(t1 - t0);
            });
          },
        );
        req.on('error', reject);
        req.end(text);
      });
    const v1Added = h.p50 - b.p50;
    for (const kind of ['bench-job', 'bench-batch'] as const) {
      await viaHandler(kind);
      const sent = kind === 'bench-job' ? bed.v2.puts.at(-1)! : bed.v2.invokes.at(-1)!;
      const auth = sent.headers.authorization!;
      const sentBody = sent.body as { properties: Record<string, unknown> };
      const origin = kind === 'bench-job' ? bed.arm.endpoint : '';
      const path = kind === 'bench-job' ? sent.path : `${bed.v2.scoringOrigin}${sent.path}`;
      let name = '';
      const next = (): string => {
        name = `bench-${randomUUID()}`;
        return kind === 'bench-job' ? `${origin}${path.replace(/\/jobs\/[^/?]+/, `/jobs/${name}`)}` : path;
      };
      const body = (): string =>
        JSON.stringify(kind === 'bench-job' ? sentBody : { properties: { ...sentBody.properties, name } });
      const bareOnce = (): Promise<number> =>
        bareV2(kind === 'bench-job' ? 'PUT' : 'POST', next, body, auth, kind === 'bench-job');
      for (let i = 0; i < WARMUP; i++) {
        await viaHandler(kind);
        await bareOnce();
      }
      global.gc?.();
      const hs: number[] = [];
      const bs: number[] = [];
      for (let i = 0; i < N; i++) {
        hs.push(await viaHandler(kind));
        bs.push(await bareOnce());
      }
      const hv = summary(hs);
      const bv = summary(bs);
      const label = kind === 'bench-job' ? 'pipeline_job (ARM PUT, HTTPS)' : 'batch_endpoint (POST scoring URI)';
      console.log(`v2 ${label}, ${N} requests each (after ${WARMUP} warm-up rounds; interleaved)`);
      console.log(
        `  bare ${kind === 'bench-job' ? 'PUT ' : 'POST'} (reference):                     p50 ${ms(bv.p50)}  p99 ${ms(bv.p99)}  mean ${ms(bv.mean)}`,
      );
      console.log(
        `  through the HTTP handler:                    p50 ${ms(hv.p50)}  p99 ${ms(hv.p99)}  mean ${ms(hv.mean)}`,
      );
      console.log(
        `  added by the app (handler - reference):      p50 ${ms(hv.p50 - bv.p50)}  p99 ${ms(hv.p99 - bv.p99)}  mean ${ms(hv.mean - bv.mean)}   (v1 in this run: p50 ${ms(v1Added)})`,
      );
    }
    httpsAgent.destroy();
  } finally {
    rmSync(root, { recursive: true, force: true });
    await bed.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
