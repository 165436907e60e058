import { useEffect, useState } from 'react';
import { campaignApi, type Plan } from '../campaign-api.ts';
import { audienceOf, type CampaignForm } from '../campaign-form.ts';

export interface PlanState {
  readonly value: Plan | null;
  readonly error: unknown;
}

/**
 * The plan (minimum detectable effect) for an audience, control share and base rate, asked for a
 * moment after the last change so that typing a number does not send a request per key.
 */
export const usePlan = (input: {
  readonly mayPlan: boolean;
  readonly audienceSize: number | null;
  /** The control group, in percent. */
  readonly share: number;
  /** The expected conversion without the campaign, in percent. */
  readonly rate: number;
}): PlanState => {
  const { mayPlan, audienceSize, share, rate } = input;
  const [plan, setPlan] = useState<PlanState>({ value: null, error: null });
  useEffect(() => {
    if (!mayPlan || audienceSize === null || !(share > 0) || !(rate > 0 && rate < 100)) {
      setPlan({ value: null, error: null });
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      campaignApi.plan({ baseRate: rate / 100, audience: audienceSize, controlShare: share }).then(
        (value) => current && setPlan({ value, error: null }),
        (error: unknown) => current && setPlan({ value: null, error }),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [mayPlan, audienceSize, share, rate]);
  return plan;
};

export interface AudienceCounter {
  readonly busy: boolean;
  readonly error: unknown;
  readonly count: () => Promise<void>;
}

/** Counts the form's audience on demand and hands the size on. */
export const useAudienceCounter = (
  form: CampaignForm,
  setAudienceSize: (size: number) => void,
): AudienceCounter => {
  const [counting, setCounting] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  const count = async () => {
    const audience = audienceOf(form);
    if (audience === null) return;
    setCounting({ busy: true, error: null });
    try {
      setAudienceSize(await campaignApi.audienceCount(audience));
      setCounting({ busy: false, error: null });
    } catch (error) {
      setCounting({ busy: false, error });
    }
  };
  return { ...counting, count };
};
