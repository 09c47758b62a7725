/**
 * The schema library, configured once: zod/mini (the same checks as zod, with functions instead of methods)
 * with zod's English messages. Full zod took ~50 ms to load, on every run, for the two small schemas we have
 * (lockfile, shard result). Import as a namespace (`import * as z`); only what is re-exported here is bundled.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export { array, enum, int, literal, minLength, nonnegative, optional, positive, record, regex, strictObject, string } from 'zod/mini';
