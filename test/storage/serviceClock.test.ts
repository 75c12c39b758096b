import { BlobServiceClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { judgeClock, serviceTimeRange, ServiceClock, type ClockAnchor } from '../../src/storage/serviceClock';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';

const T = Date.parse('2026-03-29T09:30:00Z');
const HOUR = 3_600_000;

describe('serviceTimeRange / judgeClock (pure)', () => {
  const anchor: ClockAnchor = { serviceDateMs: T, sentMono: 1000, receivedMono: 1040 };

  it('the service time lies between Date + elapsed since the answer and Date + 1 s + elapsed since sending', () => {
    expect(serviceTimeRange(anchor, 1040)).toEqual({ earliestMs: T, latestMs: T + 1040 });
    expect(serviceTimeRange(anchor, 61_040)).toEqual({ earliestMs: T + 60_000, latestMs: T + 61_040 });
  });

  const cases: [string, number, 'agrees' | 'disagrees'][] = [
    ['exactly the Date', T, 'agrees'],
    ['inside the second the Date truncates', T + 900, 'agrees'],
    ['ahead, within tolerance', T + 1040 + 9_999, 'agrees'],
    ['behind, within tolerance', T - 9_999, 'agrees'],
    ['ahead beyond tolerance (a clock jumped forward 3 h)', T + 3 * HOUR, 'disagrees'],
    ['behind beyond tolerance (a clock jumped back 3 h)', T - 3 * HOUR, 'disagrees'],
    ['just past the tolerance ahead', T + 1040 + 10_001, 'disagrees'],
    ['just past the tolerance behind', T - 10_001, 'disagrees'],
  ];
  for (const [name, appNowMs, kind] of cases) {
    it(`${name}: ${kind}`, () => {
      const verdict = judgeClock({ appNowMs, service: serviceTimeRange(anchor, 1040), toleranceMs: 10_000 });
      expect(verdict.kind).toBe(kind);
      if (verdict.kind === 'disagrees') expect(Math.sign(verdict.skewMs)).toBe(Math.sign(appNowMs - T));
    });
  }

  it('a wall clock that jumps later is caught by the monotonic anchor, without asking the service again', () => {
    // Anchored at T, then 10 minutes pass on the monotonic clock; the wall clock says T + 3 h + 10 min.
    const service = serviceTimeRange(anchor, 1040 + 600_000);
    expect(judgeClock({ appNowMs: T + 600_000, service, toleranceMs: 10_000 }).kind).toBe('agrees');
    const jumped = judgeClock({ appNowMs: T + 3 * HOUR + 600_000, service, toleranceMs: 10_000 });
    expect(jumped).toMatchObject({ kind: 'disagrees' });
    if (jumped.kind === 'disagrees') expect(jumped.skewMs).toBeGreaterThan(3 * HOUR - 2000);
  });
});

describe('ServiceClock.verify', () => {
  function clockWith(monoStart: number): { clock: ServiceClock; advance: (ms: number) => void } {
    let mono = monoStart;
    return { clock: new ServiceClock({ mono: () => mono, maxAnchorAgeMs: HOUR }), advance: (ms) => (mono += ms) };
  }

  it('with no anchor yet, probes once, then judges', async () => {
    const { clock } = clockWith(0);
    let probes = 0;
    const verdict = await clock.verify(new Date(T), {
      toleranceMs: 10_000,
      probe: async () => void (probes++, clock.observe(new Date(T), 0, 5)),
    });
    expect(verdict.kind).toBe('agrees');
    expect(probes).toBe(1);
  });

  it('a fresh agreeing anchor needs no probe (an idle tick makes no extra storage call)', async () => {
    const { clock, advance } = clockWith(0);
    clock.observe(new Date(T), 0, 5);
    advance(60_000);
    let probes = 0;
    expect(
      (await clock.verify(new Date(T + 60_000), { toleranceMs: 10_000, probe: async () => void probes++ })).kind,
    ).toBe('agrees');
    expect(probes).toBe(0);
  });

  it('an old anchor is renewed before judging', async () => {
    const { clock, advance } = clockWith(0);
    clock.observe(new Date(T), 0, 5);
    advance(2 * HOUR);
    let probes = 0;
    const verdict = await clock.verify(new Date(T + 2 * HOUR), {
      toleranceMs: 10_000,
      probe: async () => void (probes++, clock.observe(new Date(T + 2 * HOUR), 2 * HOUR, 2 * HOUR + 5)),
    });
    expect(verdict.kind).toBe('agrees');
    expect(probes).toBe(1);
  });

  it('a process that was frozen (monotonic clock stood still) is told apart from a jumped clock by a fresh answer', async () => {
    const { clock } = clockWith(0);
    clock.observe(new Date(T), 0, 5);
    // 20 minutes of wall time passed while the process was frozen: the monotonic clock did not move.
    const wall = new Date(T + 20 * 60_000);
    const verdict = await clock.verify(wall, { toleranceMs: 10_000, probe: async () => clock.observe(wall, 5, 10) });
    expect(verdict.kind).toBe('agrees');
  });

  it('a clock that disagrees with a fresh answer too is reported with its skew', async () => {
    const { clock } = clockWith(0);
    clock.observe(new Date(T), 0, 5);
    const verdict = await clock.verify(new Date(T + 3 * HOUR), {
      toleranceMs: 10_000,
      probe: async () => clock.observe(new Date(T), 5, 10),
    });
    expect(verdict).toMatchObject({ kind: 'disagrees' });
  });

  it('a probe whose answer has no Date is an error, not a silent pass', async () => {
    const { clock } = clockWith(0);
    await expect(clock.verify(new Date(T), { toleranceMs: 10_000, probe: async () => undefined })).rejects.toThrow(
      /Date header/,
    );
  });
});

describe('BlobJsonStore feeds the service clock from real answers (Azurite)', () => {
  let store: BlobJsonStore;
  beforeAll(async () => {
    store = BlobJsonStore.forContainer(
      BlobServiceClient.fromConnectionString(azuriteConnectionString()),
      uniqueContainerName('clock'),
    );
    await store.ensureContainer();
  });

  it('every request (success or refused) anchors the clock to the service Date', async () => {
    const before = Date.now();
    await store.createIfAbsent('a.json', { v: 1 });
    const anchor = store.clock.anchor();
    expect(anchor).toBeDefined();
    // Azurite runs on this machine: its Date is this machine's clock truncated to the second.
    expect(anchor!.serviceDateMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(anchor!.serviceDateMs).toBeLessThanOrEqual(Date.now());
    const first = anchor!;
    expect((await store.createIfAbsent('a.json', { v: 2 })).status).toBe('exists'); // a 409 answer has a Date too
    expect(store.clock.anchor()).not.toBe(first);
  });

  it('the real clock agrees; a clock 3 hours ahead or behind disagrees; a probe is one counted request', async () => {
    const fresh = BlobJsonStore.forContainer(
      BlobServiceClient.fromConnectionString(azuriteConnectionString()),
      store.containerName,
    );
    const probe = (): Promise<void> => fresh.probeClock();
    expect((await fresh.clock.verify(new Date(), { toleranceMs: 10_000, probe })).kind).toBe('agrees');
    expect(fresh.counter.total).toBe(1);
    const ahead = await fresh.clock.verify(new Date(Date.now() + 3 * HOUR), { toleranceMs: 10_000, probe });
    const behind = await fresh.clock.verify(new Date(Date.now() - 3 * HOUR), { toleranceMs: 10_000, probe });
    expect(ahead).toMatchObject({ kind: 'disagrees' });
    expect(behind).toMatchObject({ kind: 'disagrees' });
    if (ahead.kind === 'disagrees' && behind.kind === 'disagrees') {
      expect(ahead.skewMs).toBeGreaterThan(2.9 * HOUR);
      expect(behind.skewMs).toBeLessThan(-2.9 * HOUR);
    }
  });
});

describe('a new deployment', () => {
  it("the storage service's clock is read even before the state container exists (its 404 answer has a Date)", async () => {
    const missing = BlobJsonStore.forContainer(
      BlobServiceClient.fromConnectionString(azuriteConnectionString()),
      uniqueContainerName('none'),
    );
    const verdict = await missing.verifyClock(new Date(), 10_000);
    expect(verdict.kind).toBe('agrees');
  });
});
