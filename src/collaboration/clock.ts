/** Now as ISO-8601 UTC: the one place the service reads the clock. */
export function nowIso(): string {
  return new Date().toISOString();
}
