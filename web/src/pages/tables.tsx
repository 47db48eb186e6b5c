import { RuleCheckForm } from '../components/rule-check.tsx';
import { ColumnList, RuleView } from '../components/rule-view.tsx';
import { Empty, Loaded } from '../components/status.tsx';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

/** Your configured tables: which dataset, which columns, and the rule in plain language. */
export function TablesPage() {
  const { client, member } = useSession();
  const [load, reload] = useLoad(async () => {
    const [tables, collaborations] = await Promise.all([client.tables.list(member), client.collaborations.list()]);
    // Custom rules approve templates by id: their names come from the collaborations' templates.
    const templates = (await Promise.all(collaborations.map((c) => client.templates.list(c.name)))).flat();
    return { tables, templateNames: new Map(templates.map((t) => [t.id, t.name])) };
  }, [client, member]);
  return (
    <section>
      <h1>Configured tables</h1>
      <p class="lead">Your datasets as collaborations see them: the allowed columns and one analysis rule each, and a box to test a query against the rule.</p>
      <Loaded load={load} what="configured tables" retry={reload}>
        {({ tables, templateNames }) =>
          tables.length === 0 ? (
            <Empty>
              <p>
                No configured tables. Expose a dataset with <code>cleanroom table create {member} NAME --dataset DATASET --rule rule.json</code>.
              </p>
            </Empty>
          ) : (
            <div class="cards">
              {tables.map((t) => (
                <article class="card" key={t.table} data-testid={`table-${t.table}`}>
                  <h2>
                    <code>{t.table}</code> <span class="badge">{t.kind}</span>
                  </h2>
                  <p class="meta">
                    Dataset <strong>{t.dataset}</strong>, rule version {t.version}
                  </p>
                  <h3>Allowed columns</h3>
                  <ColumnList columns={t.columns} />
                  <h3>What the rule allows</h3>
                  <RuleView rule={t.rule} templateNames={templateNames} />
                  <RuleCheckForm table={t} />
                </article>
              ))}
            </div>
          )
        }
      </Loaded>
    </section>
  );
}
