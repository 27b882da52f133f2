import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeTransaction } from '../../src/core/db/database.js';
import { codeForSessionFrom, codeForSessionRead, loadCodeForSession } from '../../src/core/sessions/code-for-session.js';
import { startTestPlatform } from '../helpers/platform.js';

describe("a validation's read of a code", () => {
  it('gives the same code, event and open sessions by every path: rows as arrays (SQLite), as objects (kysely, PostgreSQL), in a write transaction', async (t) => {
    const platform = await startTestPlatform(t);
    const [code, unused] = await platform.codes(2, { devices: 2 });
    for (const deviceId of ['device-aaaa', 'device-bbbb']) assert.equal((await platform.post('/api/tokens/validate', { code, deviceId })).status, 200);
    const { code_id: codeId } = await platform.db.selectFrom('sessions').select('code_id').executeTakeFirstOrThrow();
    const asObjects = async (id: string) => codeForSessionFrom((await platform.db.executeQuery(codeForSessionRead(platform.db, id).compiled)).rows);

    const loaded = await loadCodeForSession(platform.db, codeId!);
    assert.deepEqual(loaded, await asObjects(codeId!));
    assert.deepEqual(loaded!.open.map((s) => [s.device_id, s.seat]).sort(), [['device-aaaa', 0], ['device-bbbb', 1]]);
    assert.equal(loaded!.devices, 2);
    assert.deepEqual(loaded!.event, await platform.db.selectFrom('events').selectAll().where('id', '=', 'conf').executeTakeFirstOrThrow(), 'every field of the event');
    assert.deepEqual(loaded!.code, await platform.db.selectFrom('access_codes').selectAll().where('id', '=', codeId!).executeTakeFirstOrThrow(), 'every field of the code');
    assert.ok(loaded!.code.first_used_at !== null && Buffer.isBuffer(loaded!.code.code_hash));
    assert.deepEqual(await writeTransaction(platform.db, (trx) => loadCodeForSession(trx, codeId!)), loaded, 'the same under the write lock');

    // A code never used has no open session (one row, its session columns null); an unknown id none.
    const other = await platform.db.selectFrom('access_codes').select('id').where('id', '!=', codeId!).executeTakeFirstOrThrow();
    const fresh = await loadCodeForSession(platform.db, other.id);
    assert.ok(unused && fresh && fresh.open.length === 0 && fresh.code.first_used_at === null);
    assert.deepEqual(fresh, await asObjects(other.id));
    assert.equal(await loadCodeForSession(platform.db, '0000000000000000'), undefined);
  });
});
