import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, tokenStore } from './api/client.js';

/**
 * Who the page acts as. `token`: a token was entered (what it may do, the server decides: a
 * refused act shows its 403). `anonymous`: an open loopback server answered without one; the
 * page only reads then, so that an act is always someone's.
 */
export type Access =
  | { state: 'checking' }
  | { state: 'needs-token'; message: string | null }
  | { state: 'token' }
  | { state: 'anonymous' }
  | { state: 'offline'; message: string };

interface Session {
  access: Access;
  canAct: boolean;
  signIn(token: string): Promise<void>;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

async function probe(): Promise<Access> {
  try {
    await api.listRuns({ limit: 1 });
    return tokenStore.get() ? { state: 'token' } : { state: 'anonymous' };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401)
      return { state: 'needs-token', message: tokenStore.get() ? error.message : null };
    return { state: 'offline', message: error instanceof Error ? error.message : String(error) };
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [access, setAccess] = useState<Access>({ state: 'checking' });
  useEffect(() => {
    void probe().then(setAccess);
  }, []);
  const signIn = useCallback(async (token: string) => {
    tokenStore.set(token.trim());
    const next = await probe();
    if (next.state === 'needs-token') tokenStore.clear();
    setAccess(next);
  }, []);
  const signOut = useCallback(() => {
    tokenStore.clear();
    void probe().then(setAccess);
  }, []);
  return (
    <SessionContext.Provider value={{ access, canAct: access.state === 'token', signIn, signOut }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
