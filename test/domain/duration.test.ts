import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  MAX_DURATION_SECONDS,
  SECONDS_PER_BUSINESS_DAY,
  SECONDS_PER_BUSINESS_WEEK,
  SECONDS_PER_HOUR,
  SECONDS_PER_MINUTE,
  formatBusinessDuration,
  normaliseBusinessDuration,
  parseBusinessDuration,
} from '../../src/domain/duration.js';
import { expectParsed, expectRefused } from './helpers.js';

const H = 3600;
const D = 8 * H;
const W = 5 * D;

/** Tracker's canonical output form, with every part below its next unit and no zero parts. */
const CANONICAL = /^P(?:([1-9]\d*)W)?(?:([1-4])D)?(?:T(?:([1-7])H)?(?:([1-9]|[1-5]\d)M)?(?:([1-9]|[1-5]\d)S)?)?$/;

function isCanonical(text: string): boolean {
  if (text === 'PT0S') return true;
  const match = CANONICAL.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) return false;
  return match.slice(1).some((part) => part !== undefined);
}

describe('business calendar constants', () => {
  it('counts a day as 8 hours and a week as 5 days', () => {
    assert.equal(SECONDS_PER_MINUTE, 60);
    assert.equal(SECONDS_PER_HOUR, 3600);
    assert.equal(SECONDS_PER_BUSINESS_DAY, 8 * 3600);
    assert.equal(SECONDS_PER_BUSINESS_WEEK, 5 * 8 * 3600);
    assert.equal(MAX_DURATION_SECONDS, 2 ** 31 - 1);
  });
});

describe('normaliseBusinessDuration: documented normalisations', () => {
  const cases: [string, string][] = [
    ['P5D', 'P1W'],
    ['PT520M', 'P1DT40M'],
    ['P0Y0M30DT2H10M25S', 'P6WT2H10M25S'],
    ['P5DT20M', 'P1WT20M'],
    ['PT1H', 'PT1H'],
    ['P6W', 'P6W'],
    ['PT300M', 'PT5H'],
    ['PT25S', 'PT25S'],
    ['P3W', 'P3W'],
    ['P1DT1H', 'P1DT1H'],
    ['PT8H', 'P1D'],
    ['PT40H', 'P1W'],
    ['PT60M', 'PT1H'],
    ['PT60S', 'PT1M'],
    ['PT3600S', 'PT1H'],
    ['PT90M', 'PT1H30M'],
    ['PT61S', 'PT1M1S'],
    ['P1W5D', 'P2W'],
    ['P0W1D', 'P1D'],
    ['P0Y1D', 'P1D'],
    ['P0M1D', 'P1D'],
    ['PT0H0M1S', 'PT1S'],
    ['P1WT1S', 'P1WT1S'],
    ['P1W1DT1H1M1S', 'P1W1DT1H1M1S'],
    ['P4DT7H59M59S', 'P4DT7H59M59S'],
    ['P4DT7H59M60S', 'P1W'],
    ['PT0001H', 'PT1H'],
    ['P000000000005D', 'P1W'],
  ];
  for (const [sent, returned] of cases) {
    it(`${sent} → ${returned}`, () => {
      assert.equal(expectParsed(normaliseBusinessDuration(sent), sent), returned);
    });
  }
});

describe('parseBusinessDuration: values', () => {
  const cases: [string, number][] = [
    ['PT1S', 1],
    ['PT25S', 25],
    ['PT1M', 60],
    ['PT1H', H],
    ['P1D', D],
    ['P1W', W],
    ['P6W', 30 * D],
    ['PT300M', 5 * H],
    ['PT520M', 520 * 60],
    ['P0Y0M30DT2H10M25S', 30 * D + 2 * H + 10 * 60 + 25],
    ['P5DT20M', 5 * D + 20 * 60],
    ['P0Y0M1D', D],
    ['P2W3DT4H5M6S', 2 * W + 3 * D + 4 * H + 5 * 60 + 6],
  ];
  for (const [text, seconds] of cases) {
    it(`${text} = ${seconds} s`, () => {
      assert.equal(expectParsed(parseBusinessDuration(text), text), seconds);
    });
  }

  it('accepts exactly the maximum, 2^31 - 1 seconds', () => {
    assert.equal(expectParsed(parseBusinessDuration('PT2147483647S')), MAX_DURATION_SECONDS);
    assert.equal(expectParsed(parseBusinessDuration(formatBusinessDuration(MAX_DURATION_SECONDS))), MAX_DURATION_SECONDS);
  });

  it('accepts the maximum written in mixed units', () => {
    const weeks = Math.floor(MAX_DURATION_SECONDS / W);
    const rest = MAX_DURATION_SECONDS - weeks * W;
    assert.equal(expectParsed(parseBusinessDuration(`P${weeks}WT${rest}S`)), MAX_DURATION_SECONDS);
  });
});

describe('parseBusinessDuration: refusals', () => {
  const refusals: [string, string][] = [
    ['PT0S', 'zero seconds'],
    ['P0D', 'zero days'],
    ['P0W', 'zero weeks'],
    ['PT0H0M0S', 'zero in every unit'],
    ['P0Y0M0DT0H0M0S', 'zero with Y and M'],
    ['P0Y', 'zero years only'],
    ['P0M', 'zero months only'],
    ['-PT1H', 'negative'],
    ['P-1D', 'negative part'],
    ['PT-1H', 'negative time part'],
    ['+PT1H', 'explicit plus'],
    ['PT+1H', 'plus inside'],
    ['PT1.5H', 'fraction with a dot'],
    ['PT1,5H', 'fraction with a comma'],
    ['P1.5D', 'fractional days'],
    ['PT0.5S', 'fractional seconds'],
    ['PT1.H', 'dot without fraction digits'],
    ['PT.5H', 'fraction without integer digits'],
    ['P1M', 'non-zero months'],
    ['P1Y', 'non-zero years'],
    ['P1Y1D', 'non-zero years with days'],
    ['P0Y1M1D', 'non-zero months with days'],
    ['P1YT1H', 'years with hours'],
    ['', 'empty'],
    ['P', 'P alone'],
    ['PT', 'PT alone'],
    ['P1DT', 'dangling T'],
    ['P1WT', 'dangling T after weeks'],
    ['T1H', 'no P'],
    ['1H', 'no designators'],
    ['3600', 'bare number'],
    ['pt1h', 'lowercase'],
    ['Pt1H', 'lowercase t'],
    ['PT1h', 'lowercase h'],
    ['p1d', 'lowercase p'],
    [' PT1H', 'leading space'],
    ['PT1H ', 'trailing space'],
    ['PT1H\n', 'trailing newline'],
    ['\nPT1H', 'leading newline'],
    ['PT 1H', 'inner space'],
    ['P T1H', 'space before T'],
    ['\tPT1H', 'leading tab'],
    ['PT1M1H', 'units out of order'],
    ['PT1S1M', 'seconds before minutes'],
    ['P1D1W', 'days before weeks'],
    ['PT1H1H', 'unit repeated'],
    ['P1H', 'hours before T (the doc slip)'],
    ['PT1D', 'days after T'],
    ['PT1W', 'weeks after T'],
    ['P1S', 'seconds before T'],
    ['PTH', 'designator without number'],
    ['PT1', 'number without designator'],
    ['P1', 'number without designator, no T'],
    ['PT2147483648S', 'one second over 2^31 - 1'],
    ['P14914W', 'weeks over the maximum'],
    ['P999999999999W', 'twelve digits of weeks'],
    ['PT9999999999999S', 'thirteen digits'],
    ['PT' + '9'.repeat(400) + 'S', 'four hundred digits'],
    ['P' + '1'.repeat(10_000) + 'D', 'ten thousand digits'],
    ['PT' + '0'.repeat(13) + '1S', 'leading zeros beyond twelve digits'],
    ['P1W1D1H', 'hours without T'],
    ['PT1HT1M', 'two Ts'],
    ['PP1D', 'two Ps'],
    ['P１D', 'full-width digit'],
    ['P١D', 'Arabic-Indic digit'],
    ['PT1e3S', 'exponent'],
    ['PT0x10S', 'hex'],
    ['PT1_000S', 'digit separator'],
    ['PT1H\u0000', 'NUL'],
    ['null', 'garbage'],
    ['undefined', 'garbage'],
    ['1 hour', 'prose'],
    ['01:00:00', 'clock form'],
    ['R5/PT1H', 'repeating interval'],
    ['2021-09-21T15:30:00Z/PT1H', 'interval with start'],
    ['P1W\u200b', 'zero-width space'],
    ['ＰT1H', 'full-width P'],
  ];
  for (const [text, why] of refusals) {
    it(`refuses ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)} (${why})`, () => {
      let result: ReturnType<typeof parseBusinessDuration> | undefined;
      assert.doesNotThrow(() => {
        result = parseBusinessDuration(text);
      });
      expectRefused(result!, text);
      const normalised = normaliseBusinessDuration(text);
      assert.equal(normalised.ok, false, 'normalise refuses what parse refuses');
    });
  }

  it('explains a fractional value as fractional', () => {
    assert.match(expectRefused(parseBusinessDuration('PT1.5H')), /fraction/i);
    assert.match(expectRefused(parseBusinessDuration('PT1,5H')), /fraction/i);
  });

  it('explains zero as zero', () => {
    assert.match(expectRefused(parseBusinessDuration('PT0S')), /zero/i);
    assert.match(expectRefused(parseBusinessDuration('P0D')), /zero/i);
  });

  it('explains months and years as unsupported', () => {
    assert.match(expectRefused(parseBusinessDuration('P1M')), /month/i);
    assert.match(expectRefused(parseBusinessDuration('P1Y')), /year/i);
  });

  it('explains over-long values as too long', () => {
    assert.match(expectRefused(parseBusinessDuration('PT2147483648S')), /too long/i);
    assert.match(expectRefused(parseBusinessDuration('PT' + '9'.repeat(400) + 'S')), /too long/i);
  });

  it('does not confuse PT1M (a minute) with P1M (a month)', () => {
    assert.equal(expectParsed(parseBusinessDuration('PT1M')), 60);
    expectRefused(parseBusinessDuration('P1M'));
  });
});

describe('formatBusinessDuration', () => {
  const cases: [number, string][] = [
    [0, 'PT0S'],
    [1, 'PT1S'],
    [59, 'PT59S'],
    [60, 'PT1M'],
    [61, 'PT1M1S'],
    [H, 'PT1H'],
    [H + 1, 'PT1H1S'],
    [7 * H, 'PT7H'],
    [D, 'P1D'],
    [D - 1, 'PT7H59M59S'],
    [W, 'P1W'],
    [W - 1, 'P4DT7H59M59S'],
    [W + 20 * 60, 'P1WT20M'],
    [D + 40 * 60, 'P1DT40M'],
    [30 * D, 'P6W'],
    [W + D, 'P1W1D'],
    [W + 1, 'P1WT1S'],
    [MAX_DURATION_SECONDS, 'P14913WT3H14M7S'],
  ];
  for (const [seconds, text] of cases) {
    it(`${seconds} s → ${text}`, () => {
      assert.equal(formatBusinessDuration(seconds), text);
    });
  }

  it('throws a RangeError for negative, fractional or unsafe numbers (a programming error)', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
      assert.throws(() => formatBusinessDuration(bad), RangeError, String(bad));
    }
  });

  it('never writes Y or month designators', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_DURATION_SECONDS }), (seconds) => {
        const text = formatBusinessDuration(seconds);
        assert.doesNotMatch(text, /Y/);
        assert.doesNotMatch(text.split('T')[0]!, /M/);
      }),
    );
  });
});

describe('duration properties', () => {
  const seconds = fc.integer({ min: 1, max: MAX_DURATION_SECONDS });
  // Values clustered around the unit boundaries, where off-by-one mistakes live.
  const nearBoundaries = fc
    .tuple(fc.integer({ min: 0, max: 14913 }), fc.constantFrom(0, 1, 60, H, D, W), fc.integer({ min: -2, max: 2 }))
    .map(([weeks, unit, delta]) => weeks * W + unit + delta)
    .filter((n) => n >= 1 && n <= MAX_DURATION_SECONDS);
  const anySeconds = fc.oneof(seconds, nearBoundaries, fc.integer({ min: 1, max: 10 * W }));

  it('format then parse gives back any whole seconds in [1, MAX]', () => {
    fc.assert(
      fc.property(anySeconds, (n) => {
        assert.equal(expectParsed(parseBusinessDuration(formatBusinessDuration(n))), n);
      }),
      { numRuns: 2000 },
    );
  });

  it('format always writes the canonical form', () => {
    fc.assert(
      fc.property(anySeconds, (n) => {
        const text = formatBusinessDuration(n);
        assert.ok(isCanonical(text), `${n} formatted as non-canonical ${text}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('canonical form is unique: parse then format gives back any canonical string', () => {
    const canonical = fc
      .record({
        w: fc.option(fc.integer({ min: 1, max: 14000 }), { nil: undefined }),
        d: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        h: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
        m: fc.option(fc.integer({ min: 1, max: 59 }), { nil: undefined }),
        s: fc.option(fc.integer({ min: 1, max: 59 }), { nil: undefined }),
      })
      .filter((r) => Object.values(r).some((v) => v !== undefined))
      .map(({ w, d, h, m, s }) => {
        const date = (w ? `${w}W` : '') + (d ? `${d}D` : '');
        const time = (h ? `${h}H` : '') + (m ? `${m}M` : '') + (s ? `${s}S` : '');
        return `P${date}${time ? `T${time}` : ''}`;
      });
    fc.assert(
      fc.property(canonical, (text) => {
        assert.equal(expectParsed(normaliseBusinessDuration(text), text), text);
      }),
      { numRuns: 1000 },
    );
  });

  /** Any valid spelling of a duration: each part optional, zero Y/M optional, leading zeros allowed. */
  const part = (max: number) =>
    fc.option(
      fc.tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max: 3 })).map(([value, zeros]) => {
        const digits = String(value);
        return { value, text: '0'.repeat(Math.min(zeros, 12 - digits.length)) + digits };
      }),
      { nil: undefined },
    );
  const spelling = fc.record({
    y: fc.option(fc.constantFrom('0', '00', '000000000000'), { nil: undefined }),
    mo: fc.option(fc.constantFrom('0', '00'), { nil: undefined }),
    w: part(20_000),
    d: part(100_000),
    h: part(1_000_000),
    m: part(50_000_000),
    s: part(3_000_000_000),
  });

  it('any valid component combination parses to the arithmetic sum (or a refusal when zero or too long)', () => {
    fc.assert(
      fc.property(spelling, ({ y, mo, w, d, h, m, s }) => {
        const date =
          (y !== undefined ? `${y}Y` : '') + (mo !== undefined ? `${mo}M` : '') + (w ? `${w.text}W` : '') + (d ? `${d.text}D` : '');
        const time = (h ? `${h.text}H` : '') + (m ? `${m.text}M` : '') + (s ? `${s.text}S` : '');
        const text = `P${date}${time ? `T${time}` : ''}`;
        const anyPart = [y, mo, w, d, h, m, s].some((p) => p !== undefined);
        const sum = (w?.value ?? 0) * W + (d?.value ?? 0) * D + (h?.value ?? 0) * H + (m?.value ?? 0) * 60 + (s?.value ?? 0);
        const result = parseBusinessDuration(text);
        if (anyPart && sum >= 1 && sum <= MAX_DURATION_SECONDS) {
          assert.equal(expectParsed(result, text), sum);
          assert.equal(expectParsed(normaliseBusinessDuration(text), text), formatBusinessDuration(sum));
        } else {
          expectRefused(result, text);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('small valid combinations parse to the arithmetic sum', () => {
    // The same property restricted to small values, so most cases are accepted ones.
    const small = fc.record({
      zeroYM: fc.boolean(),
      w: fc.nat(50),
      d: fc.nat(50),
      h: fc.nat(100),
      m: fc.nat(1000),
      s: fc.nat(10_000),
    });
    fc.assert(
      fc.property(small, ({ zeroYM, w, d, h, m, s }) => {
        const text = `P${zeroYM ? '0Y0M' : ''}${w}W${d}DT${h}H${m}M${s}S`;
        const sum = w * W + d * D + h * H + m * 60 + s;
        if (sum === 0) expectRefused(parseBusinessDuration(text), text);
        else assert.equal(expectParsed(parseBusinessDuration(text), text), sum);
      }),
      { numRuns: 1000 },
    );
  });

  it('normalising twice equals normalising once', () => {
    const inputs = fc.oneof(
      anySeconds.map(formatBusinessDuration),
      fc
        .tuple(fc.nat(100), fc.nat(100), fc.nat(100), fc.nat(10_000), fc.nat(100_000))
        .map(([w, d, h, m, s]) => `P${w}W${d}DT${h}H${m}M${s}S`),
      fc.string({ unit: fc.constantFrom(...'PYMWDTHS0123456789'.split('')) }),
    );
    fc.assert(
      fc.property(inputs, (text) => {
        const once = normaliseBusinessDuration(text);
        if (!once.ok) return;
        assert.deepEqual(normaliseBusinessDuration(once.value), once);
        assert.equal(expectParsed(parseBusinessDuration(once.value)), expectParsed(parseBusinessDuration(text)));
      }),
      { numRuns: 2000 },
    );
  });

  /** parseBusinessDuration never throws and always answers one of the two well-formed shapes. */
  function assertWellFormed(text: string): void {
    let result: ReturnType<typeof parseBusinessDuration> | undefined;
    assert.doesNotThrow(
      () => {
        result = parseBusinessDuration(text);
      },
      `threw for ${JSON.stringify(text)}`,
    );
    if (result!.ok) {
      assert.deepEqual(Object.keys(result!).sort(), ['ok', 'value']);
      assert.ok(Number.isSafeInteger(result!.value), `not a safe integer for ${JSON.stringify(text)}`);
      assert.ok(result!.value >= 1 && result!.value <= MAX_DURATION_SECONDS, `out of range for ${JSON.stringify(text)}`);
    } else {
      assert.deepEqual(Object.keys(result!).sort(), ['error', 'ok']);
      assert.equal(typeof result!.error, 'string');
      assert.ok(result!.error.length > 0);
    }
  }

  it('never throws on any ASCII string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), assertWellFormed), { numRuns: 3000 });
  });

  it('never throws on any Unicode string (full code point range)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), assertWellFormed), { numRuns: 3000 });
  });

  it('never throws on any grapheme string', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), assertWellFormed), { numRuns: 1000 });
  });

  it('never throws on strings built from the duration alphabet', () => {
    const alphabet = fc.constantFrom(...'PYMWDTHS0123456789.,-+ '.split(''));
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 40 }), assertWellFormed), { numRuns: 5000 });
  });

  it('never throws on near-valid strings: P-prefixed alphabet strings with long digit runs', () => {
    const token = fc.oneof(
      fc.constantFrom(...'YMWDTHS.,-+ '.split('')),
      fc
        .integer({ min: 1, max: 40 })
        .chain((n) => fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: n, maxLength: n })),
    );
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 12 }).map((tokens) => 'P' + tokens.join('')),
        assertWellFormed,
      ),
      { numRuns: 5000 },
    );
  });

  it('refuses anything with characters outside the duration alphabet', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 20 }).filter((text) => /[^PYMWDTHS0-9]/.test(text)),
        (text) => {
          expectRefused(parseBusinessDuration(text), text);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses any lowercased valid duration', () => {
    fc.assert(
      fc.property(anySeconds, (n) => {
        const text = formatBusinessDuration(n).toLowerCase();
        expectRefused(parseBusinessDuration(text), text);
      }),
    );
  });

  it('refuses any valid duration padded with whitespace', () => {
    fc.assert(
      fc.property(anySeconds, fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003'), fc.boolean(), (n, space, before) => {
        const canonical = formatBusinessDuration(n);
        const text = before ? space + canonical : canonical + space;
        expectRefused(parseBusinessDuration(text), text);
      }),
    );
  });

  it('refuses any negated valid duration', () => {
    fc.assert(
      fc.property(anySeconds, (n) => {
        expectRefused(parseBusinessDuration('-' + formatBusinessDuration(n)));
      }),
    );
  });

  it('refuses any non-zero months or years', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom('Y', 'M'), fc.nat(1000), (n, unit, days) => {
        const text = `P${n}${unit}${days ? `${days}D` : ''}`;
        expectRefused(parseBusinessDuration(text), text);
      }),
    );
  });

  it('refuses any total over 2^31 - 1 seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_DURATION_SECONDS + 1, max: 999_999_999_999 }), (n) => {
        expectRefused(parseBusinessDuration(`PT${n}S`));
      }),
    );
  });
});
