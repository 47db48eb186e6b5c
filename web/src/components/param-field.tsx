import type { AnalysisParameter } from '../param-form.ts';

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
