import { MantineProvider } from '@mantine/core';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { AuthProvider } from '../src/auth.tsx';
import { type Locale, LocaleProvider } from '../src/i18n/i18n.tsx';

/**
 * Renders `ui` as the app does (Mantine, the user's language, a router at `route`, the session),
 * with transitions and portals off so that what opens is there at once. The network is whatever
 * the test faked.
 */
export const renderUi = (
  ui: ReactNode,
  options: { readonly locale?: Locale; readonly route?: string } = {},
) => {
  localStorage.setItem('cvm.locale', options.locale ?? 'en');
  const user = userEvent.setup();
  const rendered = render(
    <MantineProvider env="test">
      <LocaleProvider>
        <MemoryRouter initialEntries={[options.route ?? '/']}>
          <AuthProvider>{ui}</AuthProvider>
        </MemoryRouter>
      </LocaleProvider>
    </MantineProvider>,
  );
  return { ...rendered, user };
};
