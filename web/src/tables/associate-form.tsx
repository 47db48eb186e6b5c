import { useState } from 'preact/hooks';
import type { TableView } from '../../../src/client/index.ts';
import { Link } from '../components/link.tsx';
import { ErrorBox } from '../components/status.tsx';
import { href } from '../router.ts';
import { useSession } from '../session.ts';

/** A collaboration you accepted (not left), with the members who may receive results there. */
export interface AssociationTarget {
  readonly name: string;
  readonly receivers: readonly string[];
}

/**
 * Brings one of your tables into a collaboration under an SQL name
 * (POST /v1/collaborations/{c}/associations {table, name, receivers?}).
 */
export function AssociateForm({ table, targets, onAssociated }: { readonly table: TableView; readonly targets: readonly AssociationTarget[]; readonly onAssociated?: () => void }) {
  const { client } = useSession();
  const [collaboration, setCollaboration] = useState(targets[0]?.name ?? '');
  // A table name may hold `-`, an SQL name not.
  const [sqlName, setSqlName] = useState(table.table.replace(/-/g, '_'));
  const [receivers, setReceivers] = useState<readonly string[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ readonly collaboration: string; readonly sqlName: string } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const id = `associate-${table.table}`;
  const target = targets.find((t) => t.name === collaboration);

  if (targets.length === 0) {
    return (
      <p class="help">
        You have accepted no collaboration yet: accept an invitation on the collaboration's page, then bring this table in here.
      </p>
    );
  }

  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const made = await client.collaborations.associate(collaboration, { table: table.table, name: sqlName.trim(), ...(receivers.length > 0 ? { receivers } : {}) });
      setDone({ collaboration, sqlName: made.sqlName });
      onAssociated?.();
    } catch (e) {
      setError(e);
    }
    setBusy(false);
  };

  return (
    <form
      class="associate-form"
      aria-label={`Bring ${table.table} into a collaboration`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy && sqlName.trim() !== '') void submit();
      }}
    >
      <div class="inline-fields">
        <label>
          Collaboration
          <select
            id={`${id}-collaboration`}
            value={collaboration}
            onChange={(e) => {
              setCollaboration(e.currentTarget.value);
              setReceivers([]);
            }}
          >
            {targets.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name in SQL
          <input type="text" id={`${id}-name`} value={sqlName} onInput={(e) => setSqlName(e.currentTarget.value)} />
        </label>
      </div>
      {target !== undefined && target.receivers.length > 0 && (
        <fieldset class="checks">
          <legend>Results may go to</legend>
          <p class="help">None ticked: every member who may receive results there.</p>
          {target.receivers.map((r) => (
            <label key={r}>
              <input
                type="checkbox"
                checked={receivers.includes(r)}
                onChange={(e) => setReceivers(e.currentTarget.checked ? [...receivers, r] : receivers.filter((x) => x !== r))}
              />{' '}
              {r}
            </label>
          ))}
        </fieldset>
      )}
      <div class="toolbar">
        <button type="submit" disabled={busy || sqlName.trim() === ''}>
          {busy ? 'Associating…' : 'Associate'}
        </button>
      </div>
      {done !== undefined && (
        <p class="ok-line" role="status" data-testid={`${id}-done`}>
          Associated: members of <Link href={href('collaborations', done.collaboration)}>{done.collaboration}</Link> now see this table as <code>{done.sqlName}</code>, with its
          allowed columns and its rule.
        </p>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </form>
  );
}
