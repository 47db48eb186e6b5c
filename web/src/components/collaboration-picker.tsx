import type { CollaborationRow } from '../../../src/client/index.ts';

/** Chooses the collaboration a page works in; the choice is kept in the URL (?collaboration=). */
export function CollaborationPicker({
  collaborations,
  value,
  onChange,
}: {
  readonly collaborations: readonly CollaborationRow[];
  readonly value: string;
  readonly onChange: (name: string) => void;
}) {
  return (
    <p class="picker">
      <label for="collaboration">Collaboration</label>{' '}
      <select id="collaboration" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {collaborations.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
    </p>
  );
}
