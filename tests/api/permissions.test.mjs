// 5. Permissions by role; every refusal is logged as auth.permission_denied.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditSince, expectAudit, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
const tok = {};

before(async () => {
  s = await startServer({
    users: [
      { username: 'admin', roles: ['admin'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'investigator', roles: ['investigator'] },
      { username: 'multi', roles: ['dispatcher', 'inspector'] },
    ],
  });
  for (const u of ['admin', 'inspector', 'dispatcher', 'investigator', 'multi']) tok[u] = await s.login(u);
});
after(async () => {
  await s?.stop();
});

test('dispatcher GET /api/v1/audit → 403 permission_denied, logged with the route as target', async () => {
  const since = await lastAuditId(s, tok.inspector);
  const r = await s.req('GET', '/api/v1/audit', { token: tok.dispatcher });
  expectError(r, 403, 'permission_denied');
  assert.match(r.json.error.message, /audit\.read/);
  await expectAudit(s, tok.inspector, since, {
    action: 'auth.permission_denied', actor: 'dispatcher', role: 'dispatcher', client: '127.0.0.1',
    target: 'GET /api/v1/audit', outcome: 'denied', detail: 'permission_denied', purpose: '',
  });
  // The refused request read nothing, so no audit.read entry was written for the dispatcher.
  assert.equal((await auditSince(s, tok.inspector, since, { action: 'audit.read', actor: 'dispatcher' })).length, 0);
});

test('dispatcher GET /api/v1/users → 403 permission_denied', async () => {
  const since = await lastAuditId(s, tok.inspector);
  expectError(await s.req('GET', '/api/v1/users', { token: tok.dispatcher }), 403, 'permission_denied');
  await expectAudit(s, tok.inspector, since, {
    action: 'auth.permission_denied', actor: 'dispatcher', target: 'GET /api/v1/users', outcome: 'denied',
    detail: 'permission_denied',
  });
});

test('the admin cannot read the audit log', async () => {
  const since = await lastAuditId(s, tok.inspector);
  expectError(await s.req('GET', '/api/v1/audit', { token: tok.admin }), 403, 'permission_denied');
  expectError(await s.req('GET', '/api/v1/audit/verify', { token: tok.admin }), 403, 'permission_denied');
  expectError(await s.req('GET', '/api/v1/audit/stream', { token: tok.admin }), 403, 'permission_denied');
  const denied = await auditSince(s, tok.inspector, since, { action: 'auth.permission_denied', actor: 'admin' });
  assert.deepEqual(denied.map((e) => e.target),
    ['GET /api/v1/audit', 'GET /api/v1/audit/verify', 'GET /api/v1/audit/stream']);
});

test('the inspector cannot manage users', async () => {
  expectError(await s.req('GET', '/api/v1/users', { token: tok.inspector }), 403, 'permission_denied');
  expectError(await s.req('POST', '/api/v1/users', {
    token: tok.inspector, body: { username: 'sneaky', password: 'long-enough-password', roles: ['admin'] },
  }), 403, 'permission_denied');
  expectError(await s.req('PATCH', '/api/v1/users/2', { token: tok.inspector, body: { roles: ['admin'] } }), 403,
    'permission_denied');
  expectError(await s.req('POST', '/api/v1/users/1/password', {
    token: tok.inspector, body: { password: 'long-enough-password' },
  }), 403, 'permission_denied');
  // Nothing was created or changed.
  const users = await s.req('GET', '/api/v1/users', { token: tok.admin });
  assert.equal(users.json.total, 5);
  assert.ok(!users.json.items.some((u) => u.username === 'sneaky'));
  assert.deepEqual(users.json.items.find((u) => u.id === 2).roles, ['inspector']);
});

test('the admin can list users; other roles get what their permissions allow', async () => {
  const users = await s.req('GET', '/api/v1/users', { token: tok.admin });
  assert.equal(users.status, 200);
  // The investigator has person.read, the dispatcher does not.
  expectError(await s.req('GET', '/api/v1/identity/parse?ref=ID:460100199001011230',
    { token: tok.dispatcher, headers: { 'X-Purpose': '核查' } }), 403, 'permission_denied');
  assert.equal((await s.req('GET', '/api/v1/identity/parse?ref=ID:460100199001011230',
    { token: tok.investigator, headers: { 'X-Purpose': '核查' } })).status, 200);
});

test('a user with two roles has the union of their permissions', async () => {
  const me = await s.req('GET', '/api/v1/auth/me', { token: tok.multi });
  assert.deepEqual(me.json.permissions, ['audit.read', 'dispatch.read', 'dispatch.write']);
  assert.equal((await s.req('GET', '/api/v1/audit?page_size=1', { token: tok.multi })).status, 200);
  expectError(await s.req('GET', '/api/v1/users', { token: tok.multi }), 403, 'permission_denied');
});

test('any signed-in user may read roles and system info; nobody anonymous', async () => {
  const roles = await s.req('GET', '/api/v1/roles', { token: tok.dispatcher });
  assert.equal(roles.status, 200);
  assert.equal(roles.json.total, 9);
  const byName = Object.fromEntries(roles.json.items.map((r) => [r.name, r.permissions]));
  assert.deepEqual(Object.keys(byName).sort(),
    ['admin', 'analyst', 'commander', 'custody_officer', 'dispatcher', 'inspector', 'investigator', 'patrol_officer', 'service_clerk']);
  assert.deepEqual([...byName.custody_officer].sort(), ['cases.read', 'custody.read', 'custody.write']);
  assert.deepEqual([...byName.patrol_officer].sort(),
    ['grassroots.read', 'grassroots.write', 'mobile.use', 'person.read', 'registry.read', 'registry.write']);
  assert.deepEqual(byName.inspector, ['audit.read']);
  assert.ok(!byName.admin.includes('audit.read'), 'the admin lacks audit.read');
  assert.ok(!byName.inspector.includes('users.manage'), 'the inspector lacks users.manage');
  const info = await s.req('GET', '/api/v1/system/info', { token: tok.inspector });
  assert.equal(info.status, 200);
  assert.equal(info.json.db, s.db === 'postgres' ? 'postgresql' : 'sqlite');
  assert.equal(typeof info.json.version, 'string');
  assert.ok(Array.isArray(info.json.modules));
  expectError(await s.req('GET', '/api/v1/roles'), 401, 'unauthenticated');
  expectError(await s.req('GET', '/api/v1/system/info'), 401, 'unauthenticated');
  // Unauthenticated requests are not permission refusals: 401 and nothing logged.
  const since = await lastAuditId(s, tok.inspector);
  expectError(await s.req('GET', '/api/v1/audit'), 401, 'unauthenticated');
  assert.equal((await auditSince(s, tok.inspector, since, { action: 'auth.permission_denied' })).length, 0);
});
