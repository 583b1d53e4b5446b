// 2. Account lockout after 5 failed sign-ins; admin unlock (API) and CLI unlock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, expectAudit, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let insp;
let admin;

before(async () => {
  s = await startServer({
    users: [
      { username: 'admin', roles: ['admin'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'officer1', roles: ['dispatcher'] },
      { username: 'officer2', roles: ['dispatcher'] },
      { username: 'officer3', roles: ['dispatcher'] },
    ],
  });
  insp = await s.login('inspector');
  admin = await s.login('admin');
});
after(async () => {
  await s?.stop();
});

async function userByName(name) {
  const r = await s.req('GET', '/api/v1/users', { token: admin });
  assert.equal(r.status, 200);
  const u = r.json.items.find((x) => x.username === name);
  assert.ok(u, `user ${name} listed`);
  return u;
}

test('the 5th wrong password locks the account (answered 401 like any wrong password) and ends its sessions', async () => {
  const since = await lastAuditId(s, insp);
  const session = await s.login('officer1');
  for (let i = 1; i <= 4; i++) {
    const r = await s.loginRaw('officer1', `wrong-password-${i}`);
    expectError(r, 401, 'invalid_credentials');
  }
  assert.equal((await userByName('officer1')).locked, false, 'not locked after 4 failures');
  // The lock is not announced to a wrong password: an unknown name never locks, so that would tell it exists.
  const fifth = await s.loginRaw('officer1', 'wrong-password-5');
  expectError(fifth, 401, 'invalid_credentials');
  assert.equal((await userByName('officer1')).locked, true);

  // The session opened before the lockout is over.
  expectError(await s.req('GET', '/api/v1/auth/me', { token: session }), 401, 'unauthenticated');

  const lock = await expectAudit(s, insp, since, {
    action: 'auth.lockout', actor: 'officer1', role: 'dispatcher', client: '127.0.0.1', target: 'officer1',
    outcome: 'ok', purpose: '',
  });
  assert.match(lock.detail, /^5 failures within 15 minutes$/);
  const failures = (await s.req('GET', '/api/v1/audit?action=auth.login_failed&actor=officer1&page_size=500',
    { token: insp })).json.items.filter((e) => e.id > since);
  assert.equal(failures.length, 5, 'five auth.login_failed entries');
  for (const f of failures) {
    assert.equal(f.role, 'dispatcher', 'a known user\'s failures carry their roles');
    assert.equal(f.outcome, 'failed');
    assert.equal(f.detail, 'wrong_password');
    assert.equal(f.target, 'officer1');
  }
  // The lockout entry follows the 5th failure.
  assert.ok(lock.id > Math.max(...failures.map((f) => f.id)));
});

test('a locked account refuses the right password (403 account_locked, only it learns of the lock) and wrong ones (401)', async () => {
  const since = await lastAuditId(s, insp);
  expectError(await s.loginRaw('officer1', PASSWORD), 403, 'account_locked');
  expectError(await s.loginRaw('officer1', 'still-wrong-password'), 401, 'invalid_credentials');
  const denied = (await s.req('GET', '/api/v1/audit?action=auth.login_failed&actor=officer1', { token: insp }))
    .json.items.filter((e) => e.id > since);
  assert.equal(denied.length, 2);
  for (const e of denied) {
    assert.equal(e.outcome, 'denied');
    assert.equal(e.detail, 'account_locked');
  }
  // Only one lockout entry in all (no second lockout while locked).
  const locks = (await s.req('GET', '/api/v1/audit?action=auth.lockout', { token: insp })).json;
  assert.equal(locks.total, 1);
});

test('an admin unlocks the account (user.unlock) and the user can sign in again', async () => {
  const since = await lastAuditId(s, insp);
  const u = await userByName('officer1');
  const r = await s.req('POST', `/api/v1/users/${u.id}/unlock`, { token: admin });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, u.id);
  assert.equal(r.json.username, 'officer1');
  assert.equal(r.json.locked, false);
  await expectAudit(s, insp, since, {
    action: 'user.unlock', actor: 'admin', role: 'admin', client: '127.0.0.1', target: 'officer1', outcome: 'ok',
    detail: '',
  });
  const ok = await s.loginRaw('officer1', PASSWORD);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.user.locked, false);

  // The failure counter was reset by the unlock: 4 new failures do not lock again.
  for (let i = 0; i < 4; i++) expectError(await s.loginRaw('officer1', 'wrong-again-123'), 401, 'invalid_credentials');
  assert.equal((await s.loginRaw('officer1', PASSWORD)).status, 200);
});

test('unlock of an unknown user id is 404 not_found; a non-admin may not unlock', async () => {
  expectError(await s.req('POST', '/api/v1/users/9999/unlock', { token: admin }), 404, 'not_found');
  const u = await userByName('officer1');
  expectError(await s.req('POST', `/api/v1/users/${u.id}/unlock`, { token: insp }), 403, 'permission_denied');
});

test('the CLI unlocks an account: jingwu user unlock exits 0, then sign-in works', async () => {
  for (let i = 1; i <= 5; i++) await s.loginRaw('officer2', `bad-password-${i}`);
  expectError(await s.loginRaw('officer2', PASSWORD), 403, 'account_locked');
  const since = await lastAuditId(s, insp);
  const r = s.cli(['user', 'unlock', '--username', 'officer2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /unlocked officer2/);
  assert.equal((await s.loginRaw('officer2', PASSWORD)).status, 200);
  await expectAudit(s, insp, since, {
    action: 'user.unlock', actor: 'cli', client: 'cli', target: 'officer2', outcome: 'ok', detail: '',
  });
  // Unknown user: non-zero exit with a message.
  const bad = s.cli(['user', 'unlock', '--username', 'no-such-user']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /no-such-user/);
});

test('only failures within 15 minutes count: 4, a 16-minute pause, 1 more → not locked', async () => {
  for (let i = 0; i < 4; i++) expectError(await s.loginRaw('officer3', `bad-${i}-password`), 401, 'invalid_credentials');
  await s.advance(16 * 60);
  expectError(await s.loginRaw('officer3', 'bad-4-password'), 401, 'invalid_credentials');
  assert.equal((await s.loginRaw('officer3', PASSWORD)).status, 200);
  // Within the window the 5th failure does lock.
  for (let i = 0; i < 4; i++) await s.loginRaw('officer3', `bad-${i}-password`);
  await s.advance(14 * 60);
  expectError(await s.loginRaw('officer3', 'bad-4-password'), 401, 'invalid_credentials');
  expectError(await s.loginRaw('officer3', PASSWORD), 403, 'account_locked');
});
