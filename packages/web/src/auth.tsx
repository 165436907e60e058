import { PERMISSIONS, type Permission, ROLES } from '@opencvm/core';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { z } from 'zod';
import { ApiError, api, setCsrfToken, setOnUnauthenticated } from './api/client.ts';

export const Session = z.object({
  kind: z.enum(['user', 'key', 'operator']),
  name: z.string(),
  role: z.enum(ROLES).nullable(),
  scope: z.string().nullable(),
  permissions: z.array(z.enum(PERMISSIONS)),
  masked: z.boolean(),
  csrfToken: z.string().nullable(),
});
export type Session = z.infer<typeof Session>;

const SignedIn = z.object({ csrfToken: z.string() });

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
      const session = await api('GET', '/v1/session', { schema: Session });
      setCsrfToken(session.csrfToken);
      setState({ status: 'signed-in', session });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      setCsrfToken(null);
      const setup = await api('GET', '/v1/setup', { schema: z.object({ required: z.boolean() }) });
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
        const signedIn = await api('POST', '/v1/session', { body: { name, password }, schema: SignedIn });
        setCsrfToken(signedIn.csrfToken);
        await refresh();
      },
      setup: async (input) => {
        const signedIn = await api('POST', '/v1/setup', { body: input, schema: SignedIn });
        setCsrfToken(signedIn.csrfToken);
        await refresh();
      },
      logout: async () => {
        await api('DELETE', '/v1/session');
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
