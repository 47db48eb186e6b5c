import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import type { DataStore } from '../storage/data-store.ts';
import { EncryptedStore } from '../storage/encrypted-store.ts';
import type { KeyProvider } from '../storage/encryption/key-provider.ts';
import { Keyring } from '../storage/encryption/keyring.ts';
import { resolveMasterKey } from '../storage/encryption/master-key.ts';
import { LocalStore } from '../storage/local-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { PlaintextDataStore } from '../storage/plaintext-data-store.ts';
import type { PrivateScratch } from '../storage/private-scratch.ts';
import { S3Store } from '../storage/s3-store.ts';
import { storeConfigFromEnv } from '../storage/store-config.ts';
import { isStorageError } from '../storage/storage-error.ts';
import { CleanroomError } from './errors.ts';
import { memberKeyRecords, storedMasterKeyIds } from './member-keys.ts';

/**
 * The workspace's keys: the master key (given, or resolved as docs/encryption.md says)
 * checked against the data keys already stored, and the keyring over `member_keys`.
 * Problems with the key are the operator's to fix: a CleanroomError with a code.
 */
export async function openKeyring(
  db: Kysely<Database>,
  home: string,
  env: NodeJS.ProcessEnv,
  given: KeyProvider | undefined,
): Promise<{ readonly keyring: Keyring; readonly firstKeys: boolean }> {
  const existing = await storedMasterKeyIds(db);
  let provider = given;
  if (provider === undefined) {
    const resolved = await resolveMasterKey({ home, env, existingMasterKeyIds: existing });
    if (!resolved.ok) throw new CleanroomError('invalid', resolved.error);
    provider = resolved.value.provider;
  } else if (existing.some((id) => id !== given?.masterKeyId)) {
    throw new CleanroomError('invalid', {
      code: 'master-key-wrong',
      message: `The master key ${provider.masterKeyId} is not the one this workspace's data keys are wrapped with (${existing.join(', ')}).`,
    });
  }
  return { keyring: new Keyring(provider, memberKeyRecords(db)), firstKeys: existing.length === 0 };
}

/** The backend (given, `CLEANROOM_STORE`, or `<home>/store`) behind encryption at rest. */
export async function openDataStore(input: {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly scratch: PrivateScratch;
  readonly keyring: Keyring | undefined;
  readonly backend?: ObjectStore;
}): Promise<{ readonly store: DataStore; readonly close: () => void }> {
  let backend = input.backend;
  let close = (): void => undefined;
  if (backend === undefined) {
    const config = storeConfigFromEnv(input.env, input.root);
    if (!config.ok) throw new CleanroomError('invalid', config.error);
    try {
      if (config.value.kind === 'local') {
        backend = await LocalStore.open(config.value.root);
      } else {
        const s3 = await S3Store.open({ ...config.value.options, stagingDir: input.scratch.root });
        backend = s3;
        close = () => s3.destroy();
      }
    } catch (e) {
      if (!isStorageError(e)) throw e;
      throw new CleanroomError('invalid', { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
    }
  }
  const store = input.keyring === undefined ? new PlaintextDataStore(backend, input.scratch) : new EncryptedStore(backend, input.keyring, input.scratch);
  return { store, close };
}
