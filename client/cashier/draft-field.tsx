import type { InputHTMLAttributes } from 'react';
import { useEffect, useState } from 'react';

/**
 * A text field over a number: the cashier types freely (a half-typed "1." is kept), and the value is
 * committed on Enter or when the field loses focus. Escape restores the committed value.
 */
export function DraftField({
  value,
  format,
  parse,
  onCommit,
  ...rest
}: {
  value: number;
  format: (value: number) => string;
  parse: (text: string) => number | null;
  onCommit: (value: number) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  const [draft, setDraft] = useState(() => format(value));
  useEffect(() => setDraft(format(value)), [value, format]);
  const commit = () => {
    const parsed = parse(draft);
    if (parsed === null || parsed === value) setDraft(format(value));
    else onCommit(parsed);
  };
  return (
    <input
      value={draft}
      inputMode="decimal"
      autoComplete="off"
      {...rest}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={commit}
      onFocus={(event) => event.target.select()}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          commit();
        } else if (event.key === 'Escape') {
          setDraft(format(value));
        }
      }}
    />
  );
}
