import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CATALOGUES,
  type CatalogueName,
  DEFAULT_ISSUE_TYPE,
  DEFAULT_PRIORITY,
  INITIAL_STATUS,
  catalogueEntryByKey,
  findCatalogueEntry,
} from '../../src/domain/catalogue.js';

const NAMES = Object.keys(CATALOGUES) as CatalogueName[];

describe('CATALOGUES', () => {
  it('has the four catalogues', () => {
    assert.deepEqual([...NAMES].sort(), ['issuetypes', 'priorities', 'resolutions', 'statuses']);
  });

  for (const name of NAMES) {
    it(`${name}: ids and keys are unique, ids are positive integers, displays are non-empty`, () => {
      const entries = CATALOGUES[name];
      assert.ok(entries.length > 0);
      assert.equal(new Set(entries.map((e) => e.id)).size, entries.length);
      assert.equal(new Set(entries.map((e) => e.key)).size, entries.length);
      for (const entry of entries) {
        assert.ok(Number.isSafeInteger(entry.id) && entry.id > 0);
        assert.ok(entry.key.length > 0);
        assert.ok(entry.display.length > 0);
        // A key that looked like an id would make string look-ups ambiguous.
        assert.doesNotMatch(entry.key, /^\d+$/);
      }
    });
  }

  it('the defaults name existing entries', () => {
    assert.equal(catalogueEntryByKey('statuses', INITIAL_STATUS).key, 'open');
    assert.equal(catalogueEntryByKey('issuetypes', DEFAULT_ISSUE_TYPE).key, 'task');
    assert.equal(catalogueEntryByKey('priorities', DEFAULT_PRIORITY).key, 'normal');
  });
});

describe('findCatalogueEntry', () => {
  it('finds by key', () => {
    assert.equal(findCatalogueEntry('statuses', 'inProgress')?.id, 2);
    assert.equal(findCatalogueEntry('priorities', 'critical')?.id, 4);
    assert.equal(findCatalogueEntry('resolutions', "won'tFix")?.id, 2);
  });

  it('finds by numeric id', () => {
    assert.equal(findCatalogueEntry('issuetypes', 1)?.key, 'bug');
    assert.equal(findCatalogueEntry('resolutions', 5)?.key, 'later');
  });

  it('finds by id written as digits', () => {
    assert.equal(findCatalogueEntry('statuses', '3')?.key, 'needInfo');
  });

  it('finds by an object with key or id, as the official client sends', () => {
    assert.equal(findCatalogueEntry('priorities', { key: 'blocker' })?.id, 5);
    assert.equal(findCatalogueEntry('priorities', { id: 5 })?.key, 'blocker');
    assert.equal(findCatalogueEntry('priorities', { id: '5' })?.key, 'blocker');
    assert.equal(findCatalogueEntry('priorities', { id: 5, display: 'Blocker', self: 'https://x/v3/priorities/5' })?.key, 'blocker');
  });

  it('prefers the key when an object has both key and id', () => {
    assert.equal(findCatalogueEntry('statuses', { key: 'closed', id: 1 })?.id, 5);
  });

  it('uses the id when the object key is undefined', () => {
    assert.equal(findCatalogueEntry('statuses', { key: undefined, id: 4 })?.key, 'resolved');
  });

  const misses: [string, unknown][] = [
    ['an unknown key', 'nope'],
    ['a key in the wrong case', 'Open'],
    ['a display name', 'In progress'],
    ['a key from another catalogue', 'bug'],
    ['id 0', 0],
    ['an id past the end', 6],
    ['a negative id', -1],
    ['a fractional id', 1.5],
    ['NaN', Number.NaN],
    ['digits with padding', ' 1'],
    ['digits with a leading zero', '01'],
    ['an empty string', ''],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an array', [1]],
    ['an empty object', {}],
    ['an object with only display', { display: 'Open' }],
    ['an object with an unknown key', { key: 'nope', id: 1 }],
    ['an object with an unknown id', { id: 99 }],
  ];
  for (const [why, reference] of misses) {
    it(`finds nothing for ${why}`, () => {
      assert.equal(findCatalogueEntry('statuses', reference), undefined);
    });
  }

  it('property: every entry is found by each way of naming it', () => {
    const entryRef = fc.constantFrom(...NAMES).chain((name) => fc.constantFrom(...CATALOGUES[name]).map((entry) => ({ name, entry })));
    fc.assert(
      fc.property(entryRef, ({ name, entry }) => {
        for (const reference of [entry.key, entry.id, String(entry.id), { key: entry.key }, { id: entry.id }, { id: String(entry.id) }]) {
          assert.equal(findCatalogueEntry(name, reference), entry, JSON.stringify(reference));
        }
      }),
    );
  });

  it('property: never throws, and answers undefined or an entry of that catalogue', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), fc.anything(), (name, reference) => {
        const found = findCatalogueEntry(name, reference);
        if (found !== undefined) assert.ok(CATALOGUES[name].includes(found));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('catalogueEntryByKey', () => {
  it('answers the entry for a stored key and throws for an unknown one', () => {
    assert.equal(catalogueEntryByKey('resolutions', 'duplicate').id, 3);
    assert.throws(() => catalogueEntryByKey('resolutions', 'nope'), /unknown resolutions key/);
  });
});
