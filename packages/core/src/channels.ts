import { z } from 'zod';

/** Channels a customer can be reached on; consent is recorded per channel and purpose. */
export const CHANNELS = ['sms', 'email', 'push'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const PURPOSES = ['marketing', 'service'] as const;
export const Purpose = z.enum(PURPOSES);
export type Purpose = z.infer<typeof Purpose>;
