import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codesFromCsv, initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';

const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1';

describe('streamgate tokens show', () => {
  it('shows a code typed in any case with dashes: status, label, use and its sessions with the browser', async (t) => {
    const platform = await startTestPlatform(t);
    const dataDir = platform.dataDir;
    const [code] = await platform.codes(1, { label: 'press' });
    const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'iphone-of-ann' }, { 'user-agent': SAFARI });
    assert.equal(grant.status, 200);
    const typed = `${code!.slice(0, 4).toLowerCase()}-${code!.slice(4, 8)}-${code!.slice(8).toLowerCase()}`;

    const shown = await runCli(['tokens', 'show', typed, '--json'], { dataDir });
    assert.equal(shown.code, 0, shown.stderr);
    const found = json(shown);
    assert.equal(found.code.status, 'used');
    assert.equal(found.code.label, 'press');
    assert.equal(found.code.eventId, 'conf');
    assert.equal(found.sessions.length, 1);
    assert.equal(found.sessions[0].id, grant.json.sessionId);
    assert.equal(found.sessions[0].browser, 'Safari 17 on iOS');
    assert.equal(found.sessions[0].deviceId, 'iphone-of-ann');
    assert.ok(!shown.stdout.includes(code!), 'the code itself is not printed');

    // Human output, with the code on stdin (kept out of argv): fields, then the sessions table.
    const human = await runCli(['tokens', 'show', '-'], { dataDir, input: `${typed}\n` });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^code id +[0-9a-z]{16}\n/);
    assert.match(human.stdout, /\nstatus +used\n/);
    assert.match(human.stdout, /\nlabel +press\n/);
    assert.match(human.stdout, /\nsessions \(newest first\):\nsession\tstate\tdevice\tbrowser\taddress\tstarted\tlast heartbeat\tended\n/);
    assert.match(human.stdout, new RegExp(`\\n${grant.json.sessionId}\\t(playing|silent)\\tiphone-of-ann\\tSafari 17 on iOS\\t`));
  });

  it('exits 1 for a code that does not exist, without repeating it; 2 without a code', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const missing = await runCli(['tokens', 'show', 'ZZZZ-ZZZZ-ZZZZ', '--json'], { dataDir });
    assert.equal(missing.code, 1);
    assert.equal(json(missing).error.code, 'code_not_found');
    assert.match(missing.stderr, /^streamgate: No such code/);
    assert.ok(!missing.stderr.includes('ZZZZ'));
    assert.equal((await runCli(['tokens', 'show'], { dataDir })).code, 2);
    assert.equal((await runCli(['tokens', 'show', '-'], { dataDir, input: '' })).code, 2);
  });
});

describe('streamgate tokens list --limit --offset', () => {
  it('pages through the codes in id order', async (t) => {
    const dataDir = await initialisedDataDir(t);
    codesFromCsv((await runCli(['tokens', 'create', '--event', 'conf', '--count', '25'], { dataDir })).stdout);
    const all = json(await runCli(['tokens', 'list', '--event', 'conf', '--json'], { dataDir })).map((c: any) => c.id);
    assert.equal(all.length, 25);
    const pages: string[] = [];
    for (let offset = 0; offset < 25; offset += 10) {
      const page = json(await runCli(['tokens', 'list', '--event', 'conf', '--limit', '10', '--offset', String(offset), '--json'], { dataDir }));
      pages.push(...page.map((c: any) => c.id));
    }
    assert.deepEqual(pages, all);
    const tail = json(await runCli(['tokens', 'list', '--event', 'conf', '--offset', '20', '--json'], { dataDir }));
    assert.deepEqual(tail.map((c: any) => c.id), all.slice(20));
    for (const bad of [['--limit', '0'], ['--limit', 'ten'], ['--offset', '-1']]) {
      const refused = await runCli(['tokens', 'list', '--event', 'conf', ...bad], { dataDir });
      assert.equal(refused.code, 2, bad.join(' '));
      assert.match(refused.stderr, /^streamgate: --(limit|offset): must be a whole number/);
    }
  });
});
