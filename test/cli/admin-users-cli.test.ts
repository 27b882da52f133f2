import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { json, runCli } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('streamgate admin users', () => {
  it('adds, lists, changes and removes console users with roles; the invite link opens once in the platform', async (t) => {
    const platform = await startTestPlatform(t);
    const dataDir = platform.dataDir;
    const cli = (args: string[], input?: string) => runCli(['admin', 'users', ...args], { dataDir, input });

    const owner = await cli(['add', 'olivia', '--role', 'owner', '--json'], 'a long enough password\n');
    assert.equal(owner.code, 0, owner.stderr);
    assert.deepEqual([json(owner).username, json(owner).role, json(owner).events], ['olivia', 'owner', null]);
    const op = await cli(['add', 'oscar', '--role', 'operator', '--event', 'conf', '--json'], 'a long enough password\n');
    assert.equal(op.code, 0, op.stderr);
    assert.deepEqual(json(op).events, ['conf']);

    for (const [args, why] of [
      [['add', 'x', '--role', 'boss'], 'unknown role'],
      [['add', 'x', '--role', 'operator', '--event', 'nope'], 'unknown event'],
      [['add', 'x', '--role', 'owner', '--event', 'conf'], 'an owner is never limited'],
      [['add', 'oscar', '--role', 'support'], 'exists'],
      [['add', 'x'], '--role is required'],
      [['set-role', 'oscar', 'king'], 'unknown role'],
      [['set-role', 'nobody', 'support'], 'no such user'],
    ] as const) {
      const result = await cli([...args], 'a long enough password\n');
      assert.equal(result.code, 2, `${why}: ${result.stderr}`);
      assert.match(result.stderr, /^streamgate: /, why);
    }

    const set = await cli(['set-role', 'oscar', 'support', '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual([json(set).role, json(set).events], ['support', null]);

    const listed = json(await cli(['list', '--json']));
    assert.deepEqual(listed.map((u: any) => [u.username, u.role, u.events, u.totp]), [['olivia', 'owner', null, false], ['oscar', 'support', null, false]]);
    const table = await cli(['list']);
    assert.match(table.stdout, /oscar\s+support\s+all/);

    const lastOwner = await cli(['remove', 'olivia', '--yes']);
    assert.equal(lastOwner.code, 2);
    assert.match(lastOwner.stderr, /last owner/);
    assert.equal((await cli(['remove', 'oscar', '--yes'])).code, 0);
    assert.deepEqual(json(await cli(['list', '--json'])).map((u: any) => u.username), ['olivia']);

    const invite = await cli(['invite', 'ivy', '--role', 'support', '--event', 'conf']);
    assert.equal(invite.code, 0, invite.stderr);
    const url = invite.stdout.trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/admin#\/invite\/[A-Za-z0-9_-]{43}$/);
    assert.match(invite.stderr, /works once/);
    const token = url.split('/').at(-1);
    const opened = await platform.post('/api/admin/invites/open', { token });
    assert.equal(opened.status, 200);
    assert.deepEqual([opened.json.username, opened.json.role, opened.json.events], ['ivy', 'support', ['conf']]);
    const audit = await platform.db.selectFrom('audit_log').select('action').where('action', 'like', 'admin.%').orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['admin.create', 'admin.create', 'admin.set_role', 'admin.remove', 'admin.invite']);
  });
});
