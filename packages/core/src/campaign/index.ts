export * from './arbitration.ts';
export * from './assignment.ts';
export * from './campaign.ts';
export * from './campaign-templates.ts';
export * from './contact-history.ts';
export * from './contact-policy.ts';
export * from './cron.ts';
export * from './offer.ts';
