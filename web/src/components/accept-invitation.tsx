import { useState } from 'preact/hooks';
import { useSession } from '../session.ts';
import { ErrorBox } from './status.tsx';

/** Accepts your invitation to a collaboration (`POST /v1/collaborations/{c}/accept`); until then your tables cannot be brought in and you run nothing there. */
export function AcceptInvitation({ collaboration, onAccepted }: { readonly collaboration: string; readonly onAccepted: () => void }) {
  const { client } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <>
      <button
        type="button"
        class="small"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          client.collaborations.accept(collaboration).then(onAccepted, (e: unknown) => {
            setError(e);
            setBusy(false);
          });
        }}
      >
        {busy ? 'Accepting…' : `Accept the invitation to ${collaboration}`}
      </button>
      {error !== undefined && <ErrorBox error={error} />}
    </>
  );
}
