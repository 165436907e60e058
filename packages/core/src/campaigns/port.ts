import type { Result } from '../result.ts';
import type { UcgSettings } from './assignment.ts';
import type { Campaign, CampaignStatus } from './campaign.ts';
import type { Offer } from './offer.ts';

/** An offer as stored: the validated definition and when it was first and last saved. */
export interface StoredOffer {
  readonly offer: Offer;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A campaign as stored; `version` counts its saves and guards against lost updates. */
export interface StoredCampaign {
  readonly campaign: Campaign;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * A write based on a state that is no longer the stored one: someone else saved in between (or
 * the record was created or deleted meanwhile). `actual` is what is stored now, null for nothing.
 */
export type StaleWrite = {
  readonly type: 'conflict';
  readonly expected: number | string | null;
  readonly actual: number | string | null;
};

/** Offers, campaigns and the universal control group settings: validated documents, kept as JSON. */
export interface CampaignStore {
  /** Creates the offer or replaces its definition. */
  saveOffer(offer: Offer, at: Date): Promise<StoredOffer>;
  getOffer(id: string): Promise<StoredOffer | null>;
  listOffers(): Promise<readonly StoredOffer[]>;
  /** False when there was none. */
  deleteOffer(id: string): Promise<boolean>;
  /**
   * Writes a campaign if the stored version is `expectedVersion` (null: there must be none yet);
   * the saved one has the next version (1 when created). Otherwise nothing is written.
   */
  saveCampaign(
    campaign: Campaign,
    options: { readonly expectedVersion: number | null; readonly at: Date },
  ): Promise<Result<StoredCampaign, StaleWrite>>;
  getCampaign(id: string): Promise<StoredCampaign | null>;
  /** In id order; only those of `status` when given. */
  listCampaigns(filter?: {
    readonly status?: CampaignStatus | undefined;
  }): Promise<readonly StoredCampaign[]>;
  /** Deletes the campaign if it is at `expectedVersion`; false when there was none. */
  deleteCampaign(
    id: string,
    options: { readonly expectedVersion: number },
  ): Promise<Result<boolean, StaleWrite>>;
  getUcgSettings(): Promise<UcgSettings | null>;
  /**
   * Writes the workspace's UCG settings if the stored ones were drawn at `expectedRotatedAt`
   * (null: there must be none yet), so that two first uses or two rotations cannot both win.
   */
  saveUcgSettings(
    settings: UcgSettings,
    options: { readonly expectedRotatedAt: string | null; readonly at: Date },
  ): Promise<Result<UcgSettings, StaleWrite>>;
}

// Campaign runs
