import { useState } from 'preact/hooks';
import type { BudgetPreview, BudgetReport, SetBudgetOutcome } from '../../../src/client/index.ts';
import { AGGREGATE_KINDS, BUDGET_LIMITS, validateBudgetSettings, type AggregateKind, type BudgetSettings } from '../../../src/privacy/budget.ts';
import { CollaborationPicker } from '../components/collaboration-picker.tsx';
import { Link } from '../components/link.tsx';
import { Empty, ErrorBox, Loaded } from '../components/status.tsx';
import { when } from '../format.ts';
import { href, navigate, useLocation } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

type TableBudget = BudgetReport['tables'][number];
type OwnedBudget = Extract<TableBudget, { view: 'owner' }>;

const KIND_LABEL: Readonly<Record<AggregateKind, string>> = {
  COUNT: 'COUNT',
  COUNT_DISTINCT: 'COUNT(DISTINCT)',
  SUM: 'SUM',
  AVG: 'AVG',
  STDDEV: 'STDDEV',
};

function Remaining({ left, testid }: { readonly left: Readonly<Record<AggregateKind, number>>; readonly testid: string }) {
  return (
    <table class="list compact" data-testid={testid}>
      <thead>
        <tr>
          {AGGREGATE_KINDS.map((k) => (
            <th scope="col" class="num" key={k}>
              {KIND_LABEL[k]}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          {AGGREGATE_KINDS.map((k) => (
            <td class="num" key={k} data-kind={k}>
              {left[k]}
            </td>
          ))}
        </tr>
      </tbody>
    </table>
  );
}

type Fields = { epsilon: string; delta: string; usersNoisePerQuery: string; refresh: string };

/** Which field a server-side or local `privacy-budget-invalid` message is about (`epsilon: must be ...`). */
function fieldOf(message: string): keyof Fields | undefined {
  const m = /^(epsilon|delta|usersNoisePerQuery|refresh):/.exec(message);
  return m ? (m[1] as keyof Fields) : undefined;
}

/** The owner's budget form: checked here with the server's own rules before anything is sent. */
function BudgetForm({ collaboration, table, onSaved }: { readonly collaboration: string; readonly table: OwnedBudget; readonly onSaved: () => void }) {
  const { client, member } = useSession();
  const s = table.settings;
  const [fields, setFields] = useState<Fields>({
    epsilon: s ? String(s.epsilon) : '',
    delta: String(s?.delta ?? BUDGET_LIMITS.delta.default),
    usersNoisePerQuery: String(s?.usersNoisePerQuery ?? BUDGET_LIMITS.usersNoisePerQuery.default),
    refresh: s?.refresh ?? 'none',
  });
  const [problem, setProblem] = useState<{ field: keyof Fields | undefined; message: string; hint?: string } | undefined>(undefined);
  const [preview, setPreview] = useState<BudgetPreview | undefined>(undefined);
  const [outcome, setOutcome] = useState<SetBudgetOutcome | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const checked = (): BudgetSettings | undefined => {
    const result = validateBudgetSettings({
      ...(fields.epsilon.trim() !== '' ? { epsilon: fields.epsilon } : {}),
      delta: fields.delta,
      usersNoisePerQuery: fields.usersNoisePerQuery,
      refresh: fields.refresh,
    });
    if (!result.ok) {
      setProblem({ field: fieldOf(result.error.message), message: result.error.message, ...(result.error.hint !== undefined ? { hint: result.error.hint } : {}) });
      return undefined;
    }
    setProblem(undefined);
    return result.value;
  };
  const act = async (what: 'preview' | 'save'): Promise<void> => {
    setError(undefined);
    setOutcome(undefined);
    const settings = checked();
    if (settings === undefined) return;
    setBusy(true);
    try {
      if (what === 'preview') {
        setPreview(await client.privacy.preview(collaboration, { epsilon: settings.epsilon, delta: settings.delta, usersNoisePerQuery: settings.usersNoisePerQuery }));
      } else {
        setOutcome(await client.privacy.setBudget(member, table.configuredTable, settings));
        onSaved();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const id = (f: keyof Fields): string => `budget-${table.table}-${f}`;
  const field = (f: keyof Fields, label: string, help: string) => (
    <div class={`field${problem?.field === f ? ' invalid' : ''}`}>
      <label for={id(f)}>{label}</label>
      {f === 'refresh' ? (
        <select id={id(f)} value={fields.refresh} onChange={(e) => setFields({ ...fields, refresh: e.currentTarget.value })}>
          <option value="none">none (never refreshes)</option>
          <option value="monthly">monthly (a new budget each UTC month)</option>
        </select>
      ) : (
        <input
          id={id(f)}
          type="text"
          inputMode="decimal"
          value={fields[f]}
          aria-invalid={problem?.field === f}
          aria-describedby={`${id(f)}-help${problem?.field === f ? ` ${id(f)}-error` : ''}`}
          onInput={(e) => setFields({ ...fields, [f]: e.currentTarget.value })}
        />
      )}
      <p class="help" id={`${id(f)}-help`}>
        {help}
      </p>
      {problem?.field === f && (
        <p class="field-error" id={`${id(f)}-error`}>
          {problem.message}
          {problem.hint !== undefined && <span class="help"> ({problem.hint})</span>}
        </p>
      )}
    </div>
  );
  const { epsilon, delta, usersNoisePerQuery } = BUDGET_LIMITS;
  return (
    <form
      class="run-form budget-form"
      aria-label={`Privacy budget of ${table.table}`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void act('save');
      }}
    >
      <h3>{s ? 'Change the budget' : 'Set a budget'}</h3>
      <p class="help">
        Shared by every collaboration the table <code>{table.configuredTable}</code> is in. Changing it never resets what was already spent.
      </p>
      {field('epsilon', 'Total epsilon per period', `From ${epsilon.min} to ${epsilon.max}; smaller is more private, each query spends part of it.`)}
      {field('usersNoisePerQuery', 'Noise per query (users)', `A whole number from ${usersNoisePerQuery.min} to ${usersNoisePerQuery.max}: the 95% error of one distinct-user count. More noise, more queries.`)}
      {field('delta', 'Total delta per period', `Greater than 0, at most ${delta.max}; default ${delta.default}. Spent only by private group keys.`)}
      {field('refresh', 'Refresh', 'A refreshing budget leaks over time; keep none unless the users change from month to month.')}
      {problem !== undefined && problem.field === undefined && <p class="field-error">{problem.message}</p>}
      <div class="toolbar">
        <button type="button" class="secondary" disabled={busy} onClick={() => void act('preview')}>
          Preview
        </button>
        <button type="submit" disabled={busy}>
          Save budget
        </button>
      </div>
      {preview && (
        <div class="note" data-testid="budget-preview">
          <p>
            A fresh budget of ε {preview.settings.epsilon} at {preview.settings.usersNoisePerQuery} users of noise allows this many queries of each kind (one costs ε{' '}
            {preview.unit.toPrecision(4)} per unit):
          </p>
          <Remaining left={preview.queries} testid="preview-queries" />
        </div>
      )}
      {outcome && (
        <div class="ok-line" role="status" data-testid="budget-saved">
          <p>
            Saved: ε {outcome.settings.epsilon}, δ {outcome.settings.delta}, {outcome.settings.usersNoisePerQuery} users of noise, refresh {outcome.settings.refresh}.
          </p>
          {outcome.warnings.map((w) => (
            <p class="note" key={w}>
              {w}
            </p>
          ))}
        </div>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </form>
  );
}

function OwnerCard({ collaboration, t, onSaved }: { readonly collaboration: string; readonly t: OwnedBudget; readonly onSaved: () => void }) {
  return (
    <article class="card" data-testid={`budget-${t.table}`} data-view="owner">
      <h2>
        <code>{t.table}</code> <span class="badge">your table</span>
      </h2>
      {t.settings === null ? (
        <p class="note">No budget is set: no differentially private query can run on this table until you set one.</p>
      ) : (
        <dl class="facts" data-testid="budget-facts">
          <dt>Settings</dt>
          <dd data-testid="settings">
            ε {t.settings.epsilon}, δ {t.settings.delta}, {t.settings.usersNoisePerQuery} users of noise per query, refresh {t.settings.refresh}
          </dd>
          <dt>Period</dt>
          <dd>{t.period}</dd>
          <dt>Spent</dt>
          <dd data-testid="spent">
            ε {t.spentEpsilon}, δ {t.spentDelta}
          </dd>
          <dt>Remaining</dt>
          <dd data-testid="remaining">ε {t.remainingEpsilon}</dd>
        </dl>
      )}
      <h3>Queries that still fit, by kind</h3>
      <Remaining left={t.queriesRemaining} testid="queries-remaining" />
      <h3>Ledger</h3>
      {t.ledger.length === 0 ? (
        <Empty>
          <p>Nothing spent yet: every differentially private query on this table, in any collaboration, is entered here.</p>
        </Empty>
      ) : (
        <div class="table-scroll">
          <table class="list" data-testid="ledger">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Query</th>
                <th scope="col">Collaboration</th>
                <th scope="col">Runner</th>
                <th scope="col">Kinds</th>
                <th scope="col" class="num">
                  ε
                </th>
                <th scope="col" class="num">
                  δ
                </th>
                <th scope="col">Status</th>
                <th scope="col">Period</th>
              </tr>
            </thead>
            <tbody>
              {t.ledger.map((e) => (
                <tr key={e.queryId} data-query={e.queryId}>
                  <td>{when(e.createdAt)}</td>
                  <td>
                    <code>{e.queryId.slice(0, 12)}</code>
                  </td>
                  <td>{e.collaboration ?? '—'}</td>
                  <td>{e.runner}</td>
                  <td>
                    {e.kinds.join(', ')}
                    {e.partitionSelection && <span class="help"> + private group keys</span>}
                  </td>
                  <td class="num">{e.epsilon}</td>
                  <td class="num">{e.delta}</td>
                  <td>{e.status}</td>
                  <td>{e.period}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <BudgetForm collaboration={collaboration} table={t} onSaved={onSaved} />
    </article>
  );
}

/** Privacy budgets: owners see settings, spending and the ledger; others how many queries remain. */
export function PrivacyPage() {
  const { client } = useSession();
  const { query } = useLocation();
  const [collaborations, reloadCollaborations] = useLoad(() => client.collaborations.list(), [client]);
  const chosen = collaborations.state === 'ready' ? (query.get('collaboration') ?? collaborations.value[0]?.name) : undefined;
  const [report, reload, refresh] = useLoad(async () => (chosen === undefined ? undefined : client.privacy.report(chosen)), [client, chosen]);
  return (
    <section>
      <h1>Privacy budgets</h1>
      <p class="lead">
        Tables whose rule adds differential privacy spend a budget with every query. Their owners set it and see the ledger; everyone else sees how many queries of each
        kind still fit.
      </p>
      <Loaded load={collaborations} what="collaborations" retry={reloadCollaborations}>
        {(list) =>
          chosen === undefined ? (
            <Empty>
              <p>You are not in any collaboration, so there are no budgets.</p>
            </Empty>
          ) : (
            <>
              <div class="toolbar">
                <CollaborationPicker collaborations={list} value={chosen} onChange={(c) => navigate(`/app/privacy?collaboration=${encodeURIComponent(c)}`)} />
                <button type="button" class="secondary" onClick={reload}>
                  Refresh
                </button>
              </div>
              <Loaded load={report} what="privacy budgets" retry={reload}>
                {(r) =>
                  r === undefined || r.tables.length === 0 ? (
                    <Empty>
                      <p>
                        No table in {chosen} uses differential privacy (a custom rule with <code>differentialPrivacy</code>). <Link href={href('collaborations', chosen)}>See its tables</Link>.
                      </p>
                    </Empty>
                  ) : (
                    <div class="stack">
                      {r.tables.map((t) =>
                        t.view === 'owner' ? (
                          <OwnerCard key={t.table} collaboration={chosen} t={t} onSaved={refresh} />
                        ) : (
                          <article class="card" key={t.table} data-testid={`budget-${t.table}`} data-view="member">
                            <h2>
                              <code>{t.table}</code>
                            </h2>
                            {t.budgetSet ? <p>Queries of each kind you may still run on it:</p> : <p class="note">Its owner has set no budget yet: no query may run on it.</p>}
                            <Remaining left={t.queriesRemaining} testid="queries-remaining" />
                          </article>
                        ),
                      )}
                    </div>
                  )
                }
              </Loaded>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
