/**
 * Fault injection for crash-safety tests: when CLEANROOM_CRASH_AT names this point, the
 * process kills itself on the spot (SIGKILL: no clean-up handlers run), exactly as a
 * power cut would stop it. Unset in normal use, where this is a no-op.
 */
export type CrashPoint =
  | 'ingest:crawled'
  | 'ingest:stored'
  | 'ingest:committed'
  | 'query:running'
  | 'query:executed'
  | 'query:stored'
  | 'query:committed';

export function crashPoint(point: CrashPoint): void {
  if (process.env['CLEANROOM_CRASH_AT'] === point) process.kill(process.pid, 'SIGKILL');
}
