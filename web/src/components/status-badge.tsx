const TONE: Readonly<Record<string, string>> = {
  succeeded: 'ok',
  queued: 'info',
  running: 'info',
  refused: 'bad',
  failed: 'bad',
  cancelled: 'warn',
};

export function StatusBadge({ status }: { readonly status: string }) {
  return <span class={`badge ${TONE[status] ?? ''}`}>{status}</span>;
}
