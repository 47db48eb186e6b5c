import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type Load<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: unknown }
  | { readonly state: 'ready'; readonly value: T };

/**
 * Runs `load` when `deps` change and keeps the latest answer; an answer that arrives
 * after the page moved on is dropped. `reload` runs it again (showing the loading
 * state); `refresh` runs it again keeping what is shown until the new answer arrives
 * (after a change made on the page, so its forms and messages stay put).
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Load<T>, () => void, () => void] {
  const [state, setState] = useState<Load<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const quiet = useRef(false);
  useEffect(() => {
    let live = true;
    if (!quiet.current || state.state !== 'ready') setState({ state: 'loading' });
    quiet.current = false;
    load().then(
      (value) => live && setState({ state: 'ready', value }),
      (error: unknown) => live && setState({ state: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  const refresh = useCallback(() => {
    quiet.current = true;
    setRound((r) => r + 1);
  }, []);
  return [state, reload, refresh];
}
