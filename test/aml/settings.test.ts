import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY } from '../../src/aml/retry';
import { readAmlSettings } from '../../src/aml/settings';

const noFile = (path: string): string => {
  throw new Error(`ENOENT: ${path}`);
};

describe('Azure ML client settings', () => {
  it('defaults to ARM audience and endpoint, DefaultAzureCredential locally, managed identity in Azure', () => {
    const local = readAmlSettings({}, noFile);
    expect(local).toMatchObject({
      ok: true,
      value: {
        credentialKind: 'default',
        tokenAudience: 'https://management.azure.com',
        armEndpoint: 'https://management.azure.com',
        armAudience: 'https://management.azure.com',
        extraCa: [],
        retry: DEFAULT_RETRY_POLICY,
      },
    });
    expect(
      readAmlSettings({ IDENTITY_ENDPOINT: 'http://127.0.0.1:41/msi', IDENTITY_HEADER: 'x' }, noFile),
    ).toMatchObject({ ok: true, value: { credentialKind: 'managedidentity' } });
    expect(readAmlSettings({ IDENTITY_ENDPOINT: 'http://x', AML_CREDENTIAL: 'cli' }, noFile)).toMatchObject({
      ok: true,
      value: { credentialKind: 'cli' },
    });
  });

  it('reads the user-assigned client id, preferring AML_MANAGED_IDENTITY_CLIENT_ID over AZURE_CLIENT_ID', () => {
    expect(readAmlSettings({ AZURE_CLIENT_ID: 'b' }, noFile)).toMatchObject({
      ok: true,
      value: { managedIdentityClientId: 'b' },
    });
    expect(readAmlSettings({ AZURE_CLIENT_ID: 'b', AML_MANAGED_IDENTITY_CLIENT_ID: ' a ' }, noFile)).toMatchObject({
      ok: true,
      value: { managedIdentityClientId: 'a' },
    });
  });

  it('reads timings, audiences and the extra CA file', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n';
    const result = readAmlSettings(
      {
        AML_TOKEN_AUDIENCE: 'https://management.usgovcloudapi.net/',
        AML_ARM_ENDPOINT: 'https://management.usgovcloudapi.net',
        AML_EXTRA_CA_CERTS: '/ca.pem',
        AML_DEADLINE_MS: '5000',
        AML_ATTEMPT_TIMEOUT_MS: '1000',
        AML_RETRY_MAX_ATTEMPTS: '3',
        AML_RETRY_BASE_DELAY_MS: '50',
        AML_RETRY_MAX_DELAY_MS: '200',
      },
      (p) => (p === '/ca.pem' ? pem : noFile(p)),
    );
    expect(result).toMatchObject({
      ok: true,
      value: {
        tokenAudience: 'https://management.usgovcloudapi.net',
        extraCa: [pem],
        deadlineMs: 5000,
        attemptTimeoutMs: 1000,
        retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
      },
    });
  });

  it('reads the reconcile delay, 5 s by default', () => {
    expect(readAmlSettings({}, noFile)).toMatchObject({ ok: true, value: { reconcileDelayMs: 5_000 } });
    expect(readAmlSettings({ AML_RECONCILE_DELAY_MS: '250' }, noFile)).toMatchObject({
      ok: true,
      value: { reconcileDelayMs: 250 },
    });
    expect(readAmlSettings({ AML_RECONCILE_DELAY_MS: '-1' }, noFile)).toMatchObject({
      ok: false,
      error: { field: 'AML_RECONCILE_DELAY_MS' },
    });
  });

  it('reads the v2 api-version and the batch audience, refusing a malformed api-version', () => {
    expect(readAmlSettings({}, noFile)).toMatchObject({
      ok: true,
      value: { v2ApiVersion: '2025-09-01', batchAudience: 'https://ml.azure.com' },
    });
    expect(readAmlSettings({ AML_V2_API_VERSION: '2024-10-01-preview' }, noFile)).toMatchObject({
      ok: true,
      value: { v2ApiVersion: '2024-10-01-preview' },
    });
    expect(readAmlSettings({ AML_V2_API_VERSION: 'latest' }, noFile)).toMatchObject({
      ok: false,
      error: { code: 'aml.settings.invalid_api_version', field: 'AML_V2_API_VERSION', value: 'latest' },
    });
  });

  it('reports every invalid setting by name and value', () => {
    const result = readAmlSettings(
      {
        AML_DEADLINE_MS: 'soon',
        AML_ARM_ENDPOINT: 'http://plain',
        AML_CREDENTIAL: 'magic',
        AML_EXTRA_CA_CERTS: '/nope.pem',
      },
      noFile,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('aml.settings.invalid');
    expect(result.error.errors?.map((e) => e.field).sort()).toEqual([
      'AML_ARM_ENDPOINT',
      'AML_CREDENTIAL',
      'AML_DEADLINE_MS',
      'AML_EXTRA_CA_CERTS',
    ]);
    expect(result.error.message).toContain('"soon"');
  });
});
