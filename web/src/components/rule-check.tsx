import { useState } from 'preact/hooks';
import type { TableView } from '../../../src/client/index.ts';
// Type-only (erased from the bundle): src/client/index.ts does not re-export it.
import type { RuleCheck } from '../../../src/client/tables-api.ts';
import { useSession } from '../session.ts';
import { MarkedSql } from './marked-sql.tsx';
import { DiagnosticView, ErrorBox } from './status.tsx';

type Check =
  | { readonly phase: 'idle' }
  | { readonly phase: 'checking' }
  | { readonly phase: 'done'; readonly sql: string; readonly answer: RuleCheck }
  | { readonly phase: 'error'; readonly error: unknown };

/**
 * A sample query tested against one of your tables' rule (POST …/tables/{t}/check):
 * allowed with the SQL that would run, or the refusal with its place in the text marked.
 * Nothing runs on data.
 */
export function RuleCheckForm({ table }: { readonly table: TableView }) {
  const { client, member } = useSession();
  const [sql, setSql] = useState('');
  const [check, setCheck] = useState<Check>({ phase: 'idle' });
  const id = `rule-check-${table.table}`;
  // A table name may hold `-`, an SQL name not: such a table is named with `_` instead.
  const sqlName = table.table.replace(/-/g, '_');

  const submit = async (): Promise<void> => {
    if (sql.trim() === '' || check.phase === 'checking') return;
    const text = sql;
    setCheck({ phase: 'checking' });
    try {
      setCheck({ phase: 'done', sql: text, answer: await client.tables.check(member, table.table, text, sqlName === table.table ? undefined : sqlName) });
    } catch (e) {
      setCheck({ phase: 'error', error: e });
    }
  };

  return (
    <div class="rule-check" data-testid={id}>
      <form
        aria-label={`Test a query against the rule of ${table.table}`}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label for={id}>Test a query against this rule</label>
        <textarea
          id={id}
          name="sql"
          rows={4}
          spellcheck={false}
          value={sql}
          aria-describedby={`${id}-help`}
          placeholder={`SELECT … FROM ${sqlName}`}
          onInput={(e) => setSql(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void submit();
            }
          }}
        />
        <p class="help" id={`${id}-help`}>
          Name the table <code>{sqlName}</code>. The query is checked against this table alone, with you as the only member; nothing runs. Other members'
          tables and a collaboration's settings can add refusals. Ctrl+Enter checks.
        </p>
        <div class="toolbar">
          <button type="submit" disabled={sql.trim() === '' || check.phase === 'checking'}>
            {check.phase === 'checking' ? 'Checking…' : 'Check query'}
          </button>
        </div>
      </form>
      <CheckView check={check} />
    </div>
  );
}

function CheckView({ check }: { readonly check: Check }) {
  if (check.phase === 'idle') return null;
  if (check.phase === 'checking') {
    return (
      <p class="loading" role="status" aria-live="polite">
        <span class="spinner" aria-hidden="true" /> Checking…
      </p>
    );
  }
  if (check.phase === 'error') return <ErrorBox error={check.error} />;
  const { answer } = check;
  if (!answer.allowed) {
    return (
      <div class="error" role="alert" data-testid="rule-check-refused">
        <DiagnosticView diagnostic={answer.error} title="The rule would refuse this query:" />
        <MarkedSql sql={check.sql} diagnostic={answer.error} />
      </div>
    );
  }
  return (
    <div class="ok-line" role="status" data-testid="rule-check-allowed">
      <p>
        <strong>Allowed</strong> by this rule. The SQL that would run:
      </p>
      <pre class="sql" data-testid="rule-check-sql">
        {answer.sql}
      </pre>
    </div>
  );
}
