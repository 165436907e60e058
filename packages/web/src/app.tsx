import { Center, Loader, Text } from '@mantine/core';
import type { Permission } from '@opencvm/core';
import type { ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { useAuth } from './auth.tsx';
import { commonMessages } from './i18n/common-messages.ts';
import { useMessages } from './i18n/i18n.tsx';
import { AppLayout } from './layout/app-layout.tsx';
import { CampaignsPage } from './pages/campaigns/campaigns-page.tsx';
import { CustomersPage } from './pages/customers/customers-page.tsx';
import { HomePage } from './pages/home/home-page.tsx';
import { JourneysPage } from './pages/journeys/journeys-page.tsx';
import { LoginPage } from './pages/login/login-page.tsx';
import { OffersPage } from './pages/offers/offers-page.tsx';
import { ResultsPage } from './pages/results/results-page.tsx';
import { SegmentsPage } from './pages/segments/segments-page.tsx';
import { SettingsPage } from './pages/settings/settings-page.tsx';

/** A page only for callers with `permission`; others are told, not shown an empty page. */
const Guarded = ({
  permission,
  children,
}: {
  readonly permission: Permission;
  readonly children: ReactNode;
}) => {
  const t = useMessages(commonMessages);
  return useAuth().can(permission) ? children : <Text>{t.notAllowed}</Text>;
};

export const App = () => {
  const auth = useAuth();
  const t = useMessages(commonMessages);
  if (auth.state.status === 'loading')
    return (
      <Center mih="100vh">
        <Loader aria-label={t.loading} />
      </Center>
    );
  if (auth.state.status === 'signed-out') return <LoginPage setup={auth.state.setupRequired} />;
  return (
    <AppLayout>
      <Routes>
        <Route
          path="/"
          element={
            <Guarded permission="dashboard.read">
              <HomePage />
            </Guarded>
          }
        />
        <Route
          path="/customers/*"
          element={
            <Guarded permission="data.read">
              <CustomersPage />
            </Guarded>
          }
        />
        <Route
          path="/segments/*"
          element={
            <Guarded permission="data.read">
              <SegmentsPage />
            </Guarded>
          }
        />
        <Route
          path="/offers/*"
          element={
            <Guarded permission="data.read">
              <OffersPage />
            </Guarded>
          }
        />
        <Route
          path="/campaigns/*"
          element={
            <Guarded permission="dashboard.read">
              <CampaignsPage />
            </Guarded>
          }
        />
        <Route
          path="/journeys/*"
          element={
            <Guarded permission="dashboard.read">
              <JourneysPage />
            </Guarded>
          }
        />
        <Route
          path="/results/*"
          element={
            <Guarded permission="dashboard.read">
              <ResultsPage />
            </Guarded>
          }
        />
        <Route
          path="/settings/*"
          // Every signed-in user has "My account" here; the page shows only the tabs their role allows.
          element={<SettingsPage />}
        />
        <Route path="/login" element={<Navigate to="/" replace />} />
        <Route path="*" element={<Text>{t.notFound}</Text>} />
      </Routes>
    </AppLayout>
  );
};
