import { useState } from 'preact/hooks';
import type { CollaborationView, TableView } from '../../../src/client/index.ts';
import { RuleCheckForm } from '../components/rule-check.tsx';
import { ColumnList, RuleView } from '../components/rule-view.tsx';
import { Link } from '../components/link.tsx';
import { Empty, Loaded } from '../components/status.tsx';
import { href, navigate, useLocation } from '../router.ts';
import { useSession } from '../session.ts';
import { AssociateForm, type AssociationTarget } from '../tables/associate-form.tsx';
import { TableForm } from '../tables/table-form.tsx';
import { useLoad } from '../use-load.ts';

const TABLES = '/app/tables';

/**
 * Your configured tables: which dataset, which columns, and the rule in plain language;
 * a box to test a query against the rule; **New table** (`?new`) and **Edit rule and
 * columns** (`?edit={table}`), which open the table form with the rule editor and its
 * live preview; and, per table, a form to bring it into a collaboration.
 */
export function TablesPage() {
  const { client, member } = useSession();
  const { query } = useLocation();
  const creating = query.has('new');
  const editing = query.get('edit');
  const [notice, setNotice] = useState<string | undefined>(undefined);
  // Tables as the server answered a save, shown until the list reloaded has them.
  const [fresh, setFresh] = useState<ReadonlyMap<string, TableView>>(new Map());
  const [load, reload, refresh] = useLoad(async () => {
    const [tables, collaborations, datasets] = await Promise.all([client.tables.list(member), client.collaborations.list(), client.datasets.list(member)]);
    // Custom rules approve templates by id: their names come from the collaborations' templates.
    const [templates, described] = await Promise.all([
      Promise.all(collaborations.map((c) => client.templates.list(c.name))).then((t) => t.flat()),
      Promise.all(collaborations.map((c) => client.collaborations.show(c.name).catch((): CollaborationView | undefined => undefined))),
    ]);
    const views = described.filter((d): d is CollaborationView => d !== undefined);
    const targets: AssociationTarget[] = views
      .filter((d) => d.members.some((m) => m.member === member && m.accepted && !m.left))
      .map((d) => ({ name: d.name, receivers: d.members.filter((m) => m.receive && m.accepted && !m.left).map((m) => m.member) }));
    const members = [...new Set(views.flatMap((d) => d.members.filter((m) => !m.left).map((m) => m.member)))].sort();
    // Where each of your tables is associated (the server names the table only to its owner).
    const associated = new Map<string, { collaboration: string; sqlName: string }[]>();
    for (const d of views) {
      for (const a of d.tables) {
        if (a.owner !== member || a.table === undefined) continue;
        associated.set(a.table, [...(associated.get(a.table) ?? []), { collaboration: d.name, sqlName: a.name }]);
      }
    }
    return {
      associated,
      tables,
      datasets,
      targets,
      context: {
        templates: templates.map((t) => ({ id: t.id, name: t.name, collaboration: t.collaboration })),
        members,
        templateNames: new Map(templates.map((t) => [t.id, t.name])),
      },
    };
  }, [client, member]);

  const open = (to: string): void => {
    setNotice(undefined);
    navigate(to);
  };
  const saved = (table: TableView, message: string): void => {
    setFresh(new Map([...fresh, [table.table, table]]));
    setNotice(message);
    refresh();
    navigate(TABLES);
  };

  return (
    <section>
      <h1>Configured tables</h1>
      <p class="lead">
        Your datasets as collaborations see them: the allowed columns and one analysis rule each, a box to test a query against the rule, and where to bring each
        table into a collaboration.
      </p>
      {notice !== undefined && (
        <p class="ok-line" role="status" data-testid="tables-notice">
          {notice}
        </p>
      )}
      <Loaded load={load} what="configured tables" retry={reload}>
        {({ tables: listed, datasets, targets, context, associated }) => {
          const tables = withFresh(listed, fresh);
          if (creating) {
            return <TableForm mode={{ kind: 'create', datasets }} context={context} onCancel={() => open(TABLES)} onSaved={(t) => saved(t, `Created table ${t.table} (rule version ${t.version}).`)} />;
          }
          if (editing !== null) {
            const table = tables.find((t) => t.table === editing);
            if (table === undefined) {
              return (
                <Empty>
                  <p>
                    You have no configured table <code>{editing}</code>. <Link href={TABLES}>Back to your tables</Link>.
                  </p>
                </Empty>
              );
            }
            return (
              <TableForm
                key={`${table.table}@${table.version}`}
                mode={{ kind: 'edit', table }}
                context={context}
                onCancel={() => open(TABLES)}
                onSaved={(t) => saved(t, `Saved table ${t.table}: rule version ${t.version}, in force for queries submitted from now on.`)}
              />
            );
          }
          return (
            <>
              <div class="toolbar">
                <button type="button" disabled={datasets.length === 0} onClick={() => open(`${TABLES}?new`)}>
                  New table
                </button>
                {datasets.length === 0 && <span class="help">Upload a dataset first: a table exposes one of your datasets.</span>}
              </div>
              {tables.length === 0 ? (
                <Empty>
                  <p>
                    No configured tables. Expose one of your datasets under an analysis rule with <strong>New table</strong>, or with{' '}
                    <code>cleanroom table create {member} NAME --dataset DATASET --rule rule.json</code>.
                  </p>
                </Empty>
              ) : (
                <div class="cards">
                  {tables.map((t) => (
                    <TableCard key={t.table} table={t} onAssociated={refresh} associatedIn={associated.get(t.table) ?? []} targets={targets} templateNames={context.templateNames} onEdit={() => open(`${TABLES}?edit=${encodeURIComponent(t.table)}`)} />
                  ))}
                </div>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

/** The list with each table saved on this page at its newer version (the reload may not have it yet). */
function withFresh(listed: readonly TableView[], fresh: ReadonlyMap<string, TableView>): TableView[] {
  const tables = listed.map((t) => {
    const f = fresh.get(t.table);
    return f !== undefined && f.version > t.version ? f : t;
  });
  const added = [...fresh.values()].filter((f) => !listed.some((t) => t.table === f.table));
  return [...tables, ...added].sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
}

function TableCard({
  table: t,
  targets,
  templateNames,
  onEdit,
  associatedIn,
  onAssociated,
}: {
  readonly onAssociated: () => void;
  readonly associatedIn: readonly { readonly collaboration: string; readonly sqlName: string }[];
  readonly table: TableView;
  readonly targets: readonly AssociationTarget[];
  readonly templateNames: ReadonlyMap<string, string>;
  readonly onEdit: () => void;
}) {
  return (
    <article class="card" data-testid={`table-${t.table}`}>
      <h2>
        <code>{t.table}</code> <span class="badge">{t.kind}</span>
      </h2>
      <p class="meta">
        Dataset <strong>{t.dataset}</strong>, rule version <span data-testid="rule-version">{t.version}</span>
      </p>
      <p class="meta" data-testid="associated-in">
        {associatedIn.length === 0 ? (
          'Not in any collaboration yet.'
        ) : (
          <>
            In{' '}
            {associatedIn.map((a, i) => (
              <span key={`${a.collaboration}/${a.sqlName}`}>
                {i > 0 && ', '}
                <Link href={href('collaborations', a.collaboration)}>{a.collaboration}</Link> as <code>{a.sqlName}</code>
              </span>
            ))}
          </>
        )}
      </p>
      <p class="actions">
        <button type="button" class="secondary" onClick={onEdit}>
          Edit rule and columns <span class="visually-hidden">of {t.table}</span>
        </button>
      </p>
      <h3>Allowed columns</h3>
      <ColumnList columns={t.columns} />
      <h3>What the rule allows</h3>
      <RuleView rule={t.rule} templateNames={templateNames} />
      <RuleCheckForm table={t} />
      <details class="associate">
        <summary>Bring into a collaboration</summary>
        <AssociateForm table={t} targets={targets} onAssociated={onAssociated} />
      </details>
    </article>
  );
}
