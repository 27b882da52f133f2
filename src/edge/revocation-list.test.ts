import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RevocationList } from './revocation-list.js';

const claims = { sub: 'code1', sid: 'session1', eid: 'conf', kid: 'k1' };
const entry = (cursor: number, kind: any, fields: object, at = 1_000) => ({ cursor, kind, eventId: 'conf', codeId: null, sessionId: null, kid: null, at, ...fields });

describe('RevocationList', () => {
  it('revokes by code, session or event; a restore lifts a code revocation', () => {
    const list = new RevocationList(60_000);
    assert.equal(list.isRevoked(claims), false);
    list.apply([entry(1, 'code_revoked', { codeId: 'code1' })]);
    assert.equal(list.isRevoked(claims), true);
    list.apply([entry(2, 'code_restored', { codeId: 'code1' })]);
    assert.equal(list.isRevoked(claims), false);
    list.apply([entry(3, 'session_ended', { sessionId: 'session1' })]);
    assert.equal(list.isRevoked(claims), true);
    assert.equal(list.isRevoked({ ...claims, sid: 'session2' }), false);
    list.apply([entry(4, 'event_archived', { eventId: 'other' })]);
    assert.equal(list.isRevoked({ ...claims, sid: 'x', eid: 'other' }), true);
    assert.equal(list.cursor, 4);
  });

  it('refuses anonymous tokens of an event issued under a public period turned off since, and nothing else', () => {
    const list = new RevocationList(60_000);
    const anonymous = { sub: 'public', sid: 'anon1', eid: 'conf', kid: 'k1', publicSince: 5_000 };
    list.apply([entry(1, 'public_revoked', {}, 9_000)]);
    assert.equal(list.isRevoked(anonymous), true);
    assert.equal(list.isRevoked({ ...anonymous, publicSince: 9_000 }), true);
    assert.equal(list.isRevoked({ ...anonymous, publicSince: 9_001 }), false, 'public again after the entry');
    assert.equal(list.isRevoked({ ...anonymous, eid: 'other' }), false);
    assert.equal(list.isRevoked(claims), false, 'a code holder of the same event plays on');
    list.apply([entry(2, 'public_revoked', {}, 4_000)]);
    assert.equal(list.isRevoked(anonymous), true, 'an older entry does not lift a later one');
    assert.equal(list.prune(68_999), 0);
    assert.equal(list.prune(69_000), 1);
    assert.equal(list.isRevoked(anonymous), false);
  });

  it('forgets entries once no token they could match can still be valid', () => {
    const list = new RevocationList(60_000);
    list.apply([entry(1, 'code_revoked', { codeId: 'code1' }, 1_000), entry(2, 'session_ended', { sessionId: 's' }, 30_000)]);
    assert.equal(list.prune(60_999), 0);
    assert.equal(list.prune(61_000), 1);
    assert.equal(list.size, 1);
    assert.equal(list.isRevoked(claims), false);
  });

  it('never forgets a revoked signing key: a leaked key can sign new tokens at any time', () => {
    const list = new RevocationList(60_000);
    list.apply([entry(1, 'key_revoked', { eventId: '', kid: 'k1' }, 1_000)]);
    assert.equal(list.isRevoked(claims), true);
    assert.equal(list.isRevoked({ ...claims, kid: 'k2' }), false);
    list.prune(10 * 365 * 86_400_000);
    assert.equal(list.isRevoked(claims), true);
  });
});
