import { Alert } from '@mantine/core';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';

/** The warning that a dry run would contact nobody. */
export const NobodyQueued = ({ t }: { readonly t: CampaignsMessages }) => (
  <Alert color="orange" title={t.nobodyQueuedTitle} role="alert" data-testid="nobody-queued">
    {t.nobodyQueued}
  </Alert>
);
