import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * This machine and this boot of it: `host/boot-id` (Linux's boot id; elsewhere the host
 * alone). Stored with a running query next to its pid.
 */
export function workerHost(): string {
  let boot = '';
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // Not Linux: the host name alone.
  }
  return boot === '' ? hostname() : `${hostname()}/${boot}`;
}

/**
 * Whose is a recorded worker, seen from here: `here` (this machine, this boot: its pid
 * can be checked), `rebooted` (this machine, an earlier boot: the process is gone), or
 * `elsewhere` (another machine: only that machine can tell).
 */
export function workerPlace(recorded: string | null, here: string = workerHost()): 'here' | 'rebooted' | 'elsewhere' {
  if (recorded === null || recorded === here) return 'here';
  const [host] = recorded.split('/');
  return host === here.split('/')[0] ? 'rebooted' : 'elsewhere';
}
