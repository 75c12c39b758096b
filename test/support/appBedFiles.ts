/**
 * The schedule file of the app bed (test/support/appBed.ts) and of the cold-start bench
 * (bench/coldstart.bench.ts), which runs the same app: a minutely time schedule on `train` and a reactive
 * schedule on `score` watching `in/` of `dataContainer`. No vitest here: the bench imports it too.
 */
export function appBedSchedulesYaml(dataContainer: string): string {
  return [
    'schedules:',
    '  - name: minutely',
    '    target: train',
    '    recurrence: { frequency: Minute, interval: 1, start_time: "2026-01-01T00:00:00Z" }',
    '  - name: arrivals',
    '    target: score',
    '    datastore: landing',
    `    container: ${dataContainer}`,
    '    path_on_datastore: in',
    '    data_path_parameter_name: input_data',
  ].join('\n');
}
