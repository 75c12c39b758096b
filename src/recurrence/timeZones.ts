/**
 * Time zones: name resolution (Windows names through the CLDR table in `windows-iana`, IANA names
 * through Luxon/Intl) and fast wall-clock ⇄ instant conversion with the spec's daylight-saving rule.
 *
 * Zone rules come from Luxon's `IANAZone.offset()` (which reads the tz database built into Node's ICU);
 * nothing here knows any zone's rules. Because that call costs several microseconds, each zone keeps a
 * lazily built table of its offset transitions per ~400-day block: the block is sampled every 12 hours
 * and each change is located to the second by bisection. Two transitions that cancel each other out
 * within 12 hours would be missed; the tz database has none after 1900.
 */
import { IANAZone } from 'luxon';
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { HOUR_MS, SECOND_MS, DAY_MS } from './calendar';

export interface ResolvedTimeZone {
  /** Canonical IANA name used for the computation, e.g. `America/Chicago`. */
  readonly iana: string;
  /** The name as given (Windows or IANA), canonically spelt, e.g. `Central Standard Time`. */
  readonly given: string;
  readonly kind: 'windows' | 'iana';
}

const RETIRED_WINDOWS_ZONES: readonly (readonly [string, string])[] = [
  ['Mid-Atlantic Standard Time', 'Etc/GMT+2'],
  ['Kamchatka Standard Time', 'Asia/Kamchatka'],
];

let windowsIndex: Map<string, { name: string; iana: string }> | undefined;

/** CLDR windowsZones: the territory "001" row of each Windows zone is its primary IANA zone. */
function windowsZones(): Map<string, { name: string; iana: string }> {
  if (windowsIndex) return windowsIndex;
  const index = new Map<string, { name: string; iana: string }>();
  for (const row of WINDOWS_TO_IANA_MAP) {
    const iana = row.iana[0];
    if (row.territory === '001' && iana !== undefined)
      index.set(row.windowsName.toLowerCase(), { name: row.windowsName, iana });
  }
  // Two names of the SDK's TimeZone enum that Windows retired ("… - Old") and CLDR no longer lists;
  // mapped as earlier CLDR releases and TimeZoneConverter-style tables did **(ours)**.
  for (const [name, iana] of RETIRED_WINDOWS_ZONES)
    if (!index.has(name.toLowerCase())) index.set(name.toLowerCase(), { name, iana });
  windowsIndex = index;
  return index;
}

/** All Windows zone names the CLDR table knows (canonical spelling). */
export function windowsZoneNames(): string[] {
  return [...windowsZones().values()].map((z) => z.name);
}

/**
 * Resolves a Windows zone name (any letter case) or an IANA name (any letter case, as Intl accepts it).
 * Windows names win when a name is both (only `UTC`, which maps to `Etc/UTC` anyway).
 */
export function resolveTimeZone(name: string): ResolvedTimeZone | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  const windows = windowsZones().get(trimmed.toLowerCase());
  // `given` keeps which name the user chose (Windows or IANA alias) in its canonical spelling.
  if (windows) return { iana: canonicalIana(windows.iana) ?? windows.iana, given: windows.name, kind: 'windows' };
  // IANA names only: an offset such as "+05:00" is not a zone name in the SDK's vocabulary.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(trimmed)) return undefined;
  if (!IANAZone.isValidZone(trimmed)) return undefined;
  const iana = canonicalIana(trimmed);
  if (!iana) return undefined;
  return { iana, given: iana.toLowerCase() === trimmed.toLowerCase() ? iana : trimmed, kind: 'iana' };
}

function canonicalIana(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const BLOCK_MS = 400 * DAY_MS;
const SAMPLE_MS = 12 * HOUR_MS;
/** No zone's offset exceeds ±15 h, so the instants a wall-clock time can mean lie within this of it. */
const WINDOW_MS = 16 * HOUR_MS;

interface Block {
  readonly startOffset: number;
  /** Transition instants inside the block, ascending; `after[i]` is the offset from `at[i]` on. */
  readonly at: number[];
  readonly after: number[];
}

/** One zone's offsets, memoised. Offsets are in milliseconds, local = utc + offset. */
export class ZoneClock {
  private static readonly clocks = new Map<string, ZoneClock>();

  static for(iana: string): ZoneClock {
    let clock = ZoneClock.clocks.get(iana);
    if (!clock) {
      clock = new ZoneClock(iana);
      ZoneClock.clocks.set(iana, clock);
    }
    return clock;
  }

  private readonly zone: IANAZone;
  private readonly blocks = new Map<number, Block>();
  private readonly fixed: number | undefined;

  private constructor(readonly iana: string) {
    this.zone = IANAZone.create(iana);
    const upper = iana.toUpperCase();
    this.fixed = upper === 'UTC' || upper === 'ETC/UTC' || upper === 'ETC/GMT' || upper === 'GMT' ? 0 : undefined;
  }

  /** The library's offset at an instant (ms), whole seconds. */
  private raw(ms: number): number {
    return Math.round(this.zone.offset(ms) * 60) * SECOND_MS;
  }

  private block(index: number): Block {
    let block = this.blocks.get(index);
    if (!block) {
      block = this.build(index);
      this.blocks.set(index, block);
    }
    return block;
  }

  private build(index: number): Block {
    const start = index * BLOCK_MS;
    const end = start + BLOCK_MS;
    const startOffset = this.raw(start);
    const at: number[] = [];
    const after: number[] = [];
    const refine = (a: number, b: number, oa: number, ob: number): void => {
      if (b - a <= SECOND_MS) {
        if (b < end) {
          at.push(b);
          after.push(ob);
        }
        return;
      }
      const mid = a + Math.floor((b - a) / (2 * SECOND_MS)) * SECOND_MS;
      const om = this.raw(mid);
      if (om !== oa) refine(a, mid, oa, om);
      if (om !== ob) refine(mid, b, om, ob);
    };
    let previous = start;
    let previousOffset = startOffset;
    for (let t = start + SAMPLE_MS; t <= end; t += SAMPLE_MS) {
      const offset = this.raw(t);
      if (offset !== previousOffset) refine(previous, t, previousOffset, offset);
      previous = t;
      previousOffset = offset;
    }
    return { startOffset, at, after };
  }

  /** Offset (ms) in effect at an instant. */
  offsetAt(ms: number): number {
    if (this.fixed !== undefined) return this.fixed;
    const block = this.block(Math.floor(ms / BLOCK_MS));
    for (let i = block.at.length - 1; i >= 0; i--) {
      if ((block.at[i] as number) <= ms) return block.after[i] as number;
    }
    return block.startOffset;
  }

  /** Wall-clock milliseconds ("local epoch ms") of an instant. */
  toLocal(ms: number): number {
    return ms + this.offsetAt(ms);
  }

  /**
   * The instant of a wall-clock time, with the spec's daylight-saving rule:
   * - a time that exists once: that instant;
   * - a time that exists twice (fall-back overlap): the first (earlier) instant;
   * - a time that does not exist (spring-forward gap): the offset in effect before the gap, which
   *   lands as far past the gap's end as the time was past its start (Temporal's 'compatible').
   * Luxon alone would pick the later instant in an overlap, hence this function.
   */
  toInstant(local: number): number {
    if (this.fixed !== undefined) return local - this.fixed;
    const lo = local - WINDOW_MS;
    const hi = local + WINDOW_MS;
    const firstOffset = this.offsetAt(lo);
    const loBlock = Math.floor(lo / BLOCK_MS);
    const hiBlock = Math.floor(hi / BLOCK_MS);
    // Fast path: no transition in the window (the overwhelmingly common case).
    let any = false;
    for (let b = loBlock; b <= hiBlock && !any; b++) {
      const block = this.block(b);
      for (const t of block.at) {
        if (t > lo && t <= hi) {
          any = true;
          break;
        }
      }
    }
    if (!any) return local - firstOffset;
    const at: number[] = [];
    const after: number[] = [];
    for (let b = loBlock; b <= hiBlock; b++) {
      const block = this.block(b);
      block.at.forEach((t, i) => {
        if (t > lo && t <= hi) {
          at.push(t);
          after.push(block.after[i] as number);
        }
      });
    }
    // Segments of constant offset, in time order; the first valid candidate is the earliest instant.
    let segmentStart = Number.NEGATIVE_INFINITY;
    let offset = firstOffset;
    for (let i = 0; i <= at.length; i++) {
      const segmentEnd = i < at.length ? (at[i] as number) : Number.POSITIVE_INFINITY;
      const candidate = local - offset;
      if (candidate >= segmentStart && candidate < segmentEnd) return candidate;
      if (i < at.length) {
        segmentStart = at[i] as number;
        offset = after[i] as number;
      }
    }
    // A gap: find the transition whose skipped wall-clock range holds the time.
    let before = firstOffset;
    for (let i = 0; i < at.length; i++) {
      const t = at[i] as number;
      const next = after[i] as number;
      if (next > before && local >= t + before && local < t + next) return local - before;
      before = next;
    }
    return local - firstOffset;
  }
}
