import { createContext, useContext, useEffect, useState } from 'react';
import type { Observable } from 'rxjs';
import type { CashierTerminal } from './terminal-port.ts';

/** The connected terminal's commands; `App` provides it next to RxDB's database provider. */
export const TerminalContext = createContext<CashierTerminal | null>(null);

/** The connected terminal. */
export function useTerminal(): CashierTerminal {
  const terminal = useContext(TerminalContext);
  if (!terminal) throw new Error('useTerminal needs a TerminalContext provider');
  return terminal;
}

/** The latest value of an observable (`status$`), and whether it failed. */
export function useObservable<T>(source: Observable<T>): { value: T | undefined; failed: boolean } {
  const [state, setState] = useState<{ value: T | undefined; failed: boolean }>({
    value: undefined,
    failed: false,
  });
  useEffect(() => {
    const subscription = source.subscribe({
      next: (value) => setState({ value, failed: false }),
      error: () => setState((before) => ({ ...before, failed: true })),
    });
    return () => subscription.unsubscribe();
  }, [source]);
  return state;
}
