import { expect, it } from '@jest/globals';

// The Action runs on node24; the pinned `node` devDependency makes `npm test` run on the same major.
it('runs on the Node major the Action uses', () => {
  expect(process.versions.node.split('.')[0]).toBe('24');
});
