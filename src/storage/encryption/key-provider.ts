/**
 * Wraps and unwraps data keys under a master key that never leaves the provider. Kept
 * this small so that a cloud KMS fits behind it: `wrap` is KMS Encrypt with the context
 * as the encryption context, `unwrap` is Decrypt with the same context.
 *
 * @example
 *   const loaded = LocalKeyProvider.fromEnv();              // CLEANROOM_MASTER_KEY
 *   if (!loaded.ok) throw new Error(loaded.error.message);
 *   const provider = loaded.value;
 *   const record = await wrapDataKey(provider, 'acme', generateDataKey('acme/v1'));
 *   const key = await unwrapDataKey([provider], 'acme', record);
 */
export interface KeyProvider {
  /**
   * Names the master key without revealing it ('local:3f9a…', a KMS key ARN). Stored
   * beside each wrapped key so a reader knows which master key opens it.
   */
  readonly masterKeyId: string;
  /** Seals a data key; `context` must be given again, unchanged, to unwrap it. */
  wrap(dataKey: Uint8Array, context: WrapContext): Promise<Uint8Array>;
  /** Opens a wrapped data key; rejects when the master key or the context differs. */
  unwrap(wrapped: Uint8Array, context: WrapContext): Promise<Uint8Array>;
}

/**
 * Bound to a wrapped key as authenticated data: a key wrapped for one member, or for one
 * data key id, does not unwrap for another.
 */
export interface WrapContext {
  readonly member: string;
  readonly dataKeyId: string;
}

/** Canonical bytes of a context (length-prefixed, so no two contexts collide). */
export function wrapContextBytes(context: WrapContext): Buffer {
  const parts = ['cleanroom/data-key/v1', context.member, context.dataKeyId].map((s) => Buffer.from(s, 'utf8'));
  const out: Buffer[] = [];
  for (const part of parts) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(part.length);
    out.push(len, part);
  }
  return Buffer.concat(out);
}
