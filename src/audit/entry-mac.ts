import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { lengthPrefixed } from './canonical.ts';

/** The previous hash of entry 1, and the head's hash before any entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Everything an entry's HMAC covers, in the order it is encoded. */
export interface EntryFields {
  readonly seq: number;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly outcome: string;
  /** Canonical JSON text (canonical.ts), hashed exactly as stored. */
  readonly detailJson: string;
  readonly prevHash: string;
}

/** HMAC-SHA-256 (hex) of one entry under the chain key. */
export function entryMac(key: Uint8Array, e: EntryFields): string {
  const encoded = lengthPrefixed([
    'cleanroom/audit-entry/v1',
    String(e.seq),
    e.at,
    e.actor,
    e.action,
    e.subject,
    e.outcome,
    e.detailJson,
    e.prevHash,
  ]);
  return createHmac('sha256', key).update(encoded).digest('hex');
}

/**
 * HMAC of the head record. Without it, someone who deletes the newest entries could set
 * the head to an older entry's seq and hash (both readable); with it they need a head
 * record they saved earlier (the replay that only an external copy of the head catches).
 */
export function headMac(key: Uint8Array, seq: number, hash: string): string {
  return createHmac('sha256', key).update(lengthPrefixed(['cleanroom/audit-head/v1', String(seq), hash])).digest('hex');
}

/** The key for digests of query texts: derived, so a digest is never an entry HMAC. */
export function textDigestKey(chainKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', chainKey, Buffer.alloc(0), 'cleanroom/audit/query-text/v1', 32));
}

/**
 * A keyed digest of a query's text and parameters: equal texts give equal digests (so
 * an operator holding the text can check it), but nothing about the text can be read
 * from it without the key.
 */
export function queryTextDigest(digestKey: Uint8Array, text: string, parameters: string | null): string {
  return createHmac('sha256', digestKey).update(lengthPrefixed([text, parameters ?? ''])).digest('hex');
}

/** Compares two hex MACs without leaking where they differ. */
export function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
