import { Stack, Tabs, Text, Title } from '@mantine/core';
import type { Permission } from '@opencvm/core';
import type { ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../../auth.tsx';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { settingsMessages } from '../../i18n/settings-messages.ts';
import { AccountTab } from './account-tab.tsx';
import { ApiKeysTab } from './api-keys-tab.tsx';
import { AuditTab } from './audit-tab.tsx';
import { ChannelsTab } from './channels-tab.tsx';
import { ContactPolicyTab } from './contact-policy-tab.tsx';
import { UcgTab } from './ucg-tab.tsx';
import { UsersTab } from './users-tab.tsx';

type TabKey = 'contactPolicy' | 'channels' | 'ucg' | 'users' | 'apiKeys' | 'audit' | 'account';

/** Each tab at /settings/<path>, shown to whoever holds its permission (the account tab: any user). */
const TABS: readonly {
  readonly key: TabKey;
  readonly path: string;
  readonly permission: Permission | 'own-account';
  readonly element: ReactNode;
}[] = [
  {
    key: 'contactPolicy',
    path: 'contact-policy',
    permission: 'settings.read',
    element: <ContactPolicyTab />,
  },
  { key: 'channels', path: 'channels', permission: 'settings.read', element: <ChannelsTab /> },
  { key: 'ucg', path: 'ucg', permission: 'settings.read', element: <UcgTab /> },
  { key: 'users', path: 'users', permission: 'users.manage', element: <UsersTab /> },
  { key: 'apiKeys', path: 'api-keys', permission: 'users.manage', element: <ApiKeysTab /> },
  { key: 'audit', path: 'audit', permission: 'audit.read', element: <AuditTab /> },
  { key: 'account', path: 'account', permission: 'own-account', element: <AccountTab /> },
];

export const SettingsPage = () => {
  const t = useMessages(settingsMessages);
  const common = useMessages(commonMessages);
  const auth = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const isUser = auth.state.status === 'signed-in' && auth.state.session.kind === 'user';
  const tabs = TABS.filter((tab) => (tab.permission === 'own-account' ? isUser : auth.can(tab.permission)));
  const current = location.pathname.replace(/^\/settings\/?/, '').split('/')[0] ?? '';
  const first = tabs[0];

  return (
    <Stack gap="xs">
      <Title order={2}>{t.title}</Title>
      <Tabs
        value={tabs.some((tab) => tab.path === current) ? current : null}
        onChange={(value) => {
          if (value !== null) void navigate(`/settings/${value}`);
        }}
        keepMounted={false}
      >
        <Tabs.List aria-label={t.tabsLabel}>
          {tabs.map((tab) => (
            <Tabs.Tab key={tab.key} value={tab.path}>
              {t.tabs[tab.key]}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Routes>
          <Route
            index
            element={
              first === undefined ? (
                <Text pt="md">{common.notAllowed}</Text>
              ) : (
                <Navigate to={first.path} replace />
              )
            }
          />
          {tabs.map((tab) => (
            <Route
              key={tab.key}
              path={`${tab.path}/*`}
              element={
                <Tabs.Panel value={tab.path} pt="md">
                  {tab.element}
                </Tabs.Panel>
              }
            />
          ))}
          <Route
            path="*"
            element={
              <Text pt="md">
                {TABS.some((tab) => tab.path === current) ? common.notAllowed : common.notFound}
              </Text>
            }
          />
        </Routes>
      </Tabs>
    </Stack>
  );
};
