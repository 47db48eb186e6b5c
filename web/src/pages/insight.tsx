import { useEffect, useRef, useState } from 'preact/hooks';
import {
  FINAL_STATUSES,
  type AnalysisRows,
  type CollaborationView,
  type InsightSummary,
  type QueryView,
  type ResultRowsPage,
  type TemplateInfo,
} from '../../../src/client/index.ts';
import { CollaborationPicker } from '../components/collaboration-picker.tsx';
import { DataTable } from '../components/data-table.tsx';
import { Link } from '../components/link.tsx';
import { DeliveryColumnsField, ParamField, ReceiverField, TableRoleField, TemplateTables } from '../components/param-field.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { DiagnosticView, Empty, ErrorBox, Loaded } from '../components/status.tsx';
import { count, duration } from '../format.ts';
import { checkDelivery, checkParams, checkTables, defaultTables, receiversOf, type DeliveryInput } from '../param-form.ts';
import { href, navigate, useLocation } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

type Run =
  | { readonly phase: 'idle' }
  | { readonly phase: 'submitting' }
  | { readonly phase: 'waiting'; readonly view: QueryView; readonly started: number }
  | { readonly phase: 'done'; readonly view: QueryView; readonly figures?: AnalysisRows; readonly note?: string; readonly rows?: ResultRowsPage }
  | { readonly phase: 'error'; readonly error: unknown };

/** Seconds per long-poll request while a run is not final. */
const POLL_SECONDS = 5;

function Progress({ view, started, onCancel }: { readonly view: QueryView; readonly started: number; readonly onCancel: () => void }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <div class="progress" role="status" aria-live="polite" data-testid="run-progress">
      <progress aria-label="analysis running" />
      <p>
        Query <code>{view.id}</code> is <StatusBadge status={view.status} /> ({Math.round((Date.now() - started) / 1000)} s).
      </p>
      <button type="button" class="secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

function Outcome({ run }: { readonly run: Extract<Run, { phase: 'done' }> }) {
  const { view } = run;
  if (view.status !== 'succeeded') {
    return (
      <div class="error" role="alert" data-testid="run-outcome" data-status={view.status} data-query-id={view.id}>
        <p>
          The analysis <StatusBadge status={view.status} /> (query <code>{view.id}</code>).
        </p>
        {view.error && <DiagnosticView diagnostic={view.error} />}
      </div>
    );
  }
  return (
    <div data-testid="run-outcome" data-status="succeeded" data-query-id={view.id}>
      <p class="ok-line">
        <StatusBadge status="succeeded" /> (query <code>{view.id}</code>)
        {view.rowCount !== undefined && (
          <>
            {' '}
            in {duration(view.durationMs)}: {count(view.rowCount)} rows
          </>
        )}
        {view.privacy && <>, privacy budget spent ε {view.privacy.epsilon}</>}.{' '}
        {view.resultId && <Link href={href('results', view.resultId)}>Open the result</Link>}
      </p>
      {view.delivery && view.delivery.length > 0 && (
        <p data-testid="run-delivery">
          Delivered with{' '}
          {view.delivery
            .map((d) => `${d.column} ${[d.normalize ? 'normalised' : '', d.hash ? `hashed (${d.hash})` : ''].filter((w) => w !== '').join(' and ')}`)
            .join('; ')}
          .
        </p>
      )}
      {run.note && <p class="note">{run.note}</p>}
      {run.figures && (
        <>
          <h3>Figures</h3>
          <DataTable columns={run.figures.columns.map((name) => ({ name, type: '' }))} rows={run.figures.rows} caption="the analysis' figures (with derived ratios)" />
        </>
      )}
      {run.rows && (
        <>
          <h3>Result rows</h3>
          <div data-testid="result-table">
            <DataTable columns={run.rows.columns} rows={run.rows.rows} caption={`result ${run.rows.id}: ${run.rows.rowCount} rows`} />
          </div>
          {run.rows.rowCount > run.rows.rows.length && <p>First {run.rows.rows.length} rows; the result page pages through the rest.</p>}
        </>
      )}
      {!view.resultId && <p>The result went to {view.receiver}: only the receiver reads it.</p>}
    </div>
  );
}

/** What the form needs to know of the collaboration: its tables and members, and the analysis's installed template. */
interface RunContext {
  readonly described: CollaborationView;
  /** Custom-rule analyses run their installed template (undefined: not installed; null: a list analysis, none needed). */
  readonly template: TemplateInfo | undefined | null;
}

function RunForm({ analysis, collaboration, context }: { readonly analysis: InsightSummary; readonly collaboration: string; readonly context: RunContext }) {
  const { client, member } = useSession();
  const listRule = analysis.rule === 'list';
  const associated = context.described.tables.map((t) => t.name);
  const receivers = receiversOf(context.described.members);
  const initial = (): Record<string, string> => Object.fromEntries(analysis.parameters.map((p) => [p.name, p.default ?? '']));
  const [raw, setRaw] = useState<Record<string, string>>(initial);
  const [chosenTables, setChosenTables] = useState<Record<string, string>>(() => defaultTables(analysis.tables, associated));
  const [delivery, setDelivery] = useState<DeliveryInput>({ receiver: member, normalize: '', hash: '' });
  const [tried, setTried] = useState(false);
  const [run, setRun] = useState<Run>({ phase: 'idle' });
  const abort = useRef<AbortController | null>(null);
  // Another analysis or collaboration remounts the form (see its key): only unmounting stops a run.
  useEffect(() => () => abort.current?.abort(), []);

  const { values, problems } = checkParams(analysis.parameters, raw);
  // Only a list analysis reads the mapping at run time; a template's tables were fixed at install.
  const tables = listRule ? checkTables(analysis.tables, chosenTables, associated) : { tables: {}, problems: {} };
  const options = checkDelivery(delivery, { runner: member, receivers, listRule });
  const busy = run.phase === 'submitting' || run.phase === 'waiting';
  const textColumns = [
    ...new Set(
      context.described.tables
        .filter((t) => Object.values(chosenTables).includes(t.name))
        .flatMap((t) => t.columns.filter((c) => c.type === 'VARCHAR').map((c) => c.name)),
    ),
  ];

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setTried(true);
    const invalid = [
      ...Object.keys(problems).map((p) => `param-${p}`),
      ...Object.keys(tables.problems).map((r) => `table-${r}`),
      ...Object.keys(options.problems).map((f) => `delivery-${f}`),
    ];
    if (invalid.length > 0) {
      document.getElementById(invalid[0]!)?.focus();
      return;
    }
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setRun({ phase: 'submitting' });
    const started = Date.now();
    try {
      const mapped = Object.keys(tables.tables).length > 0 ? { tables: tables.tables } : {};
      let view = await client.insights.run(collaboration, analysis.name, { params: values, ...mapped, ...options.options });
      while (!FINAL_STATUSES.has(view.status)) {
        setRun({ phase: 'waiting', view, started });
        view = await client.queries.get(collaboration, view.id, POLL_SECONDS, controller.signal);
      }
      let figures: { figures?: AnalysisRows; note?: string } = {};
      let rows: ResultRowsPage | undefined;
      if (view.status === 'succeeded' && view.resultId) {
        const [run, page] = await Promise.all([
          client.insights.runFigures(collaboration, view.id).catch(() => undefined),
          client.results.rows(view.resultId, { limit: 100 }),
        ]);
        figures = { ...(run?.figures ? { figures: run.figures } : {}), ...(run?.note ? { note: run.note } : {}) };
        rows = page;
      }
      if (!controller.signal.aborted) setRun({ phase: 'done', view, ...figures, ...(rows ? { rows } : {}) });
    } catch (caught) {
      if (!controller.signal.aborted) setRun({ phase: 'error', error: caught });
    }
  };

  const cancel = (): void => {
    if (run.phase !== 'waiting') return;
    client.queries.cancel(collaboration, run.view.id).catch((caught: unknown) => setRun({ phase: 'error', error: caught }));
  };

  return (
    <>
      <form class="run-form" onSubmit={submit} noValidate>
        <h2>Parameters</h2>
        {analysis.parameters.length === 0 && <p>This analysis has no parameters.</p>}
        {analysis.parameters.map((p) => (
          <ParamField
            key={p.name}
            param={p}
            value={raw[p.name] ?? ''}
            problem={tried ? problems[p.name] : undefined}
            onInput={(v) => setRaw((r) => ({ ...r, [p.name]: v }))}
          />
        ))}
        <h2>Tables</h2>
        {listRule ? (
          analysis.tables.map((role) => (
            <TableRoleField
              key={role}
              role={role}
              tables={context.described.tables}
              value={chosenTables[role] ?? ''}
              problem={tried ? tables.problems[role] : undefined}
              onInput={(t) => setChosenTables((c) => ({ ...c, [role]: t }))}
            />
          ))
        ) : (
          <TemplateTables name={analysis.name} collaboration={collaboration} template={context.template ?? undefined} />
        )}
        <h2>Delivery</h2>
        <ReceiverField
          runner={member}
          receivers={receivers}
          value={delivery.receiver}
          problem={tried ? options.problems.receiver : undefined}
          onInput={(receiver) => setDelivery((d) => ({ ...d, receiver }))}
        />
        {listRule &&
          (['normalize', 'hash'] as const).map((option) => (
            <DeliveryColumnsField
              key={option}
              option={option}
              columns={textColumns}
              value={delivery[option]}
              problem={tried ? options.problems[option] : undefined}
              onInput={(text) => setDelivery((d) => ({ ...d, [option]: text }))}
            />
          ))}
        <button type="submit" disabled={busy}>
          {busy ? 'Running…' : `Run ${analysis.name} in ${collaboration}`}
        </button>
      </form>
      <div class="run-state">
        {run.phase === 'submitting' && (
          <p role="status" class="loading">
            Submitting…
          </p>
        )}
        {run.phase === 'waiting' && <Progress view={run.view} started={run.started} onCancel={cancel} />}
        {run.phase === 'error' && <ErrorBox error={run.error} />}
        {run.phase === 'done' && <Outcome run={run} />}
      </div>
    </>
  );
}

/** Loads what the form offers (tables, receivers, the installed template), then shows it. */
function RunSection({ analysis, collaboration }: { readonly analysis: InsightSummary; readonly collaboration: string }) {
  const { client } = useSession();
  const [load, reload] = useLoad(async (): Promise<RunContext> => {
    const [described, templates] = await Promise.all([
      client.collaborations.show(collaboration),
      analysis.rule === 'list' ? Promise.resolve(null) : client.templates.list(collaboration),
    ]);
    return { described, template: templates === null ? null : templates.find((t) => t.name === analysis.name) };
  }, [client, collaboration, analysis.name, analysis.rule]);
  return (
    <Loaded load={load} what={`the tables and members of ${collaboration}`} retry={reload}>
      {(context) => <RunForm analysis={analysis} collaboration={collaboration} context={context} />}
    </Loaded>
  );
}

/** One analysis of the library: its question, a form for its parameters, tables and delivery, the run and its result. */
export function InsightPage({ analysis: name }: { readonly analysis: string }) {
  const { client } = useSession();
  const { query } = useLocation();
  const [load, reload] = useLoad(async () => {
    const [analyses, collaborations] = await Promise.all([client.insights.list(), client.collaborations.list()]);
    return { analysis: analyses.find((a) => a.name === name), collaborations };
  }, [client, name]);
  return (
    <section>
      <p class="crumbs">
        <Link href="/app/insights">Insights library</Link> /
      </p>
      <h1>{name}</h1>
      <Loaded load={load} what={`analysis ${name}`} retry={reload}>
        {({ analysis, collaborations }) => {
          if (analysis === undefined) return <ErrorBox error={new Error(`The insights library has no analysis '${name}'.`)} />;
          const chosen = query.get('collaboration') ?? collaborations[0]?.name;
          return (
            <>
              <p class="lead">{analysis.question}</p>
              <p class="meta">
                {analysis.category} · reads {analysis.tables.join(', ')} · {analysis.rule} rule
              </p>
              {chosen === undefined ? (
                <Empty>
                  <p>You are not in any collaboration: an analysis runs inside one.</p>
                </Empty>
              ) : (
                <>
                  <CollaborationPicker
                    collaborations={collaborations}
                    value={chosen}
                    onChange={(c) => navigate(`${href('insights', name)}?collaboration=${encodeURIComponent(c)}`, { replace: true })}
                  />
                  <RunSection key={`${analysis.name}/${chosen}`} analysis={analysis} collaboration={chosen} />
                </>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
