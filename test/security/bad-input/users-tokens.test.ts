/** Bad input to the user and token routes (test/security/bad-input/app.ts: the set-up and what every answer must be). */
import { describe } from 'node:test';
import { badInputApp, endpointTests } from './app.js';
import { SEED } from './requests.js';

describe(`bad input never hurts: users and tokens (fast-check seed ${SEED})`, () => {
  const h = badInputApp();
  endpointTests(h, 'users');
});
