import type { DeliveryChannel } from '@opencvm/core';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';

/** The label of one content field of a channel's message. */
export const fieldLabels = (t: CampaignsMessages, channel: DeliveryChannel, field: string): string => {
  if (channel === 'email')
    return field === 'subject' ? t.emailSubject : field === 'html' ? t.emailHtml : t.emailText;
  if (channel === 'push') return field === 'title' ? t.pushTitle : t.pushBody;
  if (channel === 'webhook') return t.webhookPayload;
  return t.smsText;
};

/** The warnings of a rendered message (an SMS longer than allowed), as text. */
export const warningsOf = (rendered: Readonly<Record<string, unknown>> | null): string[] => {
  const warnings = rendered?.warnings;
  if (!Array.isArray(warnings)) return [];
  return warnings.flatMap((warning: unknown) =>
    typeof warning === 'object' &&
    warning !== null &&
    'message' in warning &&
    typeof warning.message === 'string'
      ? [warning.message]
      : [],
  );
};
