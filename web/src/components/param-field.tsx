import type { ComponentChildren } from 'preact';
import type { CollaborationView, TemplateInfo } from '../../../src/client/index.ts';
import type { AnalysisParameter, DeliveryField } from '../param-form.ts';

const PLACEHOLDER: Readonly<Record<AnalysisParameter['type'], string>> = {
  VARCHAR: 'text',
  INTEGER: 'a whole number',
  BIGINT: 'a whole number',
  DOUBLE: 'a number',
  DECIMAL: 'a number',
  DATE: 'YYYY-MM-DD',
  TIMESTAMP: 'YYYY-MM-DD HH:MM:SS',
  BOOLEAN: 'true or false',
};

/**
 * The fields of an analysis' run form, each with its help and, once the form was tried,
 * its problem right under it (`aria-describedby` names both).
 */

/** One parameter of an analysis: a select for closed sets, a text box otherwise; its problem next to it. */
export function ParamField({
  param,
  value,
  problem,
  onInput,
}: {
  readonly param: AnalysisParameter;
  readonly value: string;
  readonly problem: string | undefined;
  readonly onInput: (value: string) => void;
}) {
  const id = `param-${param.name}`;
  const help = `${id}-help`;
  const error = `${id}-error`;
  const choices = param.allowed ?? (param.type === 'BOOLEAN' ? ['true', 'false'] : undefined);
  const range = param.range
    ? ` Between ${param.range.lo ?? '−∞'} and ${param.range.hi ?? '∞'}.`
    : '';
  const described = problem === undefined ? help : `${help} ${error}`;
  return (
    <div class={`field${problem !== undefined ? ' invalid' : ''}`}>
      <label for={id}>
        <code>{param.name}</code> <span class="type">{param.type}</span>
      </label>
      {choices ? (
        <select id={id} name={param.name} value={value} onChange={(e) => onInput(e.currentTarget.value)} aria-describedby={described}>
          {choices.map((c) => (
            <option key={c} value={c}>
              {c}
              {c === param.default ? ' (default)' : ''}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          name={param.name}
          type="text"
          inputMode={['INTEGER', 'BIGINT'].includes(param.type) ? 'numeric' : ['DOUBLE', 'DECIMAL'].includes(param.type) ? 'decimal' : undefined}
          placeholder={PLACEHOLDER[param.type]}
          value={value}
          onInput={(e) => onInput(e.currentTarget.value)}
          aria-invalid={problem !== undefined}
          aria-describedby={described}
        />
      )}
      <p id={help} class="help">
        {param.description}
        {range}
        {param.default !== undefined && ` Default: ${param.default}.`}
      </p>
      {problem !== undefined && (
        <p id={error} class="field-error">
          {problem}
        </p>
      )}
    </div>
  );
}

/** A labelled control with its help and problem: `control` gets the ids to describe itself with. */
function Field({
  id,
  label,
  help,
  problem,
  control,
}: {
  readonly id: string;
  readonly label: ComponentChildren;
  readonly help: ComponentChildren;
  readonly problem: string | undefined;
  readonly control: (describedBy: string) => ComponentChildren;
}) {
  const helpId = `${id}-help`;
  const error = `${id}-error`;
  return (
    <div class={`field${problem !== undefined ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {control(problem === undefined ? helpId : `${helpId} ${error}`)}
      <p id={helpId} class="help">
        {help}
      </p>
      {problem !== undefined && (
        <p id={error} class="field-error">
          {problem}
        </p>
      )}
    </div>
  );
}

type AssociatedTable = CollaborationView['tables'][number];

/** Which associated table plays one role of the analysis; the default is the table named like the role. */
export function TableRoleField({
  role,
  tables,
  value,
  problem,
  onInput,
}: {
  readonly role: string;
  readonly tables: readonly AssociatedTable[];
  readonly value: string;
  readonly problem: string | undefined;
  readonly onInput: (table: string) => void;
}) {
  const id = `table-${role}`;
  const named = tables.some((t) => t.name === role);
  return (
    <Field
      id={id}
      label={
        <>
          <code>{role}</code> table
        </>
      }
      help={
        <>
          The associated table that plays the {role} role. Default: the table named <code>{role}</code>
          {named ? '.' : ' (this collaboration has none).'}
        </>
      }
      problem={problem}
      control={(describedBy) => (
        <select id={id} name={id} value={value} onChange={(e) => onInput(e.currentTarget.value)} aria-invalid={problem !== undefined} aria-describedby={describedBy}>
          {!named && <option value="">— choose a table —</option>}
          {tables.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name} ({t.owner}, {t.ruleKind} rule){t.name === role ? ' (default)' : ''}
            </option>
          ))}
        </select>
      )}
    />
  );
}

/** Who receives the result: the members who may receive, you by default. */
export function ReceiverField({
  runner,
  receivers,
  value,
  problem,
  onInput,
}: {
  readonly runner: string;
  readonly receivers: readonly string[];
  readonly value: string;
  readonly problem: string | undefined;
  readonly onInput: (member: string) => void;
}) {
  const id = 'delivery-receiver';
  // You are listed even without the receive ability, so that the default can be refused next to the field.
  const choices = receivers.includes(runner) ? receivers : [runner, ...receivers];
  return (
    <Field
      id={id}
      label="Receiver"
      help="Who receives the result: only the receiver reads its rows. Members with the receive ability are listed. Default: you."
      problem={problem}
      control={(describedBy) => (
        <select id={id} name="receiver" value={value} onChange={(e) => onInput(e.currentTarget.value)} aria-invalid={problem !== undefined} aria-describedby={describedBy}>
          {choices.map((m) => (
            <option key={m} value={m}>
              {m === runner ? `${m} (you)` : m}
            </option>
          ))}
        </select>
      )}
    />
  );
}

const DELIVERY_TEXT: Readonly<Record<Exclude<DeliveryField, 'receiver'>, { readonly label: string; readonly help: string }>> = {
  normalize: {
    label: 'Normalise on delivery',
    help: 'Output columns to trim and lowercase before delivery, separated by commas.',
  },
  hash: {
    label: 'Hash on delivery (SHA-256)',
    help: 'Output columns to deliver as hex SHA-256, separated by commas; a column also normalised is hashed after trimming and lowercasing, as ad platforms match.',
  },
};

/** Output columns to normalise or hash on delivery (list results only). */
export function DeliveryColumnsField({
  option,
  columns,
  value,
  problem,
  onInput,
}: {
  readonly option: Exclude<DeliveryField, 'receiver'>;
  /** Text columns of the tables read, as a hint (the output's names are the analysis's). */
  readonly columns: readonly string[];
  readonly value: string;
  readonly problem: string | undefined;
  readonly onInput: (text: string) => void;
}) {
  const id = `delivery-${option}`;
  const text = DELIVERY_TEXT[option];
  return (
    <Field
      id={id}
      label={text.label}
      help={
        <>
          {text.help}
          {columns.length > 0 && <> Text columns of the tables it reads: {columns.join(', ')}.</>} Default: none.
        </>
      }
      problem={problem}
      control={(describedBy) => (
        <input
          id={id}
          name={option}
          type="text"
          placeholder="e.g. email_address"
          value={value}
          onInput={(e) => onInput(e.currentTarget.value)}
          aria-invalid={problem !== undefined}
          aria-describedby={describedBy}
        />
      )}
    />
  );
}

/** Where a custom-rule analysis's tables come from: the template installed with its mapping. */
export function TemplateTables({ name, collaboration, template }: { readonly name: string; readonly collaboration: string; readonly template: TemplateInfo | undefined }) {
  return template ? (
    <p class="help" data-testid="template-tables">
      Runs the template <code>{name}</code> installed in {collaboration}, which reads {template.tables.join(', ')}: the tables were mapped to their roles when it was
      installed (<code>cleanroom insights install {collaboration} --tables role=table,…</code>).
    </p>
  ) : (
    <p class="note" data-testid="template-tables">
      No template <code>{name}</code> is installed in {collaboration} yet (<code>cleanroom insights install {collaboration} --tables role=table,…</code>, then the owners approve it):
      a run is refused, or runs another analysis and says so.
    </p>
  );
}
