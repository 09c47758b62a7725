import { DistrolessError } from '../../src/errors.js';

/** The DistrolessError a promise rejects with; fails when it resolves or rejects with anything else. */
export async function thrown(p: Promise<unknown>): Promise<DistrolessError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DistrolessError) return e;
    throw e;
  }
  throw new Error('expected a DistrolessError');
}
