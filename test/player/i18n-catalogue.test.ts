import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAGE_LANGUAGES } from '../../src/core/events/event-branding.js';
import { CATALOGUES, format, LANGUAGES } from '../../src/player/i18n/catalogue.js';

describe('the viewer page catalogue', () => {
  const reference = Object.keys(CATALOGUES.en).sort();

  for (const language of LANGUAGES) {
    it(`${language}: has every key of the English catalogue and no other, each a non-empty text with the same placeholders`, () => {
      const catalogue: Record<string, string> = CATALOGUES[language];
      assert.deepEqual(Object.keys(catalogue).sort(), reference);
      for (const key of reference) {
        assert.ok(catalogue[key]!.trim().length > 0, `${language}.${key} is empty`);
        const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
        assert.deepEqual(placeholders(catalogue[key]!), placeholders((CATALOGUES.en as Record<string, string>)[key]!), `${language}.${key}: placeholders`);
      }
    });
  }

  it('offers exactly the languages an event may choose as its default', () => {
    assert.deepEqual([...LANGUAGES].sort(), [...PAGE_LANGUAGES].sort());
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    assert.equal(format('Starts in {countdown}', { countdown: '5s' }), 'Starts in 5s');
    assert.equal(format('{x} and {y}', { x: 1 }), '1 and {y}');
  });
});
