import { useEffect, useRef, useState } from 'preact/hooks';
import { ClientError, type DatasetSummary, type Diagnostic, type TableView } from '../../../src/client/index.ts';
import { DiagnosticView, Loaded } from '../components/status.tsx';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';
import { draftToDocument, emptyDraft } from './rule-draft.ts';
import { documentToDraft, editorFromDraft, type EditorState } from './rule-json.ts';
import { RuleEditor } from './rule-editor.tsx';
import type { TemplateChoice } from './rule-fields.tsx';

export type TableFormMode = { readonly kind: 'create'; readonly datasets: readonly DatasetSummary[] } | { readonly kind: 'edit'; readonly table: TableView };

interface Context {
  readonly templates: readonly TemplateChoice[];
  readonly members: readonly string[];
  readonly templateNames: ReadonlyMap<string, string>;
}

function initialEditor(mode: TableFormMode): EditorState {
  if (mode.kind === 'create') return editorFromDraft(emptyDraft('aggregation'));
  const mapped = documentToDraft(mode.table.rule);
  return mapped.ok
    ? editorFromDraft(mapped.draft)
    : { draft: emptyDraft(mode.table.kind), json: JSON.stringify(mode.table.rule, null, 2), jsonError: `The form cannot show this rule: ${mapped.message}` };
}

function refusal(error: unknown): { readonly status: string; readonly diagnostic: Diagnostic } {
  if (error instanceof ClientError) return { status: error.status === 0 ? 'no answer' : `HTTP ${error.status}`, diagnostic: error.diagnostic };
  return { status: 'in the browser', diagnostic: { code: 'browser-error', message: error instanceof Error ? error.message : String(error) } };
}

/**
 * Creates a configured table from one of your datasets (POST /v1/members/{me}/tables), or
 * replaces a table's rule and allowed columns (PATCH …/tables/{t}: a new rule version).
 * The server checks everything again; its refusal is shown under the Save button.
 */
export function TableForm({ mode, context, onSaved, onCancel }: { readonly mode: TableFormMode; readonly context: Context; readonly onSaved: (table: TableView) => void; readonly onCancel: () => void }) {
  const { client, member } = useSession();
  const creating = mode.kind === 'create';
  const [name, setName] = useState('');
  const [dataset, setDataset] = useState(mode.kind === 'create' ? (mode.datasets[0]?.name ?? '') : mode.table.dataset);
  const [allowed, setAllowed] = useState<readonly string[]>(mode.kind === 'edit' ? mode.table.columns.map((c) => c.name) : []);
  const [editor, setEditor] = useState<EditorState>(() => initialEditor(mode));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const heading = useRef<HTMLHeadingElement>(null);
  const id = creating ? 'new-table' : `edit-${mode.table.table}`;

  useEffect(() => heading.current?.focus(), []);

  // Allowed columns and the rule's columns come from the dataset's latest version.
  const [columns] = useLoad(async () => {
    if (dataset === '') return [];
    const described = await client.datasets.show(member, dataset);
    return (described.versions.at(-1)?.columns ?? []).map((c) => ({ name: c.name, type: c.type }));
  }, [client, member, dataset]);

  // "Check with the server": the same request with dryRun, nothing saved.
  const [checked, setChecked] = useState<string | undefined>(undefined);
  const check = async (datasetColumns: readonly { readonly name: string }[]): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setChecked(undefined);
    const ticked = datasetColumns.map((c) => c.name).filter((c) => allowed.includes(c));
    const rule = draftToDocument(editor.draft);
    try {
      const proposal =
        mode.kind === 'create'
          ? await client.tables.propose(member, { name: name.trim(), dataset, rule, ...(ticked.length > 0 ? { columns: ticked } : {}) })
          : await client.tables.propose(member, { name: mode.table.table, rule, columns: ticked });
      setChecked(`The server accepts it: saving would store rule version ${proposal.version} with the columns ${proposal.columns.join(', ')}. Nothing was saved.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const submit = async (datasetColumns: readonly { readonly name: string }[]): Promise<void> => {
    setBusy(true);
    setError(undefined);
    // In the dataset's order, so that the table lists them as the dataset does.
    const ticked = datasetColumns.map((c) => c.name).filter((c) => allowed.includes(c));
    const rule = draftToDocument(editor.draft);
    try {
      const saved =
        mode.kind === 'create'
          ? await client.tables.create(member, { name: name.trim(), dataset, rule, ...(ticked.length > 0 ? { columns: ticked } : {}) })
          : await client.tables.update(member, mode.table.table, { rule, columns: ticked });
      onSaved(saved);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const blocked =
    editor.jsonError !== undefined
      ? 'Fix the JSON (or change the form, which rewrites it) before saving.'
      : creating && name.trim() === ''
        ? 'Give the table a name.'
        : creating && dataset === ''
          ? 'Upload a dataset first: a table exposes one of your datasets.'
          : !creating && allowed.length === 0
            ? 'Tick at least one allowed column.'
            : undefined;
  const failed = error === undefined ? undefined : refusal(error);

  return (
    <form
      class="run-form table-form"
      aria-labelledby={`${id}-title`}
      data-testid="table-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (blocked === undefined && !busy && columns.state === 'ready') void submit(columns.value);
      }}
    >
      <h2 id={`${id}-title`} ref={heading} tabIndex={-1}>
        {creating ? 'New configured table' : <>Edit the rule and columns of <code>{mode.table.table}</code></>}
      </h2>
      {creating ? (
        <div class="inline-fields">
          <div class="field">
            <label for={`${id}-name`}>Table name</label>
            <input id={`${id}-name`} type="text" value={name} autoComplete="off" onInput={(e) => setName(e.currentTarget.value)} aria-describedby={`${id}-name-help`} />
            <p class="help" id={`${id}-name-help`}>
              Letters, digits, <code>_</code> and <code>-</code>. Collaborations name it in SQL by the name you associate it under.
            </p>
          </div>
          <div class="field">
            <label for={`${id}-dataset`}>Dataset</label>
            <select
              id={`${id}-dataset`}
              value={dataset}
              onChange={(e) => {
                setDataset(e.currentTarget.value);
                setAllowed([]);
              }}
            >
              {mode.datasets.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name} ({d.versions} version{d.versions === 1 ? '' : 's'})
                </option>
              ))}
            </select>
            <p class="help">The table follows the dataset's latest version.</p>
          </div>
        </div>
      ) : (
        <>
          <p class="meta">
            Dataset <strong>{mode.table.dataset}</strong>, rule version {mode.table.version}.
          </p>
          <p class="note" data-testid="version-note">
            Saving makes rule version {mode.table.version + 1}. In every collaboration this table is associated with, it applies to each query submitted after you
            save; a query already submitted (queued or running) keeps the version it was checked under. Version {mode.table.version} is kept, and the query log
            records the rule version each query ran under. Approving or revoking a template on a custom rule also makes a new version.
          </p>
        </>
      )}

      <Loaded load={columns} what={`the columns of ${dataset}`}>
        {(datasetColumns) => (
          <>
            <fieldset class="checks allowed-columns" data-testid="allowed-columns">
              <legend>Allowed columns</legend>
              <p class="help">
                Only these columns exist for queries (with their types); every column the rule names must be one of them.
                {creating ? ' None ticked: the table allows exactly the columns the rule names.' : ''}
              </p>
              {datasetColumns.map((c) => (
                <label key={c.name}>
                  <input
                    type="checkbox"
                    aria-label={`Allow ${c.name}`}
                    checked={allowed.includes(c.name)}
                    onChange={(e) => setAllowed(e.currentTarget.checked ? [...allowed.filter((a) => a !== c.name), c.name] : allowed.filter((a) => a !== c.name))}
                  />{' '}
                  <code>{c.name}</code> <span class="type">{c.type}</span>
                </label>
              ))}
            </fieldset>

            <h3>Analysis rule</h3>
            <RuleEditor
              id={id}
              state={editor}
              onChange={setEditor}
              columns={datasetColumns}
              allowed={allowed}
              templates={context.templates}
              members={context.members}
              templateNames={context.templateNames}
            />
          </>
        )}
      </Loaded>

      <div class="toolbar">
        <button type="submit" disabled={blocked !== undefined || busy || columns.state !== 'ready'}>
          {busy ? 'Saving…' : creating ? 'Create table' : `Save as rule version ${mode.table.version + 1}`}
        </button>
        <button type="button" class="secondary" disabled={blocked !== undefined || busy || columns.state !== 'ready'} onClick={() => columns.state === 'ready' && void check(columns.value)}>
          Check with the server
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
        {blocked !== undefined && <span class="help">{blocked}</span>}
      </div>
      {checked !== undefined && error === undefined && (
        <p class="ok-line" role="status" data-testid="table-form-checked">
          {checked}
        </p>
      )}
      {failed !== undefined && (
        <div class="error" role="alert" data-testid="table-form-error">
          <DiagnosticView diagnostic={failed.diagnostic} title={`The server refused ${creating ? 'the table' : 'the change'} (${failed.status}):`} />
        </div>
      )}
    </form>
  );
}
