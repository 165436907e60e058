import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import type { CampaignForm, Issue } from '../campaign-form.ts';

/** Sets one field of the form (and marks the draft changed). */
export type Update = <K extends keyof CampaignForm>(key: K, value: CampaignForm[K]) => void;

/** What every step of the wizard is given: the form, its setter and the issues to show. */
export interface StepProps {
  readonly form: CampaignForm;
  readonly update: Update;
  readonly issues: readonly Issue[];
  readonly t: CampaignsMessages;
}
