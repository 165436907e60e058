export {
  DEMO_ANALYST,
  DEMO_CAMPAIGNS,
  DEMO_LEAD,
  type DemoCampaign,
  type DemoCampaignOutcome,
  type DemoCampaignsResult,
  type DemoChange,
  demoResultLines,
} from './demo-campaigns.ts';
export {
  DEFAULT_DEMO_AS_OF,
  type DemoCounts,
  type GenerateDemoOptions,
  generateDemo,
} from './generate-demo.ts';
export { seedDemoCampaigns } from './seed-demo-campaigns.ts';
