import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createApiKey } from '../../src/core/admin/api-keys.js';
import { checkBrandingImage, sniffImageType } from '../../src/core/events/branding-image.js';
import { pickLanguage } from '../../src/player/i18n/catalogue.js';
import { JPEG_START, pngOfSize, SVG, TINY_PNG, WEBP_START } from '../helpers/images.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

async function key(platform: TestPlatform): Promise<string> {
  return (await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'ops', scope: 'global' })).key;
}

async function call(platform: TestPlatform, method: string, pathname: string, options: { key?: string; json?: unknown; body?: Buffer; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  if (options.type) headers['content-type'] = options.type;
  const response = await fetch(`${platform.url}${pathname}`, {
    method,
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : null };
}

describe('branding images: type from the bytes, size limits', () => {
  it('reads PNG, JPEG and WebP by their magic bytes and nothing else', () => {
    assert.equal(sniffImageType(TINY_PNG), 'png');
    assert.equal(sniffImageType(JPEG_START), 'jpg');
    assert.equal(sniffImageType(WEBP_START), 'webp');
    assert.equal(sniffImageType(SVG), null);
    assert.equal(sniffImageType(Buffer.from('GIF89a')), null);
    assert.equal(sniffImageType(Buffer.alloc(0)), null);
  });

  it('refuses a logo over 512 KiB and a poster over 2 MiB', () => {
    assert.equal(checkBrandingImage('logo', pngOfSize(512 * 1024)), 'png');
    assert.throws(() => checkBrandingImage('logo', pngOfSize(512 * 1024 + 1)), { code: 'image_too_large' });
    assert.equal(checkBrandingImage('poster', pngOfSize(2 * 1024 * 1024)), 'png');
    assert.throws(() => checkBrandingImage('poster', pngOfSize(2 * 1024 * 1024 + 1)), { code: 'image_too_large' });
    assert.throws(() => checkBrandingImage('poster', SVG), { code: 'unsupported_image' });
  });
});

describe('page language', () => {
  it("takes the browser's first language the page speaks, else the event's default, else English", () => {
    assert.equal(pickLanguage(['de-DE', 'en'], 'fr'), 'de');
    assert.equal(pickLanguage(['it-IT', 'es-419'], 'fr'), 'es');
    assert.equal(pickLanguage(['it', 'pt-BR'], 'fr'), 'fr');
    assert.equal(pickLanguage(['it'], null), 'en');
    assert.equal(pickLanguage([], 'xx'), 'en');
  });
});

describe('admin API and public page: branding', () => {
  it('sets the fields with PATCH, uploads images as the request body, and the public page shows only what it needs', async (t) => {
    const platform = await startTestPlatform(t);
    const sk = await key(platform);
    const patched = await call(platform, 'PATCH', '/api/admin/events/conf', {
      key: sk,
      json: { description: 'An evening of Bach.\nDoors at 19:00.', organiser: 'Philharmonie', accent: '#C0392B', language: 'de' },
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.json.branding, {
      description: 'An evening of Bach.\nDoors at 19:00.', organiser: 'Philharmonie', posterUrl: null, logoUrl: null, accent: '#c0392b', language: 'de',
    });

    const poster = await call(platform, 'PUT', '/api/admin/events/conf/poster', { key: sk, body: TINY_PNG, type: 'image/png' });
    assert.equal(poster.status, 200);
    assert.match(poster.json.posterUrl, /^\/branding\/[0-9a-f]{64}\.png$/);
    const logo = await call(platform, 'PUT', '/api/admin/events/conf/logo', { key: sk, body: JPEG_START, type: 'application/octet-stream' });
    assert.match(logo.json.logoUrl, /^\/branding\/[0-9a-f]{64}\.jpg$/, 'the type comes from the bytes, not the header');

    const page = await call(platform, 'GET', '/api/events/conf/page');
    assert.equal(page.status, 200);
    assert.deepEqual(Object.keys(page.json).sort(), ['accent', 'description', 'id', 'language', 'logoUrl', 'organiser', 'over', 'posterUrl', 'public', 'startsAt', 'status', 'title']);
    assert.equal(page.json.title, 'Conf');
    assert.equal(page.json.posterUrl, poster.json.posterUrl);
    assert.equal(page.json.over, false);
    assert.doesNotMatch(JSON.stringify(page.json), /streamKey|rtmp|stats|codes/);

    const image = await fetch(`${platform.url}${page.json.posterUrl}`);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.equal(image.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), TINY_PNG);
    const file = path.join(platform.dataDir, 'branding', path.basename(page.json.posterUrl));
    assert.ok(fs.existsSync(file), 'stored in the data directory under its content hash');

    const removed = await call(platform, 'DELETE', '/api/admin/events/conf/logo', { key: sk });
    assert.equal(removed.json.logoUrl, null);
    assert.equal((await call(platform, 'GET', '/api/admin/events/conf', { key: sk })).json.branding.logoUrl, null);
  });

  it('refuses an SVG, a file that is no image, too big an image, a bad colour and an unknown language, changing nothing', async (t) => {
    const platform = await startTestPlatform(t);
    const sk = await key(platform);
    const svg = await call(platform, 'PUT', '/api/admin/events/conf/logo', { key: sk, body: SVG, type: 'image/svg+xml' });
    assert.equal(svg.status, 400);
    assert.equal(svg.json.error.code, 'unsupported_image');
    const text = await call(platform, 'PUT', '/api/admin/events/conf/poster', { key: sk, body: Buffer.from('hello, not an image'), type: 'image/png' });
    assert.equal(text.json.error.code, 'unsupported_image');
    const bigLogo = await call(platform, 'PUT', '/api/admin/events/conf/logo', { key: sk, body: pngOfSize(600 * 1024), type: 'image/png' });
    assert.equal(bigLogo.status, 400);
    assert.equal(bigLogo.json.error.code, 'image_too_large');
    const bigPoster = await call(platform, 'PUT', '/api/admin/events/conf/poster', { key: sk, body: pngOfSize(3 * 1024 * 1024), type: 'image/png' });
    assert.equal(bigPoster.status, 413);
    assert.equal(bigPoster.json.error.code, 'image_too_large');
    const colour = await call(platform, 'PATCH', '/api/admin/events/conf', { key: sk, json: { accent: 'red', title: 'Renamed' } });
    assert.equal(colour.status, 400);
    assert.match(colour.json.error.message, /accent/);
    const language = await call(platform, 'PATCH', '/api/admin/events/conf', { key: sk, json: { language: 'it' } });
    assert.equal(language.status, 400);
    const page = (await call(platform, 'GET', '/api/events/conf/page')).json;
    assert.equal(page.title, 'Conf', 'the refused PATCH changed nothing');
    assert.deepEqual([page.posterUrl, page.logoUrl, page.accent, page.language], [null, null, null, 'en']);
    assert.equal((await call(platform, 'PUT', '/api/admin/events/conf/poster', { body: TINY_PNG, type: 'image/png' })).status, 401, 'uploads need a key');
  });

  it('answers 404 for an unknown event and for any image name that is not a stored one', async (t) => {
    const platform = await startTestPlatform(t);
    assert.equal((await call(platform, 'GET', '/api/events/nope/page')).status, 404);
    assert.equal((await call(platform, 'GET', '/api/events/..%2Fconf/page')).status, 404);
    assert.equal((await fetch(`${platform.url}/branding/${'a'.repeat(64)}.png`)).status, 404);
    assert.equal((await fetch(`${platform.url}/branding/..%2Fsecret`)).status, 404);
    assert.equal((await fetch(`${platform.url}/branding/streamgate.db`)).status, 404);
  });

  it('says the event is over once its rewatch window has closed, or once it is archived', async (t) => {
    const platform = await startTestPlatform(t);
    const sk = await key(platform);
    const end = new Date(platform.now() + 3_600_000).toISOString();
    await call(platform, 'PATCH', '/api/admin/events/conf', { key: sk, json: { endsAt: end, rewatchHours: 1 } });
    assert.equal((await call(platform, 'GET', '/api/events/conf/page')).json.over, false);
    platform.advance(2 * 3_600_000 + 1_000);
    assert.equal((await call(platform, 'GET', '/api/events/conf/page')).json.over, true);
    assert.equal((await call(platform, 'POST', '/api/admin/events', { key: sk, json: { id: 'other', title: 'Other' } })).status, 201);
    assert.equal((await call(platform, 'GET', '/api/events/other/page')).json.over, false);
    await call(platform, 'POST', '/api/admin/events/other/archive', { key: sk });
    assert.equal((await call(platform, 'GET', '/api/events/other/page')).json.over, true);
  });
});

describe('embedding', () => {
  it('lets the configured origins frame /embed/:eventId and nothing else be framed', async (t) => {
    const platform = await startTestPlatform(t, { STREAMGATE_EMBED_ORIGINS: 'https://tickets.example.org, http://127.0.0.1:9' });
    const embed = await fetch(`${platform.url}/embed/conf`);
    assert.equal(embed.status, 200);
    const csp = embed.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'self' https:\/\/tickets\.example\.org http:\/\/127\.0\.0\.1:9(;|$)/);
    assert.equal((csp.match(/frame-ancestors/g) ?? []).length, 1);
    assert.equal(embed.headers.get('x-frame-options'), null);
    for (const pathname of ['/', '/watch/conf', '/admin']) {
      const response = await fetch(`${platform.url}${pathname}`);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'self'(;|$)/, pathname);
      assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN', pathname);
    }
  });
});
