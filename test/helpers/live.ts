import { describe } from '@jest/globals';

/**
 * Live tests talk to the real Debian mirror. They run by default; DISTROLESS_LIVE=0 turns them off
 * explicitly (for offline work), never silently.
 */
export const LIVE = process.env.DISTROLESS_LIVE !== '0';
export const describeLive = LIVE ? describe : describe.skip;
