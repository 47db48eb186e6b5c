import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { CleanroomClient } from '../../src/client/index.ts';

/** The member key lives for this browser tab only (sessionStorage), never in a cookie. */
const STORAGE_KEY = 'cleanroom.apiKey';

export function savedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveKey(token: string): void {
  sessionStorage.setItem(STORAGE_KEY, token);
}

export function clearKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** The API is on the same origin as the page that serves the UI. */
export function clientFor(token: string): CleanroomClient {
  return new CleanroomClient({ baseUrl: location.origin, token });
}

export interface Session {
  readonly client: CleanroomClient;
  /** The member the key speaks for. */
  readonly member: string;
  readonly signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in session; pages render only inside one. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('Internal error: a page rendered without a session');
  return session;
}
