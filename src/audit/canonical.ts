/**
 * Canonical encodings for the audit chain. Two different entries must never encode to
 * the same bytes, or one could be passed off as the other under the same HMAC.
 */

/** `u32be(length) ‖ utf8` per field: no field boundary can move. */
export function lengthPrefixed(fields: readonly string[]): Buffer {
  const out: Buffer[] = [];
  for (const field of fields) {
    const bytes = Buffer.from(field, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    out.push(len, bytes);
  }
  return Buffer.concat(out);
}

/** A JSON value as the audit detail stores it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

/**
 * JSON with object keys sorted and no white space, so one document has one text.
 * `undefined` members are left out (as JSON.stringify does); non-finite numbers are a bug.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Internal error: an audit detail holds the non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: JsonValue) => canonicalJson(v)).join(',')}]`;
  const record = value as { readonly [key: string]: JsonValue | undefined };
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k] as JsonValue)}`).join(',')}}`;
}
