import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MASTER_KEY_ENV, generateMasterKeyText, LocalKeyProvider } from './local-key-provider.ts';

export const MASTER_KEY_FILE_ENV = 'CLEANROOM_MASTER_KEY_FILE';
/** The embedded default: a key file in the home, made on first open. */
export const DEFAULT_MASTER_KEY_FILE = 'master.key';

export type ResolvedMasterKey =
  | { readonly ok: true; readonly value: { readonly provider: LocalKeyProvider; readonly source: string; readonly created: boolean } }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string; readonly hint?: string } };

export interface MasterKeyInput {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  /** Master key ids of the wrapped data keys already stored: a new key is made only when there are none. */
  readonly existingMasterKeyIds: readonly string[];
}

const HINT = 'Generate one with `openssl rand -base64 32 > /etc/cleanroom/master.key` (mode 0600) and set CLEANROOM_MASTER_KEY_FILE.';

/**
 * Which master key wraps this workspace's data keys:
 *
 * 1. `CLEANROOM_MASTER_KEY` (base64 or hex), or
 * 2. `CLEANROOM_MASTER_KEY_FILE` (a file holding it; a server keeps it outside the home), or
 * 3. `<home>/master.key`, created (mode 0600) on the first open of a workspace that has
 *    no data keys yet: the laptop default.
 *
 * Both variables at once is refused (which one would win is a guess). A key that is
 * not the one the stored data keys were wrapped with is refused before anything is
 * read, naming both key ids.
 */
export async function resolveMasterKey(input: MasterKeyInput): Promise<ResolvedMasterKey> {
  const inline = nonEmpty(input.env[DEFAULT_MASTER_KEY_ENV]);
  const file = nonEmpty(input.env[MASTER_KEY_FILE_ENV]);
  if (inline !== undefined && file !== undefined) {
    return refusal('master-key-ambiguous', `Both ${DEFAULT_MASTER_KEY_ENV} and ${MASTER_KEY_FILE_ENV} are set; give the master key one way only.`, `Unset one of them.`);
  }
  let loaded: ResolvedMasterKey;
  if (inline !== undefined) {
    const parsed = LocalKeyProvider.fromEnv(DEFAULT_MASTER_KEY_ENV, input.env);
    loaded = parsed.ok ? { ok: true, value: { provider: parsed.value, source: `the environment variable ${DEFAULT_MASTER_KEY_ENV}`, created: false } } : parsed;
  } else if (file !== undefined) {
    loaded = await fromFile(path.resolve(file), `the file named by ${MASTER_KEY_FILE_ENV}`);
  } else {
    loaded = await defaultKey(input);
  }
  if (!loaded.ok) return loaded;
  const { provider, source } = loaded.value;
  const foreign = [...new Set(input.existingMasterKeyIds)].filter((id) => id !== provider.masterKeyId);
  if (foreign.length > 0) {
    return refusal(
      'master-key-wrong',
      `The master key from ${source} (id ${provider.masterKeyId}) is not the one this workspace's data keys are wrapped with (${foreign.join(', ')}).`,
      'Give the master key this workspace was created with (CLEANROOM_MASTER_KEY or CLEANROOM_MASTER_KEY_FILE); without it the data cannot be read.',
    );
  }
  return loaded;
}

async function defaultKey(input: MasterKeyInput): Promise<ResolvedMasterKey> {
  const keyFile = path.join(path.resolve(input.home), DEFAULT_MASTER_KEY_FILE);
  const source = `the workspace key file ${keyFile}`;
  if (await exists(keyFile)) return fromFile(keyFile, source);
  if (input.existingMasterKeyIds.length > 0) {
    return refusal(
      'master-key-missing',
      `No master key is configured and ${keyFile} does not exist, but this workspace's data keys are wrapped with master key ${input.existingMasterKeyIds[0] ?? ''}.`,
      'Restore the key file from your backup, or set CLEANROOM_MASTER_KEY_FILE to where it is kept.',
    );
  }
  try {
    // 'wx': two processes opening a new home at once must not both write a key.
    const handle = await open(keyFile, 'wx', 0o600);
    try {
      await handle.writeFile(`${generateMasterKeyText()}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      return refusal('master-key-unreadable', `The master key file ${keyFile} cannot be created (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, HINT);
    }
  }
  const loaded = await fromFile(keyFile, source);
  return loaded.ok ? { ok: true, value: { ...loaded.value, created: true } } : loaded;
}

async function fromFile(file: string, source: string): Promise<ResolvedMasterKey> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    return refusal('master-key-unreadable', `The master key file ${file} (${source}) ${why}.`, HINT);
  }
  // Like ssh with a private key: a key others can read is treated as a mistake to fix.
  if ((mode & 0o077) !== 0) {
    return refusal(
      'master-key-permissions',
      `The master key file ${file} can be read by other users (mode ${(mode & 0o777).toString(8)}).`,
      `Run: chmod 600 ${file}`,
    );
  }
  const parsed = await LocalKeyProvider.fromFile(file);
  return parsed.ok ? { ok: true, value: { provider: parsed.value, source, created: false } } : parsed;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

function refusal(code: string, message: string, hint: string): ResolvedMasterKey {
  return { ok: false, error: { code, message, hint } };
}
