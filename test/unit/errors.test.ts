import { describe, expect, it } from '@jest/globals';
import { DistrolessError, errorMessage, isDistrolessError } from '../../src/errors.js';

describe('errors', () => {
  it('keeps code and details, and renders any thrown value as one line', () => {
    const e = new DistrolessError('CONFIG_INVALID', 'bad config', { details: ['a', 'b'] });
    expect(isDistrolessError(e, 'CONFIG_INVALID')).toBe(true);
    expect(isDistrolessError(e, 'USAGE')).toBe(false);
    expect(e.details).toEqual(['a', 'b']);
    expect(errorMessage(new Error('one\ntwo'))).toBe('one');
    expect(errorMessage('plain string')).toBe('plain string');
    expect(errorMessage(42)).toBe('42');
  });
});
