// 8. User management by the admin: create, validation, update, disable,
// set password; own password change; audit entries.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditSince, expectAudit, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let admin;
let admin2;  // the second admin who approves grants of sensitive roles
let insp;
let adminId;
let created;  // the user made by the first test

before(async () => {
  s = await startServer({
    users: [
      { username: 'admin', roles: ['admin'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'admin2', roles: ['admin'] },
    ],
  });
  const r = await s.loginRaw('admin');
  admin = r.json.token;
  adminId = r.json.user.id;
  insp = await s.login('inspector');
  admin2 = await s.login('admin2');
});

// A sensitive role (analyst, inspector, …) granted by one admin takes effect
// when the second approves.
async function approve(grant) {
  assert.ok(grant, 'a pending grant');
  assert.equal(grant.state, 'pending');
  const r = await s.req('POST', `/api/v1/role-grants/${grant.id}/approve`, { token: admin2 });
  assert.equal(r.status, 200, r.text);
  return r.json;
}
after(async () => {
  await s?.stop();
});

const NEW_PW = 'a-new-long-password';

test('create → 201 with the user, roles and permissions; the user can sign in', async () => {
  const since = await lastAuditId(s, insp);
  const r = await s.req('POST', '/api/v1/users', {
    token: admin,
    body: { username: 'li.wei', display_name: '李伟', password: NEW_PW, roles: ['dispatcher', 'analyst'] },
  });
  assert.equal(r.status, 201, r.text);
  // analyst reads personal data: the account starts as a dispatcher until a second admin approves.
  assert.deepEqual(r.json.roles, ['dispatcher']);
  assert.deepEqual(r.json.pending_grant.roles, ['dispatcher', 'analyst']);
  await approve(r.json.pending_grant);
  created = (await s.req('GET', '/api/v1/users', { token: admin })).json.items.find((u) => u.username === 'li.wei');
  assert.equal(created.id, 4, 'fourth account');
  assert.equal(created.username, 'li.wei');
  assert.equal(created.display_name, '李伟');
  assert.deepEqual(created.roles, ['dispatcher', 'analyst']);
  assert.deepEqual(created.permissions,
    ['analysis.run', 'cases.read', 'dispatch.read', 'dispatch.write', 'entity.merge', 'person.read', 'stats.read']);
  assert.equal(created.locked, false);
  assert.equal(created.disabled, false);
  assert.equal(created.totp_enabled, false);
  assert.equal(created.last_login_at, null);
  assert.match(created.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  assert.ok(!('password' in created) && !('password_hash' in created), 'no password in the answer');

  await expectAudit(s, insp, since, {
    action: 'user.create', actor: 'admin', role: 'admin', client: '127.0.0.1', target: 'li.wei', outcome: 'ok',
    detail: 'roles=dispatcher', purpose: '',
  });
  await expectAudit(s, insp, since, {
    action: 'user.role_grant.approve', actor: 'admin2', target: 'li.wei', outcome: 'ok',
  });
  const login = await s.loginRaw('li.wei', NEW_PW);
  assert.equal(login.status, 200, login.text);
  assert.equal(login.json.user.id, 4);

  // Without display_name it defaults to the user name.
  const plain = await s.req('POST', '/api/v1/users', {
    token: admin, body: { username: 'zhang_san', password: NEW_PW, roles: ['service_clerk'] },
  });
  assert.equal(plain.status, 201, plain.text);
  assert.equal(plain.json.display_name, 'zhang_san');
});

test('validation: 409 username_taken, 422 weak_password / unknown_role / invalid_username / validation_failed', async () => {
  const since = await lastAuditId(s, insp);
  const post = (body) => s.req('POST', '/api/v1/users', { token: admin, body });
  expectError(await post({ username: 'li.wei', password: NEW_PW, roles: ['dispatcher'] }), 409, 'username_taken');
  expectError(await post({ username: 'wang.wu', password: 'short-pw-11', roles: ['dispatcher'] }), 422,
    'weak_password');
  expectError(await post({ username: 'wang.wu', password: 'x'.repeat(1025), roles: ['dispatcher'] }), 422,
    'weak_password');
  expectError(await post({ username: 'wang.wu.long.name', password: 'wang.wu.long.name', roles: ['dispatcher'] }),
    422, 'weak_password');
  // Length counts characters, not bytes: 11 Chinese characters are too few even at 33 bytes.
  expectError(await post({ username: 'wang.wu', password: '这是一个太短的中文密码', roles: ['dispatcher'] }), 422,
    'weak_password');
  expectError(await post({ username: 'wang.wu', password: NEW_PW, roles: ['superuser'] }), 422, 'unknown_role');
  expectError(await post({ username: 'wang.wu', password: NEW_PW, roles: [] }), 422, 'unknown_role');
  for (const bad of ['Wang', 'a', 'wang wu', '-wang', '王五', 'x'.repeat(33), '']) {
    expectError(await post({ username: bad, password: NEW_PW, roles: ['dispatcher'] }), 422, 'invalid_username');
  }
  expectError(await post({ username: 'wang.wu', password: NEW_PW }), 422, 'validation_failed');
  expectError(await post({ username: 'wang.wu', password: NEW_PW, roles: 'dispatcher' }), 422, 'validation_failed');
  expectError(await post({ username: 'wang.wu', password: NEW_PW, roles: [1] }), 422, 'validation_failed');
  expectError(await post({ password: NEW_PW, roles: ['dispatcher'] }), 422, 'validation_failed');

  // Nothing was created.
  const list = await s.req('GET', '/api/v1/users', { token: admin });
  assert.equal(list.json.total, 5);
  assert.ok(!list.json.items.some((u) => u.username === 'wang.wu'));

  // The refused creations are logged with their reason.
  const failed = await auditSince(s, insp, since, { action: 'user.create', outcome: 'failed' });
  assert.deepEqual(failed.map((e) => e.detail), [
    'username_taken', 'weak_password', 'weak_password', 'weak_password', 'weak_password', 'unknown_role',
    'unknown_role', 'invalid_username', 'invalid_username', 'invalid_username', 'invalid_username',
    'invalid_username', 'invalid_username', 'invalid_username',
  ]);
  assert.ok(failed.every((e) => e.actor === 'admin'));
  assert.equal(failed[0].target, 'li.wei');
});

test('12 Chinese characters are a long enough password', async () => {
  const r = await s.req('POST', '/api/v1/users', {
    token: admin, body: { username: 'zhao.liu', password: '这是一个足够长的中文密码', roles: ['dispatcher'] },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal((await s.loginRaw('zhao.liu', '这是一个足够长的中文密码')).status, 200);
});

test('list is {items, total} with every user, in id order (ids opaque, ascending)', async () => {
  const r = await s.req('GET', '/api/v1/users', { token: admin });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json).sort(), ['items', 'total']);
  assert.equal(r.json.total, 6);
  assert.deepEqual(r.json.items.map((u) => u.username),
    ['admin', 'inspector', 'admin2', 'li.wei', 'zhang_san', 'zhao.liu']);
  const ids = r.json.items.map((u) => u.id);
  assert.deepEqual(ids.slice(0, 4), [1, 2, 3, 4]);
  // Later ids ascend but may skip: on PostgreSQL a refused insert uses up a sequence value.
  assert.ok(ids[4] > 4 && ids[5] > ids[4], `ids ${ids}`);
  assert.ok(r.json.items.every((u) => !('password_hash' in u)));
});

test('PATCH roles and display name: the grant waits for a second admin, then takes effect on the open session', async () => {
  const session = await s.login('li.wei', NEW_PW);
  expectError(await s.req('GET', '/api/v1/audit', { token: session }), 403, 'permission_denied');
  const since = await lastAuditId(s, insp);
  const r = await s.req('PATCH', `/api/v1/users/${created.id}`, {
    token: admin, body: { roles: ['inspector'], display_name: '李伟 (督察)' },
  });
  assert.equal(r.status, 202, r.text);
  assert.deepEqual(r.json.roles, ['dispatcher', 'analyst'], 'not granted yet');
  assert.equal(r.json.display_name, '李伟 (督察)', 'the rest of the change applies');
  expectError(await s.req('GET', '/api/v1/audit', { token: session }), 403, 'permission_denied');
  const g = await approve(r.json.pending_grant);
  assert.deepEqual(g.roles, ['inspector']);
  const after = (await s.req('GET', '/api/v1/users', { token: admin })).json.items.find((u) => u.id === created.id);
  assert.deepEqual(after.roles, ['inspector']);
  assert.deepEqual(after.permissions, ['audit.read']);
  await expectAudit(s, insp, since, {
    action: 'user.role_grant.request', actor: 'admin', target: 'li.wei', outcome: 'ok',
  });
  assert.equal((await s.req('GET', '/api/v1/audit?page_size=1', { token: session })).status, 200);
  expectError(await s.req('GET', '/api/v1/identity/parse?ref=ID:460100199001011230',
    { token: session, headers: { 'X-Purpose': '核查' } }), 403, 'permission_denied');

  expectError(await s.req('PATCH', `/api/v1/users/${created.id}`, { token: admin, body: { roles: ['nope'] } }), 422,
    'unknown_role');
  expectError(await s.req('PATCH', `/api/v1/users/${created.id}`, { token: admin, body: { display_name: '' } }),
    422, 'validation_failed');
  expectError(await s.req('PATCH', `/api/v1/users/${created.id}`, { token: admin, body: { disabled: 'yes' } }),
    422, 'validation_failed');
  expectError(await s.req('PATCH', '/api/v1/users/999', { token: admin, body: { roles: ['dispatcher'] } }), 404,
    'not_found');
  // The failed updates changed nothing.
  const list = await s.req('GET', '/api/v1/users', { token: admin });
  const now = list.json.items.find((u) => u.id === created.id);
  assert.deepEqual(now.roles, ['inspector']);
  assert.equal(now.display_name, '李伟 (督察)');
});

test('a disabled user loses their session and cannot sign in (403 account_disabled); re-enabled can', async () => {
  const session = await s.login('li.wei', NEW_PW);
  const since = await lastAuditId(s, insp);
  const r = await s.req('PATCH', `/api/v1/users/${created.id}`, { token: admin, body: { disabled: true } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.disabled, true);
  expectError(await s.req('GET', '/api/v1/auth/me', { token: session }), 401, 'unauthenticated');
  expectError(await s.loginRaw('li.wei', NEW_PW), 403, 'account_disabled');
  // A wrong password for a disabled account is still just invalid_credentials.
  expectError(await s.loginRaw('li.wei', 'wrong-password-1'), 401, 'invalid_credentials');
  await expectAudit(s, insp, since, {
    action: 'user.update', actor: 'admin', target: 'li.wei', outcome: 'ok', detail: 'disabled=true',
  });
  const denied = await auditSince(s, insp, since, { action: 'auth.login_failed', actor: 'li.wei' });
  assert.deepEqual(denied.map((e) => [e.outcome, e.detail]),
    [['denied', 'account_disabled'], ['failed', 'wrong_password']]);

  const back = await s.req('PATCH', `/api/v1/users/${created.id}`, { token: admin, body: { disabled: false } });
  assert.equal(back.status, 200);
  assert.equal(back.json.disabled, false);
  assert.equal((await s.loginRaw('li.wei', NEW_PW)).status, 200);
});

test('the admin cannot disable their own account', async () => {
  expectError(await s.req('PATCH', `/api/v1/users/${adminId}`, { token: admin, body: { disabled: true } }), 422,
    'cannot_disable_self');
  assert.equal((await s.req('GET', '/api/v1/auth/me', { token: admin })).status, 200);
});

test('admin sets a password: 204, the user\'s sessions end, only the new password works', async () => {
  const session = await s.login('li.wei', NEW_PW);
  const since = await lastAuditId(s, insp);
  expectError(await s.req('POST', `/api/v1/users/${created.id}/password`, { token: admin, body: { password: 'short' } }),
    422, 'weak_password');
  assert.equal((await s.req('GET', '/api/v1/auth/me', { token: session })).status, 200, 'a refused change ends nothing');
  const r = await s.req('POST', `/api/v1/users/${created.id}/password`,
    { token: admin, body: { password: 'another-long-password' } });
  assert.equal(r.status, 204, r.text);
  expectError(await s.req('GET', '/api/v1/auth/me', { token: session }), 401, 'unauthenticated');
  expectError(await s.loginRaw('li.wei', NEW_PW), 401, 'invalid_credentials');
  assert.equal((await s.loginRaw('li.wei', 'another-long-password')).status, 200);
  const entries = await auditSince(s, insp, since, { action: 'user.password', actor: 'admin' });
  assert.deepEqual(entries.map((e) => [e.target, e.outcome, e.detail]),
    [['li.wei', 'failed', 'weak_password'], ['li.wei', 'ok', '']]);
  expectError(await s.req('POST', '/api/v1/users/999/password', { token: admin, body: { password: NEW_PW } }), 404,
    'not_found');
  expectError(await s.req('POST', `/api/v1/users/${created.id}/password`, { token: admin, body: {} }), 422,
    'validation_failed');
  // The admin's own session is untouched.
  assert.equal((await s.req('GET', '/api/v1/auth/me', { token: admin })).status, 200);
});

test('own password change: wrong old → 401, weak new → 422, success → 204 and sessions end', async () => {
  const token = await s.login('zhang_san', NEW_PW);
  const other = await s.login('zhang_san', NEW_PW);
  const since = await lastAuditId(s, insp);
  expectError(await s.req('POST', '/api/v1/auth/password',
    { token, body: { old_password: 'not-my-password', new_password: 'brand-new-password-1' } }), 401,
  'invalid_credentials');
  expectError(await s.req('POST', '/api/v1/auth/password',
    { token, body: { old_password: NEW_PW, new_password: 'short' } }), 422, 'weak_password');
  expectError(await s.req('POST', '/api/v1/auth/password', { token, body: { old_password: NEW_PW } }), 422,
    'validation_failed');
  const ok = await s.req('POST', '/api/v1/auth/password',
    { token, body: { old_password: NEW_PW, new_password: 'brand-new-password-1' } });
  assert.equal(ok.status, 204, ok.text);
  expectError(await s.req('GET', '/api/v1/auth/me', { token: other }), 401, 'unauthenticated');
  assert.equal((await s.loginRaw('zhang_san', 'brand-new-password-1')).status, 200);
  const entries = await auditSince(s, insp, since, { action: 'user.password', actor: 'zhang_san' });
  assert.deepEqual(entries.map((e) => [e.target, e.outcome, e.detail]), [
    ['zhang_san', 'failed', 'invalid_credentials'], ['zhang_san', 'failed', 'weak_password'],
    ['zhang_san', 'ok', ''],
  ]);
});

test('user.create entries: three by the CLI before the start, three through the API', async () => {
  const creates = (await s.req('GET', '/api/v1/audit?action=user.create&outcome=ok', { token: insp })).json;
  assert.equal(creates.total, 6);
  assert.deepEqual(creates.items.map((e) => e.actor), ['admin', 'admin', 'admin', 'cli', 'cli', 'cli'], 'newest first');
  assert.deepEqual(creates.items.map((e) => e.target),
    ['zhao.liu', 'zhang_san', 'li.wei', 'admin2', 'inspector', 'admin']);
  assert.ok(creates.items.filter((e) => e.actor === 'cli').every((e) => e.client === 'cli'));
});
