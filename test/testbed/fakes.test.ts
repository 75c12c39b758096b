/**
 * Self-tests of the loopback fakes, driven by the real clients where the app uses them:
 * @azure/identity (→ MSAL AppService source) against fakeMsi, @azure/arm-machinelearning against fakeArm,
 * plain HTTP against fakeAml.
 */
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { ManagedIdentityCredential } from '@azure/identity';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAml, type FakeAml } from '../support/fakeAml';
import { startFakeArm, type FakeArm } from '../support/fakeArm';
import { startFakeMsi, type FakeMsi } from '../support/fakeMsi';

const ws = {
  subscriptionId: '11111111-2222-3333-4444-555555555555',
  resourceGroup: 'rg-ml',
  workspaceName: 'mlw-test',
};

let msi: FakeMsi;
let aml: FakeAml;
let arm: FakeArm;

beforeAll(async () => {
  msi = await startFakeMsi();
  process.env.IDENTITY_ENDPOINT = msi.env.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = msi.env.IDENTITY_HEADER;
  aml = await startFakeAml({ validateToken: msi.validateToken });
  arm = await startFakeArm({ validateToken: msi.validateToken });
});

afterAll(async () => {
  await Promise.all([msi?.close(), aml?.close(), arm?.close()]);
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

function post(url: string, body: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: text ? (JSON.parse(text) as unknown) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(1_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

async function token(audience: string): Promise<string> {
  const credential = new ManagedIdentityCredential();
  const result = await credential.getToken(`${audience}/.default`);
  return result.token;
}

describe('fake MSI (App Service protocol) with the real @azure/identity', () => {
  it('issues a token for the audience asked for and records the request MSAL sent', async () => {
    const before = msi.requests.length;
    const credential = new ManagedIdentityCredential();
    const result = await credential.getToken('https://fake-audience-one.example/.default');
    const request = msi.requests[before];
    expect(request).toMatchObject({
      method: 'GET',
      resource: 'https://fake-audience-one.example',
      apiVersion: '2019-08-01',
      headerOk: true,
      clientId: undefined,
      status: 200,
    });
    expect(msi.issued.get(result.token)?.resource).toBe('https://fake-audience-one.example');
    expect(result.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);
  });

  it('passes a user-assigned client id as client_id', async () => {
    const clientId = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    const credential = new ManagedIdentityCredential({ clientId });
    const result = await credential.getToken('https://fake-audience-two.example/.default');
    expect(msi.requests.at(-1)).toMatchObject({ resource: 'https://fake-audience-two.example', clientId });
    expect(msi.issued.get(result.token)?.clientId).toBe(clientId);
  });

  it('refuses a wrong secret header with 401, like App Service', async () => {
    const url = `${msi.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent('https://x.example')}`;
    const res = await fetch(url, { headers: { 'X-IDENTITY-HEADER': 'wrong' } });
    expect(res.status).toBe(401);
    expect(msi.requests.at(-1)?.headerOk).toBe(false);
  });

  it('fails scripted requests; the credential reports the failure', async () => {
    msi.failNext(400, 1);
    const credential = new ManagedIdentityCredential();
    await expect(credential.getToken('https://fake-audience-three.example/.default')).rejects.toThrow();
    expect(msi.requests.at(-1)?.status).toBe(400);
  });
});

describe('fake AML pipelines endpoint', () => {
  it('accepts a valid submission with an ARM token, answers a run id and records it', async () => {
    aml.addPipeline({ id: 'pp-1', kind: 'published', workspace: ws, parameters: ['alpha'] });
    const bearer = await token('https://management.azure.com');
    const body = {
      ExperimentName: 'exp',
      ParameterAssignments: { alpha: 1 },
      DataPathAssignments: { input: { DataStoreName: 'ds', RelativePath: 'a/b.csv' } },
      RunSource: 'SDK',
    };
    const res = await post(aml.submitUrl(ws, { published: 'pp-1' }), JSON.stringify(body), {
      authorization: `Bearer ${bearer}`,
      'content-type': 'application/json',
    });
    expect(res.status).toBe(200);
    const run = res.json as { Id: string; ExperimentName: string };
    expect(run.Id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.ExperimentName).toBe('exp');
    const submission = aml.submissions.at(-1);
    expect(submission).toMatchObject({ runId: run.Id, body, token: bearer, audience: 'https://management.azure.com' });
  });

  it('routes pipeline endpoints by id, id and version, and name', async () => {
    aml.addPipeline({ id: 'pe-1', kind: 'endpoint', name: 'nightly', workspace: ws, versions: ['0', '1'] });
    const bearer = await token('https://management.azure.com');
    const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ ExperimentName: 'e' });
    expect((await post(aml.submitUrl(ws, { endpointId: 'pe-1' }), body, headers)).status).toBe(200);
    expect((await post(aml.submitUrl(ws, { endpointId: 'pe-1', version: '1' }), body, headers)).status).toBe(200);
    expect(aml.submissions.at(-1)?.version).toBe('1');
    expect((await post(aml.submitUrl(ws, { endpointName: 'nightly', version: '0' }), body, headers)).status).toBe(200);
    expect(aml.submissions.at(-1)).toMatchObject({ version: '0', pipeline: { id: 'pe-1' } });
    expect((await post(aml.submitUrl(ws, { endpointId: 'pe-1', version: '7' }), body, headers)).status).toBe(404);
  });

  it('answers 401 without a token, for an unknown token and for a token of another audience', async () => {
    aml.addPipeline({ id: 'pp-auth', kind: 'published' });
    const url = aml.submitUrl(ws, { published: 'pp-auth' });
    const body = JSON.stringify({ ExperimentName: 'e' });
    expect((await post(url, body, { 'content-type': 'application/json' })).status).toBe(401);
    expect(
      (await post(url, body, { authorization: 'Bearer made-up', 'content-type': 'application/json' })).status,
    ).toBe(401);
    const other = await token('https://fake-audience-four.example');
    const res = await post(url, body, { authorization: `Bearer ${other}`, 'content-type': 'application/json' });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'InvalidAuthenticationTokenAudience' } });
  });

  it('answers 404 for unknown and disabled pipelines and 400 for invalid bodies', async () => {
    aml.addPipeline({ id: 'pp-2', kind: 'published', workspace: ws, disabled: true });
    aml.addPipeline({ id: 'pp-3', kind: 'published', workspace: ws, parameters: ['alpha'] });
    const bearer = await token('https://management.azure.com');
    const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
    const good = JSON.stringify({ ExperimentName: 'e' });
    expect((await post(aml.submitUrl(ws, { published: 'nope' }), good, headers)).status).toBe(404);
    const disabled = await post(aml.submitUrl(ws, { published: 'pp-2' }), good, headers);
    expect(disabled.status).toBe(404);
    expect(JSON.stringify(disabled.json)).toMatch(/disabled/);
    const otherWs = { ...ws, workspaceName: 'other' };
    expect((await post(aml.submitUrl(otherWs, { published: 'pp-3' }), good, headers)).status).toBe(404);
    const url = aml.submitUrl(ws, { published: 'pp-3' });
    const bad: Array<[string, RegExp]> = [
      ['not json', /valid JSON/],
      ['[]', /JSON object/],
      ['{}', /ExperimentName/],
      [JSON.stringify({ ExperimentName: 'e', Bogus: 1 }), /Bogus/],
      [JSON.stringify({ ExperimentName: 'e', ParameterAssignments: { alpha: { x: 1 } } }), /alpha/],
      [JSON.stringify({ ExperimentName: 'e', ParameterAssignments: { beta: 1 } }), /beta/],
      [
        JSON.stringify({ ExperimentName: 'e', DataPathAssignments: { d: { DataStoreName: 'x' } } }),
        /DataPathAssignments\.d/,
      ],
      [JSON.stringify({ ExperimentName: 'e', Tags: { a: 1 } }), /Tags\.a/],
    ];
    for (const [body, message] of bad) {
      const res = await post(url, body, headers);
      expect(res.status, body).toBe(400);
      expect((res.json as { error: { message: string } }).error.message).toMatch(message);
    }
    expect((await post(url, good, { authorization: `Bearer ${bearer}`, 'content-type': 'text/plain' })).status).toBe(
      415,
    );
  });

  it('plays scripted answers in order, including Retry-After, resets and hangs', async () => {
    aml.addPipeline({ id: 'pp-s', kind: 'published' });
    const bearer = await token('https://management.azure.com');
    const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
    const url = aml.submitUrl(ws, { published: 'pp-s' });
    const body = JSON.stringify({ ExperimentName: 'e' });
    aml.script([{ status: 429, retryAfter: '2' }, { status: 500 }, 'reset', 'timeout']);
    const throttled = await post(url, body, headers);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('2');
    expect((await post(url, body, headers)).status).toBe(500);
    await expect(post(url, body, headers)).rejects.toThrow();
    await expect(post(url, body, headers)).rejects.toThrow(/timeout/);
    expect((await post(url, body, headers)).status).toBe(200);
    expect(aml.attempts.slice(-5).map((a) => a.outcome)).toEqual([429, 500, 'reset', 'timeout', 200]);
  });
});

describe('fake ARM with the real @azure/arm-machinelearning', () => {
  function client(): AzureMachineLearningWorkspaces {
    return new AzureMachineLearningWorkspaces(new ManagedIdentityCredential(), ws.subscriptionId, {
      endpoint: arm.endpoint,
      credentialScopes: ['https://management.azure.com/.default'],
      tlsOptions: { ca: arm.ca },
      retryOptions: { maxRetries: 0 },
    });
  }

  it('serves workspaces.get with location and discoveryUrl, checking the ARM token', async () => {
    arm.addWorkspace({ ...ws, location: 'northeurope', discoveryUrl: aml.discoveryUrl });
    const workspace = await client().workspaces.get(ws.resourceGroup, ws.workspaceName);
    expect(workspace.location).toBe('northeurope');
    expect(workspace.discoveryUrl).toBe(aml.discoveryUrl);
    const call = arm.calls.at(-1);
    expect(call).toMatchObject({
      method: 'GET',
      apiVersion: '2022-10-01',
      audience: 'https://management.azure.com',
      status: 200,
    });
  });

  it('serves datastores.get as an AzureBlob datastore', async () => {
    arm.addDatastore(ws, { name: 'landing', accountName: 'stlanding', containerName: 'incoming' });
    const datastore = await client().datastores.get(ws.resourceGroup, ws.workspaceName, 'landing');
    expect(datastore.properties).toMatchObject({
      datastoreType: 'AzureBlob',
      accountName: 'stlanding',
      containerName: 'incoming',
      endpoint: 'core.windows.net',
    });
  });

  it('answers 404 for an unknown workspace and scripted failures', async () => {
    await expect(client().workspaces.get(ws.resourceGroup, 'missing')).rejects.toMatchObject({ statusCode: 404 });
    arm.failNext(403);
    await expect(client().workspaces.get(ws.resourceGroup, ws.workspaceName)).rejects.toMatchObject({
      statusCode: 403,
    });
  });
});
