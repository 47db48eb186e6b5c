import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Link } from './components/link.tsx';
import { Loading } from './components/status.tsx';
import { CollaborationPage } from './pages/collaboration.tsx';
import { CollaborationsPage } from './pages/collaborations.tsx';
import { DashboardEditPage } from './pages/dashboard-edit.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { DashboardsPage } from './pages/dashboards.tsx';
import { DatasetPage } from './pages/dataset.tsx';
import { DatasetsPage } from './pages/datasets.tsx';
import { InsightPage } from './pages/insight.tsx';
import { InsightsPage } from './pages/insights.tsx';
import { PrivacyPage } from './pages/privacy.tsx';
import { QueriesPage } from './pages/queries.tsx';
import { ResultPage } from './pages/result.tsx';
import { ResultsSqlPage } from './pages/results-sql.tsx';
import { ResultsPage } from './pages/results.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { TablesPage } from './pages/tables.tsx';
import { TemplatesPage } from './pages/templates.tsx';
import { match, navigate, useLocation } from './router.ts';
import { clearKey, clientFor, savedKey, saveKey, SessionContext, type Session } from './session.ts';
import type { ClientError } from '../../src/client/index.ts';

const NAV: readonly { readonly href: string; readonly label: string }[] = [
  { href: '/app/collaborations', label: 'Collaborations' },
  { href: '/app/datasets', label: 'Datasets' },
  { href: '/app/tables', label: 'Tables' },
  { href: '/app/templates', label: 'Templates' },
  { href: '/app/privacy', label: 'Privacy' },
  { href: '/app/queries', label: 'Queries' },
  { href: '/app/insights', label: 'Insights' },
  { href: '/app/results', label: 'Results' },
  { href: '/app/results-sql', label: 'Results SQL' },
  { href: '/app/dashboards', label: 'Dashboards' },
];

function Page({ path }: { readonly path: string }) {
  let p: Record<string, string> | null;
  if (match('/app/collaborations', path)) return <CollaborationsPage />;
  if ((p = match('/app/collaborations/:name', path))) return <CollaborationPage name={p['name']!} />;
  if (match('/app/datasets', path)) return <DatasetsPage />;
  if ((p = match('/app/datasets/:name', path))) return <DatasetPage name={p['name']!} />;
  if (match('/app/tables', path)) return <TablesPage />;
  if (match('/app/templates', path)) return <TemplatesPage />;
  if (match('/app/privacy', path)) return <PrivacyPage />;
  if (match('/app/queries', path)) return <QueriesPage />;
  if (match('/app/insights', path)) return <InsightsPage />;
  if ((p = match('/app/insights/:analysis', path))) return <InsightPage analysis={p['analysis']!} />;
  if (match('/app/results', path)) return <ResultsPage />;
  if ((p = match('/app/results/:id', path))) return <ResultPage id={p['id']!} />;
  if (match('/app/results-sql', path)) return <ResultsSqlPage />;
  if (match('/app/dashboards', path)) return <DashboardsPage />;
  if (match('/app/dashboards/new', path)) return <DashboardEditPage />;
  if ((p = match('/app/dashboards/:ref', path))) return <DashboardPage reference={p['ref']!} />;
  if ((p = match('/app/dashboards/:ref/edit', path))) return <DashboardEditPage reference={p['ref']!} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/app/collaborations">Go to your collaborations</Link>.
      </p>
    </section>
  );
}

function Shell({ session, path }: { readonly session: Session; readonly path: string }) {
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // A new page moves keyboard and screen-reader focus to its content, as a page load would.
  useEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [path]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/app/collaborations" class="brand">
          Cleanroom
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <Link href={n.href} {...(path === n.href || path.startsWith(`${n.href}/`) ? { current: true } : {})}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            Signed in as <strong data-testid="me">{session.member}</strong>
          </span>
          <button type="button" class="secondary" onClick={session.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page path={path} />
      </main>
    </>
  );
}

type Auth = { readonly state: 'checking' } | { readonly state: 'signed-out'; readonly error?: ClientError | Error } | { readonly state: 'signed-in'; readonly session: Session };

export function App() {
  const { path } = useLocation();
  const [auth, setAuth] = useState<Auth>(() => (savedKey() === null ? { state: 'signed-out' } : { state: 'checking' }));

  const signOut = useMemo(
    () => (): void => {
      clearKey();
      setAuth({ state: 'signed-out' });
      navigate('/app/', { replace: true });
    },
    [],
  );

  const signIn = async (token: string): Promise<void> => {
    const client = clientFor(token);
    const me = await client.me();
    if (me.role !== 'member') throw new Error('This is the administrator key: it acts for no member. Sign in with a member key (the operator makes one with POST /v1/members/{member}/keys).');
    saveKey(token);
    setAuth({ state: 'signed-in', session: { client, member: me.member, signOut } });
  };

  // A key kept from earlier in this tab is checked again: it may have been revoked since.
  useEffect(() => {
    const token = savedKey();
    if (token === null) return;
    signIn(token).catch((e: unknown) => {
      clearKey();
      setAuth({ state: 'signed-out', error: e as Error });
    });
  }, []);

  useEffect(() => {
    if (auth.state === 'signed-in' && (path === '/' || path === '/app' || path === '/app/')) navigate('/app/collaborations', { replace: true });
  }, [auth.state, path]);

  useEffect(() => {
    document.title = auth.state === 'signed-in' ? `Cleanroom — ${auth.session.member}` : 'Cleanroom — sign in';
  }, [auth]);

  if (auth.state === 'checking') {
    return (
      <main id="main" class="narrow">
        <Loading what="your session" />
      </main>
    );
  }
  if (auth.state === 'signed-out') return <SignInPage signIn={signIn} {...(auth.error ? { earlier: auth.error } : {})} />;
  return (
    <SessionContext.Provider value={auth.session}>
      <Shell session={auth.session} path={path} />
    </SessionContext.Provider>
  );
}
