import { Text } from '@mantine/core';
import { Route, Routes } from 'react-router';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { CampaignResultsPage } from './campaign-results-page.tsx';
import { ResultsListPage } from './results-list-page.tsx';

/** Results: every campaign that ran (`/results`) and one campaign's results (`/results/:campaignId`). */
export const ResultsPage = () => {
  const t = useMessages(commonMessages);
  return (
    <Routes>
      <Route index element={<ResultsListPage />} />
      <Route path=":campaignId" element={<CampaignResultsPage />} />
      <Route path="*" element={<Text>{t.notFound}</Text>} />
    </Routes>
  );
};
