import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkFfmpeg } from '../../src/cli/checks.js';
import { loadConfig } from '../../src/core/config.js';
import { tempDir } from '../helpers/cli.js';

function configWith(ffmpegPath: string) {
  return loadConfig({ FFMPEG_PATH: ffmpegPath, STREAMGATE_DATA_DIR: tempDir('streamgate-ffcheck-') });
}

function script(body: string): string {
  const file = path.join(tempDir('streamgate-ffbin-'), 'ffmpeg');
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('the start-up check of FFmpeg', () => {
  it('passes a working FFmpeg, and fails a missing or broken one with what is wrong', async () => {
    assert.equal((await checkFfmpeg(configWith('ffmpeg'))).status, 'ok');
    const missing = await checkFfmpeg(configWith('/nonexistent/ffmpeg'));
    assert.equal(missing.status, 'fail');
    assert.match(missing.detail, /not found: apt-get install ffmpeg/);
    const broken = await checkFfmpeg(configWith(script('echo "libavcodec.so.59: cannot open" >&2; exit 127')));
    assert.equal(broken.status, 'fail');
    assert.match(broken.detail, /does not run/);
    assert.doesNotMatch(broken.detail, /not found: apt-get/);
  });

  it('only warns when FFmpeg is slow to answer, so a busy machine still starts the ingest', async () => {
    const slow = await checkFfmpeg(configWith(script('sleep 5')), 300);
    assert.equal(slow.status, 'warn');
    assert.match(slow.detail, /did not print its version within 0.3 s/);
  });
});
