import { describe, expect, it } from 'vitest';
import { storeConfigFromEnv } from './store-config.ts';

describe('CLEANROOM_STORE', () => {
  it('defaults to <home>/store and takes absolute paths or file:// URLs', () => {
    expect(storeConfigFromEnv({}, '/srv/home')).toEqual({ ok: true, value: { kind: 'local', root: '/srv/home/store' } });
    expect(storeConfigFromEnv({ CLEANROOM_STORE: '/data/objects' }, '/h')).toEqual({ ok: true, value: { kind: 'local', root: '/data/objects' } });
    expect(storeConfigFromEnv({ CLEANROOM_STORE: 'file:///data/objects' }, '/h')).toEqual({ ok: true, value: { kind: 'local', root: '/data/objects' } });
  });

  it('reads s3://bucket/prefix and the S3 settings', () => {
    const r = storeConfigFromEnv(
      {
        CLEANROOM_STORE: 's3://acme-cleanroom/prod/eu/',
        CLEANROOM_S3_ENDPOINT: 'https://minio.internal:9000',
        CLEANROOM_S3_REGION: 'eu-west-1',
        CLEANROOM_S3_FORCE_PATH_STYLE: 'false',
        CLEANROOM_S3_SSE: 'aws:kms',
        CLEANROOM_S3_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:1:key/k',
      },
      '/h',
    );
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 's3',
        options: {
          bucket: 'acme-cleanroom',
          prefix: 'prod/eu',
          endpoint: 'https://minio.internal:9000',
          region: 'eu-west-1',
          forcePathStyle: false,
          serverSideEncryption: 'aws:kms',
          kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k',
        },
      },
    });
    expect(storeConfigFromEnv({ CLEANROOM_STORE: 's3://b', AWS_REGION: 'us-west-2' }, '/h')).toEqual({ ok: true, value: { kind: 's3', options: { bucket: 'b', prefix: '', region: 'us-west-2' } } });
  });

  it('refuses what it cannot use, by name', () => {
    for (const [env, text] of [
      [{ CLEANROOM_STORE: 'ftp://x' }, 'CLEANROOM_STORE "ftp://x" is neither'],
      [{ CLEANROOM_STORE: 'relative/dir' }, 'is neither'],
      [{ CLEANROOM_STORE: 's3://b', CLEANROOM_S3_SSE: 'rot13' }, 'CLEANROOM_S3_SSE "rot13"'],
      [{ CLEANROOM_STORE: 's3://b', CLEANROOM_S3_FORCE_PATH_STYLE: 'yes' }, 'CLEANROOM_S3_FORCE_PATH_STYLE "yes"'],
    ] as const) {
      const r = storeConfigFromEnv(env, '/h');
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('store-config-invalid');
        expect(r.error.message).toContain(text);
      }
    }
  });
});
