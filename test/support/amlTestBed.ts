/**
 * The whole Azure ML side of the test bed in one call: fake managed identity, fake ARM (HTTPS) and fake
 * Azure ML, wired together, plus the app settings that point the real client at them.
 *
 *   const bed = await startAmlTestBed();            // in beforeAll; ONE per test file (see fakeMsi.ts)
 *   const client = createPipelineClient({ env: bed.env });
 *   bed.aml.addPipeline({ id: 'p1', kind: 'published', workspace: bed.workspace });
 *   ... bed.aml.submissions ...
 *   await bed.close();                               // in afterAll
 *
 * It sets `process.env.IDENTITY_ENDPOINT` / `IDENTITY_HEADER` (read by @azure/identity → MSAL) and
 * registers `workspace` in ARM with its discovery URL on the fake AML, so targets given by ids resolve.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAml, type FakeAml, type FakeWorkspace } from './fakeAml';
import { startFakeAmlV2, type FakeAmlV2 } from './fakeAmlV2';
import { startFakeArm, type FakeArm } from './fakeArm';
import { startFakeMsi, type FakeMsi } from './fakeMsi';

export interface AmlTestBed {
  msi: FakeMsi;
  aml: FakeAml;
  arm: FakeArm;
  /** The Azure ML v2 routes (ARM jobs, components, batch endpoints) and the batch scoring host. */
  v2: FakeAmlV2;
  /** A workspace registered in the fake ARM, served by the fake AML. */
  workspace: FakeWorkspace;
  /** App settings for `createPipelineClient({ env })` (and anything else reading the AML_* settings). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export const TEST_WORKSPACE: FakeWorkspace = {
  subscriptionId: '5c3a1d2e-0000-4000-8000-0000000000aa',
  resourceGroup: 'rg-aml-tests',
  workspaceName: 'mlw-tests',
};

export async function startAmlTestBed(
  options: { workspace?: FakeWorkspace; location?: string } = {},
): Promise<AmlTestBed> {
  const msi = await startFakeMsi();
  process.env.IDENTITY_ENDPOINT = msi.env.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = msi.env.IDENTITY_HEADER;
  const aml = await startFakeAml({ validateToken: msi.validateToken });
  const v2 = await startFakeAmlV2({ validateToken: msi.validateToken });
  const arm = await startFakeArm({ validateToken: msi.validateToken, v2 });
  const workspace = options.workspace ?? TEST_WORKSPACE;
  arm.addWorkspace({ ...workspace, location: options.location ?? 'westeurope', discoveryUrl: aml.discoveryUrl });
  const dir = mkdtempSync(join(tmpdir(), 'aml-testbed-'));
  const caFile = join(dir, 'fake-arm-ca.pem');
  writeFileSync(caFile, arm.ca);
  const env: Record<string, string> = {
    ...msi.env,
    AML_CREDENTIAL: 'managedidentity',
    AML_ARM_ENDPOINT: arm.endpoint,
    AML_EXTRA_CA_CERTS: caFile,
  };
  return {
    msi,
    aml,
    arm,
    v2,
    workspace,
    env,
    async close() {
      await Promise.all([msi.close(), aml.close(), arm.close(), v2.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
