import { fileHarness } from './file-harness.ts';
import type { AdapterHarness } from './harness.ts';
import { smppHarness } from './smpp-harness.ts';
import { smtpHarness } from './smtp-harness.ts';
import { webhookHarness } from './webhook-harness.ts';

/**
 * Every channel adapter the contract runs on. A new adapter gets a harness here: its real peer,
 * its failures, and an explicit `absent` with the reason for what its channel does not have.
 */
export const HARNESSES: readonly AdapterHarness[] = [smtpHarness, smppHarness, webhookHarness, fileHarness];
