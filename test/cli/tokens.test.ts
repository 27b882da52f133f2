import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { codesFromCsv, initialisedDataDir, json, runCli } from '../helpers/cli.js';

const CODE = /^[0-9A-HJKMNP-TV-Z]{12}$/;

describe('streamgate tokens create', () => {
  it('writes CSV to stdout: header, unique codes, the event end + rewatch window as expiry', async (t) => {
    const dataDir = await initialisedDataDir(t, ['--title', 'Conf', '--id', 'conf', '--ends-at', '2030-01-01T00:00:00Z', '--rewatch', '48h']);
    const result = await runCli(['tokens', 'create', '--event', 'conf', '--count', '50'], { dataDir });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\r\n').filter(Boolean);
    assert.equal(lines[0], 'code,event_id,expires_at,label');
    assert.equal(lines.length, 51);
    assert.equal(lines[1]!.split(',').slice(1).join(','), 'conf,2030-01-03T00:00:00.000Z,');
    const codes = codesFromCsv(result.stdout);
    assert.equal(new Set(codes).size, 50);
    for (const code of codes) assert.match(code, CODE);
  });

  it('writes --out atomically with mode 0600, and --json gives a summary', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const out = path.join(dataDir, '..', 'codes.csv');
    const result = await runCli(['tokens', 'create', '--event', 'conf', '--count', '20', '--label', 'vip', '--expires-in', '7d', '--out', out, '--json'], { dataDir });
    assert.equal(result.code, 0, result.stderr);
    const summary = json(result);
    assert.equal(summary.count, 20);
    assert.equal(summary.label, 'vip');
    assert.ok(Math.abs(Date.parse(summary.expiresAt) - Date.now() - 7 * 86_400_000) < 60_000);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    assert.equal(codesFromCsv(fs.readFileSync(out, 'utf8')).length, 20);
    assert.deepEqual(fs.readdirSync(path.dirname(out)).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  });

  it('gives JSON rows without --out, and defaults to 30 days for an event with no end', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const rows = json(await runCli(['tokens', 'create', '--event', 'conf', '--count', '3', '--json'], { dataDir }));
    assert.equal(rows.length, 3);
    assert.deepEqual(Object.keys(rows[0]).sort(), ['code', 'eventId', 'expiresAt', 'label']);
    assert.ok(Math.abs(Date.parse(rows[0].expiresAt) - Date.now() - 30 * 86_400_000) < 60_000);
  });

  it('makes spreadsheet formulas in labels inert', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['tokens', 'create', '--event', 'conf', '--count', '1', '--label', '=HYPERLINK("http://evil")'], { dataDir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /,"'=HYPERLINK\(""http:\/\/evil""\)"\r\n$/);
  });

  const bad: [string[], RegExp][] = [
    [['--event', 'nope', '--count', '5'], /event "nope" does not exist/],
    [['--event', 'conf', '--count', '0'], /--count: must be a whole number from 1 to 1,000,000/],
    [['--event', 'conf', '--count', '1000001'], /--count: must be/],
    [['--event', 'conf', '--count', 'ten'], /--count: "ten" is not a whole number/],
    [['--event', 'conf', '--count', '5', '--expires-in', 'soon'], /--expires-in:/],
    [['--event', 'conf', '--count', '5', '--expires-at', '2001-01-01'], /--expires-at: the codes would already be expired/],
    [['--event', 'conf', '--count', '5', '--expires-at', '2030-01-01', '--expires-in', '1d'], /cannot be used with/],
    [['--event', 'conf', '--count', '5', '--out', '/nonexistent-dir/codes.csv'], /--out: cannot write/],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${args.join(' ')} (exit 2) and creates nothing`, async (t) => {
      const dataDir = await initialisedDataDir(t);
      const result = await runCli(['tokens', 'create', ...args], { dataDir });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      const listed = json(await runCli(['tokens', 'list', '--event', 'conf', '--json'], { dataDir }));
      assert.deepEqual(listed, []);
    });
  }

  it('refuses --out when it is a directory', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['tokens', 'create', '--event', 'conf', '--count', '1', '--out', dataDir], { dataDir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--out: .* is a directory/);
  });
});

describe('streamgate tokens list', () => {
  it('shows each status, filters, and never the plaintext', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const created = await runCli(['tokens', 'create', '--event', 'conf', '--count', '3', '--label', 'press'], { dataDir });
    const codes = codesFromCsv(created.stdout);
    await runCli(['tokens', 'create', '--event', 'conf', '--count', '2'], { dataDir });
    assert.equal((await runCli(['tokens', 'revoke', codes[0]!], { dataDir })).code, 0);

    const list = await runCli(['tokens', 'list', '--event', 'conf', '--json'], { dataDir });
    const rows = json(list);
    assert.equal(rows.length, 5);
    assert.deepEqual(Object.keys(rows[0]).sort(), ['createdAt', 'eventId', 'expiresAt', 'firstUsedAt', 'id', 'label', 'lastUsedAt', 'revokedAt', 'status'].sort());
    for (const code of codes) assert.ok(!list.stdout.includes(code), 'plaintext code in the listing');
    assert.equal(rows.filter((r: { status: string }) => r.status === 'revoked').length, 1);
    assert.equal(json(await runCli(['tokens', 'list', '--event', 'conf', '--status', 'active', '--json'], { dataDir })).length, 4);
    assert.equal(json(await runCli(['tokens', 'list', '--event', 'conf', '--label', 'press', '--json'], { dataDir })).length, 3);
    assert.equal((await runCli(['tokens', 'list', '--event', 'conf', '--status', 'nope'], { dataDir })).code, 2);
  });
});

describe('streamgate tokens revoke', () => {
  it('revokes codes in any typed form, is idempotent, and reports what it did not find (exit 1)', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const codes = codesFromCsv((await runCli(['tokens', 'create', '--event', 'conf', '--count', '4'], { dataDir })).stdout);
    const typed = `${codes[1]!.slice(0, 4).toLowerCase()}-${codes[1]!.slice(4, 8)} ${codes[1]!.slice(8)}`;
    const first = await runCli(['tokens', 'revoke', codes[0]!, typed, '--json'], { dataDir });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(json(first), { revoked: 2, alreadyRevoked: 0, notFound: [] });

    const again = await runCli(['tokens', 'revoke', codes[0]!, 'ZZZZZZZZZZZZ', 'not-a-code', '--json'], { dataDir });
    assert.equal(again.code, 1);
    assert.deepEqual(json(again), { revoked: 0, alreadyRevoked: 1, notFound: ['ZZZZZZZZZZZZ', 'not-a-code'] });
    assert.match(again.stderr, /^streamgate: not found: ZZZZZZZZZZZZ\nstreamgate: not found: not-a-code$/m, 'exit 1 says why on stderr, with --json too');
  });

  it('reads codes from --file (CSV or lines) and from stdin', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const out = path.join(dataDir, '..', 'codes.csv');
    await runCli(['tokens', 'create', '--event', 'conf', '--count', '5', '--out', out], { dataDir });
    const codes = codesFromCsv(fs.readFileSync(out, 'utf8'));
    const fromCsv = json(await runCli(['tokens', 'revoke', '--file', out, '--json'], { dataDir }));
    assert.deepEqual(fromCsv, { revoked: 5, alreadyRevoked: 0, notFound: [] });

    const more = codesFromCsv((await runCli(['tokens', 'create', '--event', 'conf', '--count', '3'], { dataDir })).stdout);
    const lines = path.join(dataDir, '..', 'lines.txt');
    fs.writeFileSync(lines, `# refunds\n${more[0]}\n\n${more[1]}\n`);
    assert.deepEqual(json(await runCli(['tokens', 'revoke', '--file', lines, '--json'], { dataDir })), { revoked: 2, alreadyRevoked: 0, notFound: [] });
    const stdin = await runCli(['tokens', 'revoke', '-', '--json'], { dataDir, input: `${more[2]}\n${codes[0]}\n` });
    assert.deepEqual(json(stdin), { revoked: 1, alreadyRevoked: 1, notFound: [] });
    assert.equal((await runCli(['tokens', 'revoke', '--file', path.join(dataDir, 'missing.csv')], { dataDir })).code, 2);
  });

  it('revokes by event and label, and only within the event given', async (t) => {
    const dataDir = await initialisedDataDir(t);
    await runCli(['events', 'create', '--title', 'Other', '--id', 'other'], { dataDir });
    await runCli(['tokens', 'create', '--event', 'conf', '--count', '3', '--label', 'vip'], { dataDir });
    await runCli(['tokens', 'create', '--event', 'conf', '--count', '2'], { dataDir });
    const otherCodes = codesFromCsv((await runCli(['tokens', 'create', '--event', 'other', '--count', '2', '--label', 'vip'], { dataDir })).stdout);

    assert.deepEqual(json(await runCli(['tokens', 'revoke', '--event', 'conf', '--label', 'vip', '--json'], { dataDir })), { revoked: 3, alreadyRevoked: 0, notFound: [] });
    const crossEvent = await runCli(['tokens', 'revoke', otherCodes[0]!, '--event', 'conf', '--json'], { dataDir });
    assert.deepEqual(json(crossEvent).notFound, [otherCodes[0]]);
    assert.deepEqual(json(await runCli(['tokens', 'revoke', '--event', 'conf', '--json'], { dataDir })), { revoked: 2, alreadyRevoked: 3, notFound: [] });
    assert.equal(json(await runCli(['tokens', 'list', '--event', 'other', '--status', 'active', '--json'], { dataDir })).length, 2);
  });

  it('refuses an empty selection (exit 2)', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['tokens', 'revoke'], { dataDir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /nothing selected/);
  });
});

describe('streamgate tokens rotate', () => {
  it('revokes the selected codes and issues as many new ones', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const old = codesFromCsv((await runCli(['tokens', 'create', '--event', 'conf', '--count', '4', '--label', 'press'], { dataDir })).stdout);
    await runCli(['tokens', 'create', '--event', 'conf', '--count', '2'], { dataDir });
    const out = path.join(dataDir, '..', 'rotated.csv');
    const result = await runCli(['tokens', 'rotate', '--event', 'conf', '--label', 'press', '--out', out, '--json'], { dataDir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(json(result).revoked, 4);
    const fresh = codesFromCsv(fs.readFileSync(out, 'utf8'));
    assert.equal(fresh.length, 4);
    assert.ok(fresh.every((c) => !old.includes(c)));
    assert.match(fs.readFileSync(out, 'utf8'), /,press\r\n/);
    const statuses = json(await runCli(['tokens', 'list', '--event', 'conf', '--json'], { dataDir })).map((r: { status: string }) => r.status);
    assert.deepEqual(statuses.sort(), ['active', 'active', 'active', 'active', 'active', 'active', 'revoked', 'revoked', 'revoked', 'revoked']);
    const revokeOld = json(await runCli(['tokens', 'revoke', ...old, '--json'], { dataDir }));
    assert.equal(revokeOld.alreadyRevoked, 4);
  });

  it('says so when there is nothing to rotate (exit 2)', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['tokens', 'rotate', '--event', 'conf'], { dataDir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no live codes/);
  });
});
