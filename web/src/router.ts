import { useEffect, useState } from 'preact/hooks';

/** Client-side routing over the History API: every page of the UI lives under /app/. */
const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

export function navigate(to: string, options: { readonly replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
  window.scrollTo(0, 0);
}

export interface Location {
  readonly path: string;
  readonly query: URLSearchParams;
}

function current(): Location {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** The current location; re-renders on navigation. */
export function useLocation(): Location {
  const [where, setWhere] = useState(current);
  useEffect(() => {
    const listener = (): void => setWhere(current());
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return where;
}

/**
 * `/app/collaborations/:name` against a path: the decoded parameters, or null.
 *
 * @example match('/app/results/:id', '/app/results/r%201') // { id: 'r 1' }
 */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter((s) => s !== '');
  const got = path.split('/').filter((s) => s !== '');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}

/** A path segment from data (a collaboration or result name), encoded. */
export function href(...parts: readonly string[]): string {
  return '/app/' + parts.map((p) => encodeURIComponent(p)).join('/');
}
