import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { pngOfSize, SVG, TINY_PNG, WEBP_START } from '../helpers/images.js';

describe('streamgate events create|update: the watch page', () => {
  it('sets description, organiser, poster, logo, accent and language; stores images by content; "none" clears', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const poster = path.join(dataDir, 'poster.bin'); // the name says nothing: the bytes decide
    fs.writeFileSync(poster, TINY_PNG);
    const logo = path.join(dataDir, 'logo.webp');
    fs.writeFileSync(logo, WEBP_START);
    const created = await runCli(
      ['events', 'create', '--title', 'Gala', '--description', 'A night at the opera', '--organiser', 'Staatsoper', '--poster', poster, '--logo', logo, '--accent', '#1A2B3C', '--language', 'de', '--json'],
      { dataDir },
    );
    assert.equal(created.code, 0, created.stderr);
    const branding = json(created).branding;
    assert.equal(branding.description, 'A night at the opera');
    assert.equal(branding.organiser, 'Staatsoper');
    assert.equal(branding.accent, '#1a2b3c');
    assert.equal(branding.language, 'de');
    assert.match(branding.posterUrl, /^\/branding\/[0-9a-f]{64}\.png$/);
    assert.match(branding.logoUrl, /^\/branding\/[0-9a-f]{64}\.webp$/);
    const stored = path.join(dataDir, 'branding', path.basename(branding.posterUrl));
    assert.deepEqual(fs.readFileSync(stored), TINY_PNG);

    const updated = json(await runCli(['events', 'update', 'gala', '--logo', 'none', '--organiser', '', '--language', 'es', '--json'], { dataDir })).branding;
    assert.deepEqual([updated.logoUrl, updated.organiser, updated.language, updated.posterUrl], [null, null, 'es', branding.posterUrl]);
    const shown = json(await runCli(['events', 'show', 'gala', '--json'], { dataDir })).branding;
    assert.deepEqual(shown, updated);
  });

  it('refuses an SVG, a file that is no image, too big a logo, a bad colour and an unknown language (exit 2), and creates nothing', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const file = (name: string, bytes: Buffer) => {
      const p = path.join(dataDir, name);
      fs.writeFileSync(p, bytes);
      return p;
    };
    const cases: [string[], RegExp][] = [
      [['--logo', file('logo.svg', SVG)], /--logo: not a PNG, JPEG or WebP image/],
      [['--poster', file('notes.txt', Buffer.from('not an image'))], /--poster: not a PNG, JPEG or WebP image/],
      [['--logo', file('big.png', pngOfSize(513 * 1024))], /--logo: .*too big; a logo is at most 512 KiB/],
      [['--poster', path.join(dataDir, 'missing.png')], /--poster: cannot read/],
      [['--accent', 'red'], /--accent: "red" is not a colour of the form #rrggbb/],
      [['--accent', '#12345'], /--accent/],
    ];
    for (const [flags, message] of cases) {
      const result = await runCli(['events', 'create', '--title', 'Bad', ...flags], { dataDir });
      assert.equal(result.code, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^streamgate: /);
      assert.match(result.stderr, message);
    }
    const language = await runCli(['events', 'create', '--title', 'Bad', '--language', 'it'], { dataDir });
    assert.equal(language.code, 2);
    assert.equal(json(await runCli(['events', 'list', '--json'], { dataDir })).filter((e: { id: string }) => e.id === 'bad').length, 0);
  });
});
