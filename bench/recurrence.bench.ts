/**
 * Next-occurrence throughput of the recurrence engine beside croner on the equivalent cron expressions,
 * measured in the same run over the same random instants; then the same rules with starts 1, 10 and 30
 * years before those instants (the engine jumps to the period, so the figures should stay flat).
 * Run: `npm run bench -- recurrence`.
 */
import { Cron } from 'croner';
import { nextOccurrence, parseRecurrence, type Recurrence } from '../src/recurrence';

const SAMPLES = 20_000;
const ROUNDS = 7;
const BASE = Date.UTC(2026, 0, 1);

// Deterministic instants spread over two years from 2026-01-01.
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const instants = Array.from({ length: SAMPLES }, () => new Date(BASE + Math.floor(random() * 2 * 365 * 86_400_000)));

function parse(json: unknown): Recurrence {
  const r = parseRecurrence(json);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/**
 * Best-of-ROUNDS throughput in calls per second of each function, rounds interleaved (a, b, c, a, b, c…)
 * so that load from other processes affects all of them alike.
 */
function measure(...fns: ((d: Date) => unknown)[]): number[] {
  for (const fn of fns) for (let i = 0; i < 2000; i++) fn(instants[i % SAMPLES] as Date); // warm-up: JIT, zone tables, croner caches
  const best = fns.map(() => 0);
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round < ROUNDS; round++) {
    fns.forEach((fn, i) => {
      gc?.();
      const t0 = process.hrtime.bigint();
      for (const d of instants) fn(d);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      best[i] = Math.max(best[i] as number, SAMPLES / seconds);
    });
  }
  return best;
}

const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`.padStart(13);

interface Rule {
  name: string;
  json: (start: string) => Record<string, unknown>;
  start: (year: number) => string;
  cron: string;
  zone: string;
}

const rules: Rule[] = [
  {
    name: 'daily 09:30 New York',
    json: (s) => ({
      frequency: 'Day',
      interval: 1,
      start_time: s,
      time_zone: 'Eastern Standard Time',
      hours: [9],
      minutes: [30],
    }),
    start: (y) => `${y}-01-01T00:00:00`,
    cron: '30 9 * * *',
    zone: 'America/New_York',
  },
  {
    name: 'Mon-Fri 8,12,17h Berlin',
    json: (s) => ({
      frequency: 'Week',
      interval: 1,
      start_time: s,
      time_zone: 'W. Europe Standard Time',
      week_days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
      hours: [8, 12, 17],
      minutes: [0],
    }),
    start: (y) => `${y}-01-01T00:00:00`,
    cron: '0 8,12,17 * * 1-5',
    zone: 'Europe/Berlin',
  },
  {
    name: 'every 15 minutes UTC',
    json: (s) => ({ frequency: 'Minute', interval: 15, start_time: s }),
    start: (y) => `${y}-01-01T00:00:00Z`,
    cron: '*/15 * * * *',
    zone: 'UTC',
  },
  {
    name: 'hourly at :05 London',
    json: (s) => ({ frequency: 'Hour', interval: 1, start_time: s, time_zone: 'GMT Standard Time' }),
    start: (y) => `${y}-01-01T00:05:00`,
    cron: '5 * * * *',
    zone: 'Europe/London',
  },
  {
    name: 'monthly 15th 06:00 Sydney',
    json: (s) => ({ frequency: 'Month', interval: 1, start_time: s, time_zone: 'AUS Eastern Standard Time' }),
    start: (y) => `${y}-01-15T06:00:00`,
    cron: '0 6 15 * *',
    zone: 'Australia/Sydney',
  },
  {
    name: '9-17h every 30 min Lord Howe',
    json: (s) => ({
      frequency: 'Day',
      interval: 1,
      start_time: s,
      time_zone: 'Lord Howe Standard Time',
      hours: [9, 10, 11, 12, 13, 14, 15, 16, 17],
      minutes: [0, 30],
    }),
    start: (y) => `${y}-01-01T00:00:00`,
    cron: '0,30 9-17 * * *',
    zone: 'Australia/Lord_Howe',
  },
];

console.log(
  `next occurrence after ${SAMPLES.toLocaleString('en-US')} random instants in 2026-2027, best of ${ROUNDS} rounds`,
);
console.log(`${'rule'.padEnd(30)} ${'engine'.padStart(13)} ${'croner'.padStart(13)}  engine/croner`);
for (const rule of rules) {
  const r = parse(rule.json(rule.start(2026)));
  const cron = new Cron(rule.cron, { timezone: rule.zone });
  // Same answers (outside DST changes) before timing anything.
  const sample = instants[7] as Date;
  const ours = nextOccurrence(r, sample)?.toISOString();
  const theirs = cron.nextRun(sample)?.toISOString();
  if (ours !== theirs) console.log(`  note: ${rule.name} differs at ${sample.toISOString()}: ${ours} vs ${theirs}`);
  const [engine = 0, croner = 1] = measure(
    (d) => nextOccurrence(r, d),
    (d) => cron.nextRun(d),
  );
  console.log(`${rule.name.padEnd(30)} ${fmt(engine)} ${fmt(croner)}  ${(engine / croner).toFixed(1)}x`);
}

console.log('\nage of the start (same rules, start 1 / 10 / 30 years before the instants)');
console.log(`${'rule'.padEnd(30)} ${'1 year'.padStart(13)} ${'10 years'.padStart(13)} ${'30 years'.padStart(13)}`);
for (const rule of rules) {
  const figures = measure(
    ...[2025, 2016, 1996].map((year) => {
      const r = parse(rule.json(rule.start(year)));
      return (d: Date) => nextOccurrence(r, d);
    }),
  );
  console.log(`${rule.name.padEnd(30)} ${figures.map(fmt).join(' ')}`);
}

// One-off cost of a zone never seen before: the engine builds that zone's transition table for the
// ~400 days around the instant (Luxon offset lookups); croner builds its Intl formatter.
const coldEngine = process.hrtime.bigint();
nextOccurrence(
  parse({ frequency: 'Day', interval: 1, start_time: '2026-01-01T09:00:00', time_zone: 'Asia/Tehran' }),
  new Date(BASE),
);
const coldEngineMs = Number(process.hrtime.bigint() - coldEngine) / 1e6;
const coldCron = process.hrtime.bigint();
new Cron('0 9 * * *', { timezone: 'America/Havana' }).nextRun(new Date(BASE));
const coldCronMs = Number(process.hrtime.bigint() - coldCron) / 1e6;
console.log(
  `\nfirst call in a new zone: engine ${coldEngineMs.toFixed(1)} ms (builds the zone table), croner ${coldCronMs.toFixed(1)} ms`,
);
