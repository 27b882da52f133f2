import assert from 'node:assert/strict';
import crypto, { createHash } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { describe, it } from 'node:test';
import { codeKey } from '../../src/core/access-code.js';
import { createCodeBatch } from '../../src/core/codes/code-batch.js';
import { CROCKFORD_ALPHABET } from '../../src/core/crockford.js';
import { writeTransaction } from '../../src/core/db/database.js';
import { startTestPlatform } from '../helpers/platform.js';

/** A fake random source whose bytes the test knows in advance (the `n`-th 32-byte block is sha256(n)). */
function knownBytes(length: number): Buffer {
  return Buffer.concat(Array.from({ length: Math.ceil(length / 32) }, (_, n) => createHash('sha256').update(`block ${n}`).digest())).subarray(0, length);
}

/** The codes DrawnCodes makes of those bytes: one symbol per byte's low 5 bits, 12 a code. */
function knownCodes(count: number): string[] {
  const bytes = knownBytes(count * 12);
  return Array.from({ length: count }, (_, k) => Array.from(bytes.subarray(k * 12, (k + 1) * 12), (b) => CROCKFORD_ALPHABET[b & 31]).join(''));
}

describe('code batches', () => {
  it('draws again a code whose id is taken, and stores and hands on every code of the batch', async (t) => {
    const platform = await startTestPlatform(t);
    const pepper = platform.keyring.pepper;
    const expected = knownCodes(3_000);
    // An earlier, committed batch already holds the id of the 2,000th code the new batch will draw.
    const takenId = codeKey(pepper, expected[1_999]!).id;
    const now = platform.now();
    await writeTransaction(platform.db, async (trx) => {
      await trx.insertInto('code_batches').values({ id: 'earlier', event_id: 'conf', count: 1, created_at: now, heartbeat_at: now, committed_at: now }).execute();
      await trx
        .insertInto('access_codes')
        .values({ id: takenId, event_id: 'conf', batch_id: 'earlier', code_hash: Buffer.alloc(32), label: null, expires_at: now + 86_400_000, created_at: now })
        .execute();
    });

    // DrawnCodes imports randomFillSync by name: syncing the built-in's exports reaches that binding.
    const fill = t.mock.method(crypto, 'randomFillSync', (buffer: Buffer) => {
      knownBytes(buffer.length).copy(buffer);
      return buffer;
    });
    syncBuiltinESMExports();
    t.after(() => {
      fill.mock.restore();
      syncBuiltinESMExports();
    });

    const handedOn: string[] = [];
    const batchId = await createCodeBatch(
      { db: platform.db, clock: platform.now, pepper },
      { eventId: 'conf', count: 3_000, expiresAt: now + 86_400_000, label: null, devices: 1 },
      {
        onCodes: (codes) => {
          for (let at = 0; at < codes.length; at += 12) handedOn.push(codes.toString('latin1', at, at + 12));
        },
        beforeCommit: () => undefined,
        inCommit: async () => undefined,
      },
    );

    assert.equal(handedOn.length, 3_000);
    assert.equal(new Set(handedOn).size, 3_000);
    const drawnAgain = expected.filter((code) => !handedOn.includes(code));
    assert.deepEqual(drawnAgain, [expected[1_999]], 'just the code with the taken id was replaced');
    const rows = await platform.db.selectFrom('codes').select(['id', 'code_hash']).where('batch_id', '=', batchId).execute();
    const stored = new Map(rows.map((r) => [r.id, Buffer.from(r.code_hash)]));
    assert.equal(stored.size, 3_000);
    for (const code of handedOn) {
      const key = codeKey(pepper, code);
      assert.deepEqual(stored.get(key.id), key.hash, `${code} is stored under its id and hash`);
    }
    const earlier = await platform.db.selectFrom('access_codes').select('batch_id').where('id', '=', takenId).executeTakeFirstOrThrow();
    assert.equal(earlier.batch_id, 'earlier', 'the earlier code is left alone');
  });
});
