import { Title } from '@mantine/core';
import { commonMessages } from '../i18n/common-messages.ts';
import { useMessages } from '../i18n/i18n.tsx';

export const CampaignsPage = () => {
  const t = useMessages(commonMessages);
  return <Title order={2}>{t.nav.campaigns}</Title>;
};
