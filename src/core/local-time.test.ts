import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from './errors.js';
import { formatLocalTime, localZoneName, parseTime } from './local-time.js';

// Node reads TZ when it changes: every case below is in New York (EST -05:00, EDT -04:00).
process.env.TZ = 'America/New_York';

describe('parseTime in America/New_York', () => {
  it('uses the zone that TZ names', () => assert.equal(localZoneName(), 'America/New_York'));

  const good: [string, string][] = [
    ['2027-01-02T10:00', '2027-01-02T15:00:00.000Z'], // no offset: New York's wall clock (EST), not UTC
    ['2027-07-02T10:00', '2027-07-02T14:00:00.000Z'], // summer: EDT
    ['2027-01-02 10:00:30.25', '2027-01-02T15:00:30.250Z'],
    ['2027-01-02', '2027-01-02T05:00:00.000Z'], // a date alone: local midnight
    ['2027-01-02T10:00:00Z', '2027-01-02T10:00:00.000Z'],
    ['2027-01-02T10:00z', '2027-01-02T10:00:00.000Z'],
    ['2027-01-02T10:00:00+02:00', '2027-01-02T08:00:00.000Z'],
    ['2027-01-02T10:00-0530', '2027-01-02T15:30:00.000Z'],
    ['  2027-01-02T10:00Z ', '2027-01-02T10:00:00.000Z'],
    ['2027-03-14T03:30', '2027-03-14T07:30:00.000Z'], // just after the spring-forward gap
    ['2027-11-07T01:30-04:00', '2027-11-07T05:30:00.000Z'], // the repeated hour, with an offset: fine
    ['2027-02-28T23:59:59', '2027-03-01T04:59:59.000Z'],
    ['2028-02-29', '2028-02-29T05:00:00.000Z'],
  ];
  for (const [text, iso] of good) it(`${text} is ${iso}`, () => assert.equal(new Date(parseTime(text, '--x')).toISOString(), iso));

  const bad: [string, RegExp][] = [
    ['2027-03-14T02:30', /does not exist in America\/New_York .*give an offset/], // spring forward: 02:00 → 03:00
    ['2027-11-07T01:30', /happens twice in America\/New_York .*2027-11-07 01:30-04:00 or 2027-11-07 01:30-05:00/],
    ['tomorrow', /not an ISO 8601 time/],
    ['2027-13-01', /not a valid date/],
    ['2027-02-30', /not a valid date/],
    ['2027-02-29', /not a valid date/],
    ['2027-05-01T24:00', /not a valid date/],
    ['2027-05-01T18:60', /not a valid date/],
    ['2027-05-01T25:00:00Z', /not a valid date/],
    ['2027-05-01T18:00+19:00', /offset beyond/],
    ['1714586400', /not an ISO 8601 time/],
    ['2027-05-01T18', /not an ISO 8601 time/],
    ['2027-05-01Z', /not an ISO 8601 time/],
    ['', /not an ISO 8601 time/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${JSON.stringify(text)}, naming the flag`, () => {
      assert.throws(() => parseTime(text, '--ends-at'), (e: AppError) => e.status === 400 && e.message.startsWith('--ends-at:') && message.test(e.message));
    });
  }

  it('over HTTP, refuses a time without an offset instead of assuming a zone', () => {
    assert.throws(() => parseTime('2027-01-02T10:00', 'startsAt', { requireOffset: true }), /startsAt: .*needs an offset/);
    assert.equal(parseTime('2027-01-02T10:00Z', 'startsAt', { requireOffset: true }), Date.UTC(2027, 0, 2, 10));
  });
});

describe('formatLocalTime in America/New_York', () => {
  const cases: [string, string][] = [
    ['2027-01-02T15:00:00.000Z', '2027-01-02 10:00-05:00'],
    ['2027-07-02T14:00:00.000Z', '2027-07-02 10:00-04:00'],
    ['2027-01-02T15:00:30.000Z', '2027-01-02 10:00:30-05:00'],
    ['2027-11-07T05:30:00.000Z', '2027-11-07 01:30-04:00'],
    ['2027-11-07T06:30:00.000Z', '2027-11-07 01:30-05:00'],
  ];
  for (const [iso, text] of cases) {
    it(`${iso} prints as ${text}, and reads back to the same instant`, () => {
      assert.equal(formatLocalTime(Date.parse(iso)), text);
      assert.equal(parseTime(text, '--x'), Date.parse(iso));
    });
  }
});
