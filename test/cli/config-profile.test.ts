/** TIMEPORT_PROFILE, TIMEPORT_IMPORT_ANSWER and TIMEPORT_LINK_STYLE as readConfig reads them (README, "Configuration"). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readConfig } from '../../src/config.js';

describe('the live profile and its switches', () => {
  it('defaults to the reference behaviour: an object, absolute links, no rate limit', () => {
    const config = readConfig({});
    assert.deepEqual(
      [config.profile, config.importAnswer, config.linkStyle, config.rateLimit],
      ['standard', 'object', 'absolute', undefined],
    );
  });

  it('TIMEPORT_PROFILE=live turns on the array answer, scheme-less links and 10 requests a second per token', () => {
    const config = readConfig({ TIMEPORT_PROFILE: 'live' });
    assert.deepEqual(
      [config.profile, config.importAnswer, config.linkStyle, config.rateLimit],
      ['live', 'array', 'schemeless', { max: 10, windowMs: 1000 }],
    );
  });

  it('each variable wins over the profile, and each works alone', () => {
    const config = readConfig({
      TIMEPORT_PROFILE: 'live',
      TIMEPORT_IMPORT_ANSWER: 'object',
      TIMEPORT_LINK_STYLE: 'absolute',
      TIMEPORT_RATE_LIMIT: 'off',
    });
    assert.deepEqual([config.importAnswer, config.linkStyle, config.rateLimit], ['object', 'absolute', undefined]);
    assert.equal(readConfig({ TIMEPORT_IMPORT_ANSWER: 'array' }).importAnswer, 'array');
    assert.equal(readConfig({ TIMEPORT_LINK_STYLE: 'schemeless' }).linkStyle, 'schemeless');
  });

  it('refuses other values, naming the variable and the choices', () => {
    assert.throws(
      () => readConfig({ TIMEPORT_PROFILE: 'production' }),
      (error: unknown) => error instanceof ConfigError && error.message === 'TIMEPORT_PROFILE=production is not one of standard, live',
    );
    assert.throws(() => readConfig({ TIMEPORT_IMPORT_ANSWER: 'list' }), /TIMEPORT_IMPORT_ANSWER=list is not one of object, array/);
    assert.throws(() => readConfig({ TIMEPORT_LINK_STYLE: 'relative' }), /TIMEPORT_LINK_STYLE=relative is not one of absolute, schemeless/);
  });
});
