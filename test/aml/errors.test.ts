import { describe, expect, it } from 'vitest';
import { errorForFailure, errorForStatus, serviceMessage } from '../../src/aml/errors';
import { errorContext } from './errorFixtures';

const ctx = errorContext(4);

describe('service messages', () => {
  it('reads the AzureML error body shapes and plain text', () => {
    expect(serviceMessage('{"error":{"code":"UserError","message":"Bad parameter"}}')).toBe('Bad parameter');
    expect(serviceMessage('{"Error":{"Message":"Upper"}}')).toBe('Upper');
    expect(serviceMessage('{"message":"flat"}')).toBe('flat');
    expect(serviceMessage('{"other":1}')).toBeUndefined();
    expect(serviceMessage('  ')).toBeUndefined();
    expect(serviceMessage('Service Unavailable')).toBe('Service Unavailable');
  });
});

describe('error mapping', () => {
  it('names the target, pipeline and workspace, and sets status and transience by HTTP status', () => {
    const cases: Array<[number, string, number, boolean]> = [
      [400, 'aml.bad_request', 400, false],
      [401, 'aml.unauthorized', 502, false],
      [403, 'aml.forbidden', 502, false],
      [404, 'aml.pipeline_not_found', 502, false],
      [429, 'aml.throttled', 503, true],
      [408, 'aml.unavailable', 503, true],
      [500, 'aml.server_error', 502, false],
      [503, 'aml.server_error', 502, false],
      [409, 'aml.refused', 502, false],
      [418, 'aml.unexpected_status', 502, false],
    ];
    for (const [status, code, answer, transient] of cases) {
      const e = errorForStatus(status, '', ctx);
      expect(e, String(status)).toMatchObject({ code, status: answer, transient, source: 'target nightly' });
      expect(e.message, String(status)).toContain('published pipeline p-42');
      expect(e.message, String(status)).toContain('mlw-a');
    }
  });

  it('says how long the service asked to wait when it throttled', () => {
    expect(errorForStatus(429, '', ctx, '30').message).toMatch(/after 4 attempts; it asked to wait 30 s/);
  });

  it('says a timed-out or broken attempt may have created a run once connected, and nothing was sent before', () => {
    const after = errorForFailure({ kind: 'timeout', afterMs: 30_000, connected: true }, ctx);
    expect(after).toMatchObject({ code: 'aml.timeout', outcome: 'unknown', transient: false });
    expect(after.message).toMatch(/may or may not have been created/);
    const before = errorForFailure({ kind: 'timeout', afterMs: 30_000, connected: false }, ctx);
    expect(before).toMatchObject({ code: 'aml.timeout', outcome: 'not_created', transient: true });
    expect(before.message).toMatch(/nothing was sent/);
    expect(
      errorForFailure({ kind: 'network', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND', connected: false }, ctx),
    ).toMatchObject({ code: 'aml.network', status: 503, transient: true, outcome: 'not_created' });
    expect(
      errorForFailure({ kind: 'network', code: 'ECONNRESET', message: 'socket hang up', connected: true }, ctx),
    ).toMatchObject({ code: 'aml.network', transient: false, outcome: 'unknown' });
  });
});
