/** A seq as read back: a number from SQLite, a string from PostgreSQL's bigint. */
export function toSeq(value: number | string | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`Internal error: audit seq ${String(value)} is not a whole number`);
  return n;
}
