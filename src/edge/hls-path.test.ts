import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseHlsPath, resolveInside } from './hls-path.js';

describe('parseHlsPath', () => {
  const accepted: [string, string][] = [
    ['/conf/index.m3u8', 'conf/index.m3u8'],
    ['/conf/720p/seg_00012.ts', 'conf/720p/seg_00012.ts'],
    ['/conf/init.mp4', 'conf/init.mp4'],
    ['/conf/a.m4s', 'conf/a.m4s'],
    ['/conf/subs/en.vtt', 'conf/subs/en.vtt'],
  ];
  for (const [raw, expected] of accepted) {
    it(`accepts ${raw}`, () => {
      const target = parseHlsPath(raw);
      assert.ok(target);
      assert.equal(`${target.eventId}/${target.relativePath}`, expected);
    });
  }

  const refused = [
    '/conf/../other/index.m3u8',
    '/conf/%2e%2e%2fother/index.m3u8',
    '/conf/..%2fother/index.m3u8',
    '/conf/%252e%252e/index.m3u8', // double encoding: decoded once it is still not a name
    '/conf/%5c..%5cindex.m3u8',
    '/conf/a\\..\\index.m3u8',
    '/conf/index.m3u8%00.ts',
    '/conf/.hidden.ts',
    '/conf/./index.m3u8',
    '/../secret',
    '/%2e%2e/index.m3u8',
    '/conf/secret.json',
    '/conf/index.M3U8.txt',
    '/conf/',
    '/conf',
    '/Conf/index.m3u8',
    '/conf/a/b/c/d/e/f.ts',
    '/conf/%E0%A4%A.ts',
  ];
  for (const raw of refused) it(`refuses ${raw}`, () => assert.equal(parseHlsPath(raw), null));
});

describe('resolveInside', () => {
  it('serves files inside the event folder, not beside it, not through symlinks', async (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-'));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    fs.mkdirSync(path.join(root, 'conf'));
    fs.mkdirSync(path.join(root, 'conf-secret')); // sibling with the same prefix
    fs.writeFileSync(path.join(root, 'conf', 'index.m3u8'), '#EXTM3U\n');
    fs.writeFileSync(path.join(root, 'conf-secret', 'x.ts'), 'secret');
    fs.writeFileSync(path.join(root, 'outside.ts'), 'secret');
    fs.symlinkSync(path.join(root, 'outside.ts'), path.join(root, 'conf', 'link.ts'));
    fs.symlinkSync(path.join(root, 'conf-secret'), path.join(root, 'conf', 'dir'));
    const target = (p: string) => parseHlsPath(p)!;
    assert.equal(await resolveInside(root, target('/conf/index.m3u8')), fs.realpathSync(path.join(root, 'conf', 'index.m3u8')));
    assert.equal(await resolveInside(root, target('/conf/link.ts')), null);
    assert.equal(await resolveInside(root, target('/conf/dir/x.ts')), null);
    assert.equal(await resolveInside(root, target('/conf/missing.ts')), null);
    assert.equal(await resolveInside(root, target('/nope/index.m3u8')), null);
  });
});
