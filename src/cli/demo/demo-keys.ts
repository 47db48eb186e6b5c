/**
 * API keys for the demo members, for `cleanroom demo --serve`: created once and kept in
 * the demo workspace (`demo-keys.json`, readable by its owner only), reused while they
 * are valid, replaced when revoked or lost. Keys are otherwise shown once and never
 * stored; keeping these is fine for a demo workspace on one machine, not for real use.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { authenticate, createApiKey } from '../../api/api-keys.ts';
import type { Workspace } from '../../collaboration/workspace.ts';

export const DEMO_KEYS_FILE = 'demo-keys.json';

function readKept(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

/** A valid member key for each of `members`, reusing the ones kept from an earlier run. */
export async function demoKeys(workspace: Workspace, members: readonly string[]): Promise<{ readonly keys: Readonly<Record<string, string>>; readonly file: string }> {
  const file = join(workspace.home, DEMO_KEYS_FILE);
  const kept = readKept(file);
  const keys: Record<string, string> = {};
  for (const member of members) {
    const token = kept[member];
    if (token !== undefined) {
      const auth = await authenticate(workspace.db, token);
      if (auth.ok && auth.key.member === member) {
        keys[member] = token;
        continue;
      }
    }
    keys[member] = (await createApiKey(workspace.db, { member, label: 'cleanroom demo --serve', createdBy: 'demo' })).token;
  }
  writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { keys, file };
}
