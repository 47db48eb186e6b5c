import { CollaborationPicker } from '../components/collaboration-picker.tsx';
import { Link } from '../components/link.tsx';
import { Empty, Loaded } from '../components/status.tsx';
import { href, navigate, useLocation } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

const CATEGORIES = ['planning', 'activation', 'measurement'] as const;

/** The media insights library: what each analysis answers; pick one to run it. */
export function InsightsPage() {
  const { client } = useSession();
  const { query } = useLocation();
  const [load, reload] = useLoad(async () => {
    const [analyses, collaborations] = await Promise.all([client.insights.list(), client.collaborations.list()]);
    return { analyses, collaborations };
  }, [client]);
  return (
    <section>
      <h1>Insights library</h1>
      <p class="lead">Ready-made media analyses. Each runs as an approved template over the collaboration's tables; pick one, fill in its parameters and run it.</p>
      <Loaded load={load} what="the insights library" retry={reload}>
        {({ analyses, collaborations }) => {
          const chosen = query.get('collaboration') ?? collaborations[0]?.name;
          const suffix = chosen === undefined ? '' : `?collaboration=${encodeURIComponent(chosen)}`;
          return (
            <>
              {chosen === undefined ? (
                <Empty>
                  <p>You are not in any collaboration: analyses run inside one.</p>
                </Empty>
              ) : (
                <CollaborationPicker collaborations={collaborations} value={chosen} onChange={(c) => navigate(`/app/insights?collaboration=${encodeURIComponent(c)}`)} />
              )}
              {CATEGORIES.map((category) => {
                const inCategory = analyses.filter((a) => a.category === category);
                if (inCategory.length === 0) return null;
                return (
                  <div key={category}>
                    <h2 class="category">{category}</h2>
                    <ul class="analyses">
                      {inCategory.map((a) => (
                        <li key={a.name} class="card">
                          <h3>
                            <Link href={href('insights', a.name) + suffix}>{a.name}</Link>
                          </h3>
                          <p>{a.question}</p>
                          <p class="meta">
                            reads {a.tables.join(', ')} · {a.rule} rule · {a.parameters.length === 0 ? 'no parameters' : `${a.parameters.length} parameter${a.parameters.length > 1 ? 's' : ''}`}
                          </p>
                        </li>
                      ))}
                    </ul>
                  </div>
                );
              })}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
