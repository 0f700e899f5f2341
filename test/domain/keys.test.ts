import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ISSUE_ID_PATTERN, LOGIN_PATTERN, QUEUE_KEY_PATTERN, issueKey, loginKey, parseIssueKey } from '../../src/domain/keys.js';

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const queueKey = fc
  .tuple(fc.constantFrom(...upper), fc.string({ unit: fc.constantFrom(...upper, ...'0123456789'.split('')), maxLength: 14 }))
  .map(([first, rest]) => first + rest);

describe('QUEUE_KEY_PATTERN', () => {
  for (const key of ['Q', 'QUEUE', 'TEST1', 'A1B2', 'ABCDEFGHIJKLMNO']) {
    it(`accepts ${key}`, () => assert.match(key, QUEUE_KEY_PATTERN));
  }
  for (const key of ['', 'queue', 'Queue', '1Q', 'ABCDEFGHIJKLMNOP', 'Q-1', 'Q_1', 'Q 1', 'ОЧЕРЕДЬ', 'Q\n']) {
    it(`refuses ${JSON.stringify(key)}`, () => assert.doesNotMatch(key, QUEUE_KEY_PATTERN));
  }
});

describe('parseIssueKey', () => {
  const cases: [string, { queueKey: string; number: number }][] = [
    ['QUEUE-12', { queueKey: 'QUEUE', number: 12 }],
    ['ISSUE-1', { queueKey: 'ISSUE', number: 1 }],
    ['queue-12', { queueKey: 'QUEUE', number: 12 }],
    ['QuEuE-7', { queueKey: 'QUEUE', number: 7 }],
    ['Q1-5', { queueKey: 'Q1', number: 5 }],
    ['Q-1', { queueKey: 'Q', number: 1 }],
    ['ABCDEFGHIJKLMNO-1', { queueKey: 'ABCDEFGHIJKLMNO', number: 1 }],
    ['Q-9999999999', { queueKey: 'Q', number: 9_999_999_999 }],
  ];
  for (const [text, expected] of cases) {
    it(`splits ${text}`, () => assert.deepEqual(parseIssueKey(text), expected));
  }

  const refusals = [
    '',
    'QUEUE',
    'QUEUE-',
    '-12',
    'QUEUE-0',
    'QUEUE-012',
    'QUEUE--1',
    'QUEUE-1a',
    'QUEUE-1.5',
    'QUEUE-+1',
    'QUEUE-12 ',
    ' QUEUE-12',
    'QUEUE-12\n',
    '1Q-1',
    'Q_1-1',
    'QU EUE-1',
    'ABCDEFGHIJKLMNOP-1',
    'Q-99999999999',
    'ОЧЕРЕДЬ-1',
    'QUEUE-1-2',
    '66e4a1b2c3d4e5f6a7b8c9d0',
  ];
  for (const text of refusals) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseIssueKey(text), undefined));
  }

  it('property: issueKey then parseIssueKey gives back the queue key and number', () => {
    fc.assert(
      fc.property(queueKey, fc.integer({ min: 1, max: 9_999_999_999 }), (queue, number) => {
        assert.match(queue, QUEUE_KEY_PATTERN);
        assert.deepEqual(parseIssueKey(issueKey(queue, number)), { queueKey: queue, number });
      }),
      { numRuns: 1000 },
    );
  });

  it('property: keys are matched without regard to case', () => {
    fc.assert(
      fc.property(queueKey, fc.integer({ min: 1, max: 1_000_000 }), fc.func(fc.boolean()), (queue, number, lower) => {
        const mixed = queue
          .split('')
          .map((char, i) => (lower(i) ? char.toLowerCase() : char))
          .join('');
        assert.deepEqual(parseIssueKey(`${mixed}-${number}`), { queueKey: queue, number });
      }),
    );
  });

  it('property: never throws, and answers only well-formed parts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        const result = parseIssueKey(text);
        if (result !== undefined) {
          assert.match(result.queueKey, QUEUE_KEY_PATTERN);
          assert.ok(Number.isSafeInteger(result.number) && result.number >= 1);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('issueKey', () => {
  it('joins queue key and number with a hyphen', () => {
    assert.equal(issueKey('QUEUE', 12), 'QUEUE-12');
  });
});

describe('ISSUE_ID_PATTERN', () => {
  it('accepts 24 lowercase hex digits and nothing else', () => {
    assert.match('66e4a1b2c3d4e5f6a7b8c9d0', ISSUE_ID_PATTERN);
    for (const bad of [
      '66E4A1B2C3D4E5F6A7B8C9D0',
      '66e4a1b2c3d4e5f6a7b8c9d',
      '66e4a1b2c3d4e5f6a7b8c9d00',
      'g6e4a1b2c3d4e5f6a7b8c9d0',
      'QUEUE-1',
      '',
    ]) {
      assert.doesNotMatch(bad, ISSUE_ID_PATTERN);
    }
  });
});

describe('LOGIN_PATTERN and loginKey', () => {
  it('accepts logins of 1 to 64 letters, digits, dots, hyphens and underscores, starting with a letter or digit', () => {
    for (const login of ['a', 'alice', 'Alice.Smith', 'bob_1', 'j-doe', '1user', 'x'.repeat(64)]) {
      assert.match(login, LOGIN_PATTERN, login);
    }
    for (const login of ['', '.alice', '-bob', '_x', 'x'.repeat(65), 'al ice', 'алиса', 'a@b', 'a\n']) {
      assert.doesNotMatch(login, LOGIN_PATTERN, JSON.stringify(login));
    }
  });

  it('loginKey folds case', () => {
    assert.equal(loginKey('Alice.Smith'), 'alice.smith');
    assert.equal(loginKey('ALICE'), loginKey('alice'));
  });
});
