/**
 * Where a measured stretch spent its CPU: this process (the app's code, the Azure SDKs, the loopback
 * Azure ML) and each child process it started (Azurite, MariaDB), from /proc on Linux. On a machine with
 * few cores, the wall time of a storage-bound step is bounded below by the CPU its storage server spends
 * on it; these figures say so in the same run instead of leaving it to guesswork.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** /proc/<pid>/stat counts CPU time in clock ticks of 1/100 s (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  readonly self: NodeJS.CpuUsage;
  /** pid → { name, CPU ms so far } of this process's children. */
  readonly children: ReadonlyMap<number, { readonly name: string; readonly ms: number }>;
}

export interface CpuSpent {
  /** CPU ms of this process. */
  readonly self: number;
  /** CPU ms of the child processes, summed by process name (`node` for Azurite, `mariadbd`). */
  readonly children: Readonly<Record<string, number>>;
}

function childProcesses(): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out; // not Linux: the figures leave the children out
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid … utime stime …": comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    if (Number(fields[1]) !== process.pid) continue;
    const ticks = Number(fields[11]) + Number(fields[12]);
    out.set(Number(entry), { name: stat.slice(stat.indexOf('(') + 1, close), ms: (ticks * 1000) / TICKS_PER_SECOND });
  }
  return out;
}

export function cpuSnapshot(): CpuSnapshot {
  return { self: process.cpuUsage(), children: childProcesses() };
}

export function cpuSince(before: CpuSnapshot): CpuSpent {
  const self = process.cpuUsage(before.self);
  const children: Record<string, number> = {};
  for (const [pid, now] of childProcesses()) {
    const spent = now.ms - (before.children.get(pid)?.ms ?? 0);
    children[now.name] = (children[now.name] ?? 0) + spent;
  }
  return { self: (self.user + self.system) / 1000, children };
}
