import type { RunFunnel } from '@opencvm/core';
import { useCallback, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../../../api/client.ts';
import { useAuth } from '../../../auth.tsx';
import { useIssueText } from '../../../components/error-alert.tsx';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import { campaignApi, issuesOf, type StoredCampaign } from '../campaign-api.ts';
import { type CampaignForm, definitionOf, type Issue, STEP_KEYS, stepOf } from '../campaign-form.ts';
import type { Update } from './step-props.ts';

/** The policy step: from it on the wizard checks the saved draft, and Next no longer saves it. */
const FIRST_CHECKING_STEP = 5;

/** The step in `?step=`, when it names one. */
const stepFromQuery = (query: string | null): number => {
  const step = Number(query ?? '0');
  return Number.isInteger(step) && step >= 0 && step < STEP_KEYS.length ? step : 0;
};

/**
 * The wizard's state: the form, the stored draft it was last saved as, the step shown and the
 * issues of the last save; and the moves between steps, which save a changed draft on the way.
 */
export const useWizardState = (options: {
  readonly initial: CampaignForm;
  readonly initialStored: StoredCampaign | null;
  readonly t: CampaignsMessages;
}) => {
  const { initial, initialStored, t } = options;
  const auth = useAuth();
  const navigate = useNavigate();
  const issueText = useIssueText();
  const [params] = useSearchParams();
  const [form, setForm] = useState(initial);
  const [stored, setStored] = useState(initialStored);
  const [dirty, setDirty] = useState(initialStored === null);
  const [active, setActive] = useState(() => stepFromQuery(params.get('step')));
  const [issues, setIssues] = useState<readonly Issue[]>([]);
  /** The step the last save was tried from: issues up to it block, later ones are still to do. */
  const [savedFrom, setSavedFrom] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'save' | 'submit' | null>(null);
  const [audienceSize, setAudienceSize] = useState<number | null>(null);
  const [funnel, setFunnel] = useState<RunFunnel | null>(null);

  const update: Update = (key, value) => {
    setForm((current) => ({ ...current, [key]: value }));
    setDirty(true);
  };
  const canWrite = auth.can('campaigns.write');
  const saved = stored !== null && !dirty;

  /** Saves the draft; answers the issues it met (none: saved). */
  const save = async (stepAfterCreate: number): Promise<readonly Issue[] | 'error'> => {
    const { definition, issues: local } = definitionOf(form, { notJson: t.ruleNotJson });
    setError(null);
    setSavedFrom(active);
    if (local.length > 0) {
      setIssues(local);
      return local;
    }
    setBusy('save');
    try {
      const next =
        stored === null
          ? await campaignApi.create(definition)
          : await campaignApi.update(stored.campaign.id, definition, stored.version);
      setStored(next);
      setDirty(false);
      setIssues([]);
      setFunnel(null);
      // The draft now has an address: the wizard reopens there, at the step the user is going to.
      if (stored === null)
        navigate(`/campaigns/${next.campaign.id}/edit?step=${stepAfterCreate}`, { replace: true });
      return [];
    } catch (caught) {
      // The steps show each issue at its field, already in the user's language.
      const found = issuesOf(caught).map((issue) => ({ path: issue.path, message: issueText(issue) }));
      if (caught instanceof ApiError && caught.code === 'invalid_body' && found.length > 0) {
        setIssues(found);
        return found;
      }
      setError(caught);
      return 'error';
    } finally {
      setBusy(null);
    }
  };

  const goNext = async () => {
    if (active >= FIRST_CHECKING_STEP || !canWrite) {
      setActive((step) => Math.min(step + 1, STEP_KEYS.length - 1));
      return;
    }
    if (!dirty && stored !== null) {
      setActive(active + 1);
      return;
    }
    const found = await save(active + 1);
    if (found === 'error') return;
    if (found.every((issue) => stepOf(issue.path) > active)) setActive(active + 1);
  };

  const goBack = () => setActive((step) => Math.max(step - 1, 0));

  const submit = async () => {
    if (stored === null) return;
    setBusy('submit');
    setError(null);
    try {
      const moved = await campaignApi.act(stored.campaign.id, 'submit', { version: stored.version });
      navigate(`/campaigns/${moved.campaign.id}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  const setFunnelAndSize = useCallback((next: RunFunnel | null) => {
    setFunnel(next);
    if (next !== null) setAudienceSize(next.audience);
  }, []);

  return {
    form,
    update,
    stored,
    dirty,
    saved,
    canWrite,
    active,
    setActive,
    issues,
    /** Issues of the steps up to the one saved from: they stop the wizard. */
    earlier: issues.filter((issue) => stepOf(issue.path) <= savedFrom),
    /** Issues of steps still to come: the draft is saved once they are filled in. */
    later: issues.filter((issue) => stepOf(issue.path) > savedFrom),
    error,
    busy,
    audienceSize,
    setAudienceSize,
    funnel,
    setFunnel: setFunnelAndSize,
    save,
    goNext,
    goBack,
    submit,
    /** Whether Next saves the draft first (the steps that edit it). */
    savesOnNext: active < FIRST_CHECKING_STEP,
  };
};

export type WizardState = ReturnType<typeof useWizardState>;
