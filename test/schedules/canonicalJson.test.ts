/**
 * The one canonical JSON (src/util/canonicalJson.ts) behind the schedule definition hash and the applied
 * definition blob names. Its output must not depend on key order and must not change between releases:
 * every deployed schedule's state stores the hash, and a different hash reads as "edited here".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/schedules/definition';
import { loadScheduleDefinitions } from '../../src/schedules/loadDefinitions';
import { canonicalHash, canonicalJson } from '../../src/util/canonicalJson';

function shuffledKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffledKeys(v, seed + i));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    const order = entries.map((e, i) => ({ e, k: (i * 7919 + seed * 104729) % 65521 })).sort((a, b) => a.k - b.k);
    return Object.fromEntries(order.map(({ e: [k, v] }) => [k, shuffledKeys(v, seed + 1)]));
  }
  return value;
}

describe('canonical JSON', () => {
  it('is the same text whatever the key order, and parses back to the same JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        const text = canonicalJson(value);
        expect(canonicalJson(shuffledKeys(value, seed))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('writes what JSON.stringify writes for undefined, functions and dates, with keys sorted', () => {
    const value = {
      b: [1, undefined, () => 0],
      a: undefined,
      c: new Date(Date.UTC(2026, 0, 2)),
      d: { z: 1, y: Number.NaN },
    };
    expect(canonicalJson(value)).toBe('{"b":[1,null,null],"c":"2026-01-02T00:00:00.000Z","d":{"y":null,"z":1}}');
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('keeps the hash a deployed schedule state stores (a change would mark every schedule as edited)', () => {
    const text =
      'name: nightly\ntarget: train\nrecurrence: { frequency: Day, interval: 1, hours: [2], time_zone: UTC }\n';
    const loaded = loadScheduleDefinitions([{ path: 's.yaml', text }], { now: new Date(0) });
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const def = loaded.value.definitions[0]!;
    // Reordering the file's keys is not an edit.
    const reordered = loadScheduleDefinitions(
      [
        {
          path: 's.yaml',
          text: 'recurrence: { time_zone: UTC, hours: [2], interval: 1, frequency: Day }\ntarget: train\nname: nightly\n',
        },
      ],
      { now: new Date(0) },
    );
    expect(reordered.ok && reordered.value.definitions[0]!.hash).toBe(def.hash);
    // Pinned: the hash this definition had before the two canonical-JSON copies became one.
    expect(def.hash).toBe('sha256:7db273386b4303dad56e9b54dd50d82797ff4181c6d7223293bdb5a6d804fe9f');
    expect(contentHash({ b: 1, a: [true, null, 'x'] })).toBe(`sha256:${canonicalHash({ a: [true, null, 'x'], b: 1 })}`);
  });
});
