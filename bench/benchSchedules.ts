/** The schedule files a benchmark gives the registry: its schedules, 5,000 to a file (a file may hold at most 1 MiB). */
const FILE_SCHEDULES = 5000;

export function benchScheduleFiles(schedules: readonly unknown[]): { path: string; text: string }[] {
  return Array.from({ length: Math.ceil(schedules.length / FILE_SCHEDULES) }, (_, f) => ({
    path: `config/schedules/bench-${String(f).padStart(3, '0')}.json`,
    text: JSON.stringify({ schedules: schedules.slice(f * FILE_SCHEDULES, (f + 1) * FILE_SCHEDULES) }),
  }));
}
