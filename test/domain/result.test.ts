import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accepted, allChecks, andThen, checkFields, refused, ruleResult } from '../../src/domain/result.js';

describe('Result and its combinators', () => {
  it('checkFields answers every value by field when all pass', () => {
    assert.deepEqual(checkFields({ a: accepted(1), b: accepted('x'), c: accepted(undefined) }), {
      ok: true,
      value: { a: 1, b: 'x', c: undefined },
    });
  });

  it('checkFields refuses with each failed field at once, in the order the checks are written', () => {
    const checked = checkFields({ z: refused('z is wrong'), a: accepted(1), m: refused('m is wrong') });
    assert.equal(checked.ok, false);
    if (!checked.ok) {
      assert.deepEqual(checked.error, { fieldErrors: { z: 'z is wrong', m: 'm is wrong' } });
      assert.deepEqual(Object.keys(checked.error.fieldErrors), ['z', 'm']);
    }
  });

  it('allChecks joins whole checks: the values in order, or every refusal with its messages', () => {
    assert.deepEqual(allChecks(checkFields({ a: accepted(1) }), accepted('two')), { ok: true, value: [{ a: 1 }, 'two'] });
    const joined = allChecks(
      refused({ fieldErrors: { a: 'first a', b: 'b' } }),
      accepted(3),
      refused({ fieldErrors: { c: 'c', a: 'second a' }, messages: ['general'] }),
    );
    assert.equal(joined.ok, false);
    if (!joined.ok) {
      assert.deepEqual(joined.error, { fieldErrors: { a: 'second a', b: 'b', c: 'c' }, messages: ['general'] });
      assert.deepEqual(Object.keys(joined.error.fieldErrors), ['a', 'b', 'c'], 'a field refused twice keeps its first place');
    }
    const withoutMessages = allChecks(refused({ fieldErrors: { a: 'a' } }));
    assert.ok(!withoutMessages.ok && !('messages' in withoutMessages.error), 'no messages unless a refusal has some');
  });

  it('andThen runs the next step on a value and passes a refusal through', () => {
    const positive = (n: number) => (n > 0 ? accepted(n) : refused('not positive'));
    assert.deepEqual(andThen(accepted(2), positive), { ok: true, value: 2 });
    assert.deepEqual(andThen(accepted(-1), positive), { ok: false, error: 'not positive' });
    assert.deepEqual(
      andThen(refused('unreadable'), () => assert.fail('not run on a refusal')),
      { ok: false, error: 'unreadable' },
    );
  });

  it('ruleResult lifts a rule that names its broken message', () => {
    assert.deepEqual(ruleResult(undefined), { ok: true, value: undefined });
    assert.deepEqual(ruleResult('too long'), { ok: false, error: 'too long' });
  });
});
