import { useState } from 'preact/hooks';

/**
 * A text input that keeps what is typed (a comma list mid-typing, `a, `) while handing
 * each change to the draft at once, so nothing typed is lost when the form closes
 * without a blur.
 */
export function TextInput({ value, onText, list }: { readonly value: string; readonly onText: (text: string) => void; readonly list?: string | undefined }) {
  const [text, setText] = useState(value);
  return (
    <input
      type="text"
      list={list}
      value={text}
      onInput={(e) => {
        const t = (e.target as HTMLInputElement).value;
        setText(t);
        onText(t);
      }}
    />
  );
}
