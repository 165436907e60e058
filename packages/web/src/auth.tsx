import { accountsApi, type EndpointAnswer, type Permission } from '@opencvm/core';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, call, setCsrfToken, setOnUnauthenticated } from './api/client.ts';

/** Who is signed in, as `GET /v1/session` answers (the shared contract's schema). */
export type Session = EndpointAnswer<typeof accountsApi.session>;

type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'signed-out'; readonly setupRequired: boolean }
  | { readonly status: 'signed-in'; readonly session: Session };

interface AuthState {
  readonly state: SessionState;
  readonly login: (name: string, password: string) => Promise<void>;
  readonly setup: (input: { token: string; name: string; password: string }) => Promise<void>;
  readonly logout: () => Promise<void>;
  /** Whether the signed-in user may do what `permission` allows (what to show and enable). */
  readonly can: (permission: Permission) => boolean;
}

const AuthContext = createContext<AuthState | null>(null);

export const AuthProvider = ({ children }: { readonly children: ReactNode }) => {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const session = await call(accountsApi.session);
      setCsrfToken(session.csrfToken);
      setState({ status: 'signed-in', session });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      setCsrfToken(null);
      const setup = await call(accountsApi.setupState);
      setState({ status: 'signed-out', setupRequired: setup.required });
    }
  }, []);

  useEffect(() => {
    setOnUnauthenticated(() => {
      setCsrfToken(null);
      setState({ status: 'signed-out', setupRequired: false });
    });
    void refresh();
  }, [refresh]);

  const value = useMemo<AuthState>(
    () => ({
      state,
      login: async (name, password) => {
        const signedIn = await call(accountsApi.logIn, { body: { name, password } });
        setCsrfToken(signedIn.csrfToken);
        await refresh();
      },
      setup: async (input) => {
        const signedIn = await call(accountsApi.setup, { body: input });
        setCsrfToken(signedIn.csrfToken);
        await refresh();
      },
      logout: async () => {
        await call(accountsApi.logOut);
        setCsrfToken(null);
        setState({ status: 'signed-out', setupRequired: false });
      },
      can: (permission) => state.status === 'signed-in' && state.session.permissions.includes(permission),
    }),
    [state, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
};

export const useAuth = (): AuthState => {
  const auth = useContext(AuthContext);
  if (auth === null) throw new Error('useAuth outside AuthProvider');
  return auth;
};
