import { AppShell, Burger, Group, NavLink, Text, Title, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { Permission } from '@opencvm/core';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { useAuth } from '../auth.tsx';
import { commonMessages } from '../i18n/common-messages.ts';
import { useMessages } from '../i18n/i18n.tsx';
import { LanguageSwitch } from './language-switch.tsx';

/** The sections in the navigation, each shown to whoever may read it. */
export const SECTIONS: readonly {
  readonly key:
    | 'home'
    | 'customers'
    | 'segments'
    | 'offers'
    | 'campaigns'
    | 'journeys'
    | 'results'
    | 'settings';
  readonly path: string;
  /** Null: every signed-in user (their own account is under Settings). */
  readonly permission: Permission | null;
}[] = [
  { key: 'home', path: '/', permission: 'dashboard.read' },
  { key: 'customers', path: '/customers', permission: 'data.read' },
  { key: 'segments', path: '/segments', permission: 'data.read' },
  { key: 'offers', path: '/offers', permission: 'data.read' },
  { key: 'campaigns', path: '/campaigns', permission: 'dashboard.read' },
  { key: 'journeys', path: '/journeys', permission: 'dashboard.read' },
  { key: 'results', path: '/results', permission: 'dashboard.read' },
  { key: 'settings', path: '/settings', permission: null },
];

export const AppLayout = ({ children }: { readonly children: ReactNode }) => {
  const t = useMessages(commonMessages);
  const auth = useAuth();
  const location = useLocation();
  const [opened, { toggle }] = useDisclosure();
  const session = auth.state.status === 'signed-in' ? auth.state.session : null;
  const active = (path: string) =>
    path === '/'
      ? location.pathname === '/'
      : location.pathname === path || location.pathname.startsWith(`${path}/`);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="menu" />
            <Title order={3}>{t.product}</Title>
          </Group>
          <Group>
            <LanguageSwitch />
            {session !== null && (
              <Text size="sm" c="dimmed" data-testid="signed-in-as">
                {t.signedInAs(
                  session.name,
                  session.role === null ? (session.scope ?? '') : t.roles[session.role],
                )}
              </Text>
            )}
            <UnstyledButton onClick={() => void auth.logout()} aria-label={t.logout}>
              <Text size="sm">{t.logout}</Text>
            </UnstyledButton>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="main">
        {SECTIONS.filter((section) => section.permission === null || auth.can(section.permission)).map(
          (section) => (
            <NavLink
              key={section.key}
              component={Link}
              to={section.path}
              label={t.nav[section.key]}
              active={active(section.path)}
            />
          ),
        )}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
};
