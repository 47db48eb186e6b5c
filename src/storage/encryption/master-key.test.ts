import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateMasterKeyText, LocalKeyProvider } from './local-key-provider.ts';
import { resolveMasterKey, type ResolvedMasterKey } from './master-key.ts';

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'cr-master-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function refused(r: ResolvedMasterKey): { code: string; message: string } {
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
}

describe('resolveMasterKey', () => {
  it('creates <home>/master.key (0600) on a new workspace, and reads it back after', async () => {
    const first = await resolveMasterKey({ home, env: {}, existingMasterKeyIds: [] });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.value.created).toBe(true);
    const file = path.join(home, 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await resolveMasterKey({ home, env: {}, existingMasterKeyIds: [first.value.provider.masterKeyId] });
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.created).toBe(false);
    expect(again.value.provider.masterKeyId).toBe(first.value.provider.masterKeyId);
    // Independently: the id is the one the file's key gives.
    const parsed = LocalKeyProvider.parse(readFileSync(file, 'utf8'));
    expect(parsed.ok && parsed.value.masterKeyId).toBe(first.value.provider.masterKeyId);
  });

  it('takes CLEANROOM_MASTER_KEY or CLEANROOM_MASTER_KEY_FILE, never both', async () => {
    const text = generateMasterKeyText();
    const fromEnv = await resolveMasterKey({ home, env: { CLEANROOM_MASTER_KEY: text }, existingMasterKeyIds: [] });
    expect(fromEnv.ok && fromEnv.value.source).toBe('the environment variable CLEANROOM_MASTER_KEY');
    const file = path.join(home, 'elsewhere.key');
    writeFileSync(file, `${text}\n`, { mode: 0o600 });
    const fromFile = await resolveMasterKey({ home, env: { CLEANROOM_MASTER_KEY_FILE: file }, existingMasterKeyIds: [] });
    expect(fromFile.ok && fromFile.value.provider.masterKeyId).toBe(fromEnv.ok && fromEnv.value.provider.masterKeyId);
    // A configured key never leads to a generated one in the home.
    expect(() => statSync(path.join(home, 'master.key'))).toThrow();
    const both = refused(await resolveMasterKey({ home, env: { CLEANROOM_MASTER_KEY: text, CLEANROOM_MASTER_KEY_FILE: file }, existingMasterKeyIds: [] }));
    expect(both.code).toBe('master-key-ambiguous');
  });

  it('names what is wrong: a missing file, a readable file, a malformed key, the wrong key', async () => {
    const missing = refused(await resolveMasterKey({ home, env: { CLEANROOM_MASTER_KEY_FILE: '/nonexistent/master.key' }, existingMasterKeyIds: [] }));
    expect(missing).toMatchObject({ code: 'master-key-unreadable' });
    expect(missing.message).toBe('The master key file /nonexistent/master.key (the file named by CLEANROOM_MASTER_KEY_FILE) does not exist.');
    const open = path.join(home, 'open.key');
    writeFileSync(open, generateMasterKeyText());
    chmodSync(open, 0o644);
    const readable = refused(await resolveMasterKey({ home, env: { CLEANROOM_MASTER_KEY_FILE: open }, existingMasterKeyIds: [] }));
    expect(readable).toMatchObject({ code: 'master-key-permissions' });
    expect(readable.message).toContain('mode 644');
    const bad = refused(await resolveMasterKey({ home, env: { CLEANROOM_MASTER_KEY: 'not a key' }, existingMasterKeyIds: [] }));
    expect(bad.code).toBe('master-key-invalid');
    expect(bad.message).not.toContain('not a key');
    const wrong = refused(await resolveMasterKey({ home, env: { CLEANROOM_MASTER_KEY: generateMasterKeyText() }, existingMasterKeyIds: ['local:0123456789abcdef'] }));
    expect(wrong.code).toBe('master-key-wrong');
    expect(wrong.message).toMatch(/^The master key from the environment variable CLEANROOM_MASTER_KEY \(id local:[0-9a-f]{16}\) is not the one this workspace's data keys are wrapped with \(local:0123456789abcdef\)\.$/);
  });

  it('does not make a new key for a workspace whose data keys exist (a lost key file is an error)', async () => {
    const lost = refused(await resolveMasterKey({ home, env: {}, existingMasterKeyIds: ['local:0123456789abcdef'] }));
    expect(lost.code).toBe('master-key-missing');
    expect(lost.message).toContain(path.join(home, 'master.key'));
    expect(() => statSync(path.join(home, 'master.key'))).toThrow();
  });
});
