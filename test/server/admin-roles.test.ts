import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Router } from 'express';
import { addAdminUser } from '../../src/core/admin/admin-accounts.js';
import type { Role } from '../../src/core/admin/admin-roles.js';
import { createApiKey } from '../../src/core/admin/api-keys.js';
import { setAdminPassword } from '../../src/core/admin/admin-users.js';
import { openDatabase, writeTransaction } from '../../src/core/db/database.js';
import { createEvent } from '../../src/core/events/event-service.js';
import { rewindSqliteSchema } from '../helpers/older-schema.js';
import { silentLog } from '../../src/core/log.js';
import { ADMIN_ROUTE_PERMISSIONS, authorizeAdminRoute } from '../../src/server/admin/admin-permissions.js';
import { adminApiRouter } from '../../src/server/admin/admin-router.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const PASSWORD = 'a long password 123';

export interface Login {
  cookie: string;
  csrf: string;
}

async function call(platform: TestPlatform, method: string, path: string, as?: Login, body?: unknown) {
  const headers: Record<string, string> = {};
  if (as) Object.assign(headers, { cookie: as.cookie, 'x-csrf-token': as.csrf });
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${platform.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // CSV or empty
  }
  return { status: response.status, json };
}

async function login(platform: TestPlatform, username: string, password = PASSWORD): Promise<Login & { role: string }> {
  const response = await fetch(`${platform.url}/api/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  assert.equal(response.status, 200, `login as ${username}`);
  const json = (await response.json()) as { csrfToken: string; role: string };
  return { cookie: /sg_admin=[^;]+/.exec(response.headers.get('set-cookie') ?? '')![0], csrf: json.csrfToken, role: json.role };
}

async function userWithRole(platform: TestPlatform, username: string, role: Role, events?: string[]): Promise<Login> {
  await addAdminUser({ db: platform.db, clock: platform.now, actor: 'test' }, { username, role, events }, PASSWORD);
  return login(platform, username);
}

/** `METHOD /path` of every route the admin router holds, nested routers included. */
function routesOf(router: Router): string[] {
  const found: string[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (Array.isArray(layer.handle?.stack)) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((router as any).stack);
  return found.sort();
}

/**
 * Who may call what, written out here apart from the table in admin-permissions.ts: the test
 * holds the table to what the issue asks, not to itself.
 */
const ALL: Role[] = ['owner', 'operator', 'support'];
const WRITERS: Role[] = ['owner', 'operator'];
const OWNER: Role[] = ['owner'];
const EXPECTED: Record<string, Role[] | 'public'> = {
  'POST /api/admin/login': 'public',
  'POST /api/admin/invites/open': 'public',
  'POST /api/admin/invites/accept': 'public',
  'GET /api/admin/session': ALL,
  'POST /api/admin/logout': ALL,
  'GET /api/admin/events': ALL,
  'GET /api/admin/events/:id': ALL,
  'GET /api/admin/events/:id/tokens': ALL,
  'GET /api/admin/events/:id/stats': ALL,
  'GET /api/admin/events/:id/health': ALL,
  'POST /api/admin/events/:id/preview': ALL,
  'GET /api/admin/sessions': ALL,
  'POST /api/admin/codes/lookup': ALL,
  'POST /api/admin/tokens/revoke': ALL,
  'POST /api/admin/tokens/restore': ALL,
  'DELETE /api/admin/sessions/:id': ALL,
  'POST /api/admin/events': WRITERS,
  'PATCH /api/admin/events/:id': WRITERS,
  'POST /api/admin/events/:id/rotate-key': WRITERS,
  'POST /api/admin/events/:id/archive': WRITERS,
  'POST /api/admin/events/:id/tokens': WRITERS,
  'PUT /api/admin/events/:id/poster': WRITERS,
  'DELETE /api/admin/events/:id/poster': WRITERS,
  'PUT /api/admin/events/:id/logo': WRITERS,
  'DELETE /api/admin/events/:id/logo': WRITERS,
  'POST /api/admin/events/:id/go-live': WRITERS,
  'POST /api/admin/events/:id/reset-recording': WRITERS,
  'GET /api/admin/webhooks': WRITERS,
  'POST /api/admin/webhooks': WRITERS,
  'DELETE /api/admin/webhooks/:id': WRITERS,
  'GET /api/admin/webhook-deliveries': WRITERS,
  'GET /api/admin/apikeys': OWNER,
  'POST /api/admin/apikeys': OWNER,
  'DELETE /api/admin/apikeys/:id': OWNER,
  'GET /api/admin/audit': OWNER,
  'GET /api/admin/users': OWNER,
  'POST /api/admin/users': OWNER,
  'PATCH /api/admin/users/:username': OWNER,
  'DELETE /api/admin/users/:username': OWNER,
  'GET /api/admin/invites': OWNER,
  'POST /api/admin/invites': OWNER,
};

/** A concrete path for a route: parameters name things that do not exist, except the event. */
function concrete(path: string): string {
  return path.replace(':id', path.startsWith('/api/admin/events/') ? 'conf' : 'no-such-thing').replace(':username', 'no-such-user');
}

describe('admin roles: the permission table', () => {
  it('has a line for every admin route, and the expectations of this test cover every route', async (t) => {
    const platform = await startTestPlatform(t);
    const routes = routesOf(adminApiRouter({ config: platform.config, db: platform.db, keyring: platform.keyring, clock: platform.now, log: silentLog }));
    assert.ok(routes.length >= 40, `found ${routes.length} routes`);
    assert.deepEqual(routes, Object.keys(ADMIN_ROUTE_PERMISSIONS).sort(), 'every route has a line in ADMIN_ROUTE_PERMISSIONS, and every line a route');
    assert.deepEqual(routes, Object.keys(EXPECTED).sort());
  });

  it('answers 404 to a route that has no line, to every role, without running it: it fails closed', () => {
    const middleware = authorizeAdminRoute({ 'GET /api/admin/events': 'events:read' });
    const res = { locals: { principal: { kind: 'admin', role: 'owner', events: null } } } as any;
    const request = (method: string, path: string) => ({ method, baseUrl: '/api/admin', path }) as any;
    let passed = 0;
    middleware(request('GET', '/events'), res, () => void (passed += 1));
    middleware(request('HEAD', '/Events/'), res, () => void (passed += 1));
    assert.equal(passed, 2);
    assert.throws(() => middleware(request('GET', '/brand-new-route'), res, () => assert.fail('reached')), (e: any) => e.status === 404 && e.code === 'not_found');
    assert.throws(() => middleware(request('POST', '/events'), res, () => assert.fail('reached')), (e: any) => e.status === 404);
  });

  it('answers an unknown admin path or method with 404 and the usual error JSON, as any unknown path', async (t) => {
    const platform = await startTestPlatform(t);
    const owner = await userWithRole(platform, 'olivia', 'owner');
    for (const [method, path] of [['GET', '/api/admin/nope'], ['PUT', '/api/admin/events/conf'], ['DELETE', '/api/admin/events']] as const) {
      const response = await call(platform, method, path, owner, method === 'GET' || method === 'DELETE' ? undefined : {});
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(response.json?.error?.code, 'not_found', `${method} ${path}`);
    }
    assert.equal((await call(platform, 'GET', '/api/admin/nope')).status, 401, 'still 401 before a login: nothing about routes is told to strangers');
  });
});

describe('admin roles: every admin route for every role', () => {
  it('lets each role through where it may (never 403) and refuses it elsewhere (403 forbidden, the usual error JSON)', async (t) => {
    const platform = await startTestPlatform(t);
    const logins: Record<Role, Login> = {
      owner: await userWithRole(platform, 'olivia', 'owner'),
      operator: await userWithRole(platform, 'oscar', 'operator'),
      support: await userWithRole(platform, 'sue', 'support'),
    };
    const failures: string[] = [];
    // Logout last: it ends the session the other calls ride on.
    const order = Object.entries(EXPECTED).sort(([a], [b]) => Number(a.endsWith('/logout')) - Number(b.endsWith('/logout')));
    for (const role of ['support', 'operator', 'owner'] as Role[]) {
      for (const [route, allowed] of order) {
        if (allowed === 'public') continue;
        const [method, path] = route.split(' ') as [string, string];
        const response = await call(platform, method, concrete(path), logins[role], method === 'GET' || method === 'DELETE' ? undefined : {});
        const refused = response.status === 403;
        if (allowed.includes(role) && refused) failures.push(`${role} refused ${route}: ${JSON.stringify(response.json)}`);
        if (!allowed.includes(role)) {
          if (!refused) failures.push(`${role} allowed ${route} (${response.status})`);
          else if (response.json?.error?.code !== 'forbidden' || typeof response.json.error.message !== 'string') failures.push(`${role} on ${route}: ${JSON.stringify(response.json)}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('keeps API keys as they were: a global key reaches everything, an event key its event', async (t) => {
    const platform = await startTestPlatform(t);
    const { key } = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'shop', scope: 'global' });
    const scoped = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'one', scope: 'event', eventId: 'conf' });
    const get = (path: string, bearer: string) => fetch(`${platform.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } }).then((r) => r.status);
    for (const path of ['/api/admin/apikeys', '/api/admin/audit', '/api/admin/users', '/api/admin/events', '/api/admin/webhooks']) assert.equal(await get(path, key), 200, path);
    assert.equal(await get('/api/admin/events/conf', scoped.key), 200);
    for (const path of ['/api/admin/events', '/api/admin/users', '/api/admin/events/other']) assert.equal(await get(path, scoped.key), 403, path);
  });

  it('makes the break-glass ADMIN_USER an owner', async (t) => {
    const platform = await startTestPlatform(t, { ADMIN_USER: 'root', ADMIN_PASS: 'break glass please' });
    const root = await login(platform, 'root', 'break glass please');
    assert.equal(root.role, 'owner');
    assert.equal((await call(platform, 'GET', '/api/admin/users', root)).status, 200);
    assert.equal((await call(platform, 'GET', '/api/admin/session', root)).json.role, 'owner');
  });

  it('applies a new role or a removal at once: the user is logged out', async (t) => {
    const platform = await startTestPlatform(t);
    const owner = await userWithRole(platform, 'olivia', 'owner');
    const oscar = await userWithRole(platform, 'oscar', 'operator');
    assert.equal((await call(platform, 'GET', '/api/admin/events', oscar)).status, 200);
    const changed = await call(platform, 'PATCH', '/api/admin/users/oscar', owner, { role: 'support' });
    assert.equal(changed.status, 200);
    assert.equal(changed.json.role, 'support');
    assert.equal((await call(platform, 'GET', '/api/admin/events', oscar)).status, 401, 'the old session ended');
    const again = await login(platform, 'oscar');
    assert.equal(again.role, 'support');
    assert.equal((await call(platform, 'POST', '/api/admin/events', again, { title: 'No' })).status, 403);
    assert.equal((await call(platform, 'DELETE', '/api/admin/users/oscar', owner)).status, 200);
    assert.equal((await call(platform, 'GET', '/api/admin/events', again)).status, 401);
    const last = await call(platform, 'DELETE', '/api/admin/users/olivia', owner);
    assert.equal(last.status, 409);
    assert.equal(last.json.error.code, 'last_owner');
  });
});

describe('admin roles: an operator limited to some events', () => {
  it('sees and touches only those: lists filtered, other events 404 like unknown ones, their codes not found', async (t) => {
    const platform = await startTestPlatform(t);
    await createEvent({ db: platform.db, clock: platform.now, actor: 'test', keyring: platform.keyring }, { id: 'other', title: 'Other', rewatchHours: 48 });
    const op = await userWithRole(platform, 'oscar', 'operator', ['conf']);
    const [mine] = await platform.codes(1);
    const [theirs] = await platform.codes(1, { eventId: 'other' });
    await platform.post('/api/tokens/validate', { code: mine, deviceId: 'device-mine-1' });
    await platform.post('/api/tokens/validate', { code: theirs, deviceId: 'device-theirs-1' });

    const list = await call(platform, 'GET', '/api/admin/events', op);
    assert.deepEqual(list.json.map((e: any) => e.id), ['conf']);
    const other = await call(platform, 'GET', '/api/admin/events/other', op);
    const unknown = await call(platform, 'GET', '/api/admin/events/nothing-here', op);
    assert.equal(other.status, 404);
    assert.equal(unknown.status, 404);
    assert.equal(other.json.error.code, unknown.json.error.code);
    assert.equal(other.json.error.message.replace('other', 'X'), unknown.json.error.message.replace('nothing-here', 'X'));
    for (const [method, path] of [['GET', '/api/admin/events/other/tokens'], ['POST', '/api/admin/events/other/tokens'], ['PATCH', '/api/admin/events/other'], ['GET', '/api/admin/events/other/stats']] as const) {
      assert.equal((await call(platform, method, path, op, method === 'GET' ? undefined : { count: 1 })).status, 404, `${method} ${path}`);
    }
    assert.equal((await call(platform, 'GET', '/api/admin/events/conf', op)).status, 200);

    const sessions = await call(platform, 'GET', '/api/admin/sessions', op);
    assert.deepEqual(sessions.json.map((s: any) => s.eventId), ['conf']);
    assert.equal((await call(platform, 'GET', '/api/admin/sessions?eventId=other', op)).status, 404);

    const lookup = await call(platform, 'POST', '/api/admin/codes/lookup', op, { code: theirs });
    assert.equal(lookup.status, 404);
    assert.equal(lookup.json.error.code, 'code_not_found');
    assert.equal((await call(platform, 'POST', '/api/admin/codes/lookup', op, { code: mine })).status, 200);
    const revoke = await call(platform, 'POST', '/api/admin/tokens/revoke', op, { codes: [theirs, mine] });
    assert.deepEqual(revoke.json, { revoked: 1, alreadyRevoked: 0, notFound: [theirs] });
    assert.equal((await call(platform, 'POST', '/api/admin/tokens/revoke', op, { label: 'x' })).json.revoked, 0, 'a label reaches only its events');

    assert.equal((await call(platform, 'POST', '/api/admin/events', op, { title: 'New' })).status, 403, 'a new event is about every event');
    assert.equal((await call(platform, 'GET', '/api/admin/webhooks', op)).status, 403, 'webhooks cover every event');
  });
});

describe('admin roles: the audit log', () => {
  it('records the user and the role an action was taken with', async (t) => {
    const platform = await startTestPlatform(t);
    const owner = await userWithRole(platform, 'olivia', 'owner');
    const sue = await userWithRole(platform, 'sue', 'support');
    const [code] = await platform.codes(1);
    assert.equal((await call(platform, 'POST', '/api/admin/tokens/revoke', sue, { codes: [code] })).json.revoked, 1);
    const audit = await call(platform, 'GET', '/api/admin/audit?action=codes.revoke', owner);
    assert.equal(audit.status, 200);
    assert.equal(audit.json.entries[0].actor, 'admin:sue');
    assert.equal(audit.json.entries[0].role, 'support');
    const logins = await call(platform, 'GET', '/api/admin/audit?action=admin.login', owner);
    assert.deepEqual(logins.json.entries.map((e: any) => [e.actor, e.role]), [['admin:sue', 'support'], ['admin:olivia', 'owner']]);
    const created = await platform.db.selectFrom('audit_log').select(['actor', 'role']).where('action', '=', 'admin.create').where('target', '=', 'sue').executeTakeFirstOrThrow();
    assert.deepEqual(created, { actor: 'test', role: null }, 'the CLI and keys have no role');
  });
});

describe('admin roles: upgrading', () => {
  it('makes every console user of an older install an owner: nobody is locked out', async (t) => {
    const platform = await startTestPlatform(t, {}, { sqlite: true });
    await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'alice', PASSWORD);
    await writeTransaction(platform.db, (trx) => trx.updateTable('admin_users').set({ role: 'support', event_ids: '["conf"]' }).execute());
    // Back to the schema before 0018, as an install upgrading from it has.
    await rewindSqliteSchema(platform.config.databaseUrl.slice('sqlite:'.length), '0016_schema_versions');
    const upgraded = await openDatabase(platform.config);
    t.after(() => upgraded.destroy());
    assert.deepEqual(await upgraded.selectFrom('admin_users').select(['username', 'role', 'event_ids']).execute(), [{ username: 'alice', role: 'owner', event_ids: null }]);
    assert.deepEqual(await upgraded.selectFrom('admin_invites').selectAll().execute(), []);
  });
});
