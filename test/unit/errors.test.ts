import { describe, expect, it } from '@jest/globals';
import {
  DistrolessError,
  errorMessage,
  EXIT_CLASS,
  EXIT_CODES,
  exitCodeOf,
  isDistrolessError,
} from '../../src/errors.js';

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

describe('exit codes', () => {
  it('maps every code to its class, and anything that is not a DistrolessError to 4', () => {
    expect(exitCodeOf(new DistrolessError('VERIFY', 'x'))).toBe(1);
    expect(exitCodeOf(new DistrolessError('CONFIG_INVALID', 'x'))).toBe(2);
    expect(exitCodeOf(new DistrolessError('USAGE', 'x'))).toBe(2);
    expect(exitCodeOf(new DistrolessError('NETWORK', 'x'))).toBe(3);
    expect(exitCodeOf(new DistrolessError('HASH_MISMATCH', 'x'))).toBe(3);
    expect(exitCodeOf(new DistrolessError('INTERNAL', 'x'))).toBe(4);
    expect(exitCodeOf(new TypeError('x'))).toBe(4);
    expect(exitCodeOf('a string')).toBe(4);
    expect(new Set(Object.values(EXIT_CLASS).map((c) => EXIT_CODES[c]))).toEqual(new Set([1, 2, 3, 4]));
  });
});
