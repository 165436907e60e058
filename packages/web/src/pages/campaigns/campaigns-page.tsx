import { Route, Routes } from 'react-router';
import { CampaignList } from './campaign-list.tsx';
import { CampaignView } from './campaign-view.tsx';
import { CampaignWizard } from './campaign-wizard.tsx';

/** The Campaigns area: list and approval queue, gallery, wizard, and each campaign's page. */
export const CampaignsPage = () => (
  <Routes>
    <Route index element={<CampaignList />} />
    <Route path="new" element={<CampaignWizard />} />
    <Route path=":id/edit" element={<CampaignWizard />} />
    <Route path=":id" element={<CampaignView />} />
  </Routes>
);
