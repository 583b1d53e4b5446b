// 10. The live audit stream (server-sent events) and reconnection with Last-Event-ID.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectError, startServer } from './lib/server.mjs';
import { openStream } from './lib/sse.mjs';

let s;
let insp;
const streams = [];

before(async () => {
  s = await startServer({
    users: [
      { username: 'admin', roles: ['admin'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'inspector2', roles: ['inspector'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'investigator', roles: ['investigator'] },
    ],
  });
  insp = await s.login('inspector');
});
after(async () => {
  for (const st of streams) st.close();
  await s?.stop();
});

async function open(opts, token = insp) {
  const st = await openStream(s, '/api/v1/audit/stream', token, opts);
  streams.push(st);
  return st;
}

let loginEventId;

test('a sign-in appears on an open stream within 2 s as an `audit` event', async () => {
  const st = await open();
  assert.equal(st.status, 200);
  assert.match(st.headers['content-type'], /^text\/event-stream/);
  const t0 = Date.now();
  const disp = await s.loginRaw('dispatcher');
  assert.equal(disp.status, 200);
  const ev = await st.next((e) => e.event === 'audit', 2000);
  assert.ok(Date.now() - t0 < 2000);
  // The first event is that sign-in: a new client starts from now (not with the stream's own entry).
  assert.equal(ev.json.action, 'auth.login');
  assert.equal(ev.json.actor, 'dispatcher');
  assert.equal(ev.json.outcome, 'ok');
  assert.equal(ev.json.client, '127.0.0.1');
  assert.equal(ev.id, String(ev.json.id), 'the SSE id is the entry id');
  assert.match(ev.json.hash, /^[0-9a-f]{64}$/);
  loginEventId = ev.json.id;

  // Further entries follow in order.
  await s.loginRaw('investigator');
  const ev2 = await st.next((e) => e.event === 'audit', 2000);
  assert.equal(ev2.json.action, 'auth.login');
  assert.equal(ev2.json.actor, 'investigator');
  assert.equal(ev2.json.id, loginEventId + 1);
  st.close();
});

test('reconnecting with Last-Event-ID delivers the entries after it, in order, then live ones', async () => {
  assert.ok(loginEventId, 'needs the previous test');
  // Something happens while nobody listens.
  const tok = await s.login('dispatcher');
  assert.equal((await s.req('POST', '/api/v1/auth/logout', { token: tok })).status, 204);

  const st = await open({ lastEventId: loginEventId });
  assert.equal(st.status, 200);
  const got = [];
  for (let i = 0; i < 4; i++) got.push((await st.next((e) => e.event === 'audit', 2000)).json);
  assert.deepEqual(got.map((e) => e.id), [1, 2, 3, 4].map((d) => loginEventId + d), 'no gap, no repeat');
  assert.deepEqual(got.map((e) => [e.action, e.actor]), [
    ['auth.login', 'investigator'],
    ['auth.login', 'dispatcher'],
    ['auth.logout', 'dispatcher'],
    ['audit.stream', 'inspector'],  // this connection's own entry
  ]);
  // Then live again.
  await s.loginRaw('investigator');
  const live = await st.next((e) => e.event === 'audit' && e.json.action === 'auth.login', 2000);
  assert.equal(live.json.actor, 'investigator');
  assert.ok(live.json.id > got[3].id);
  st.close();
});

test('the stream needs audit.read', async () => {
  expectError(await s.req('GET', '/api/v1/audit/stream'), 401, 'unauthenticated');
  const disp = await s.login('dispatcher');
  expectError(await s.req('GET', '/api/v1/audit/stream', { token: disp }), 403, 'permission_denied');
});

// The stream re-checks its session whenever it wakes (each new entry, or the
// keep-alive timer): once the session has ended (logout, expiry, the account
// disabled or locked, audit.read taken away) it ends without sending more.
test('the stream stops when its session ends (logout)', async () => {
  const tok = await s.login('inspector2');
  const st = await open({}, tok);
  assert.equal((await s.req('POST', '/api/v1/auth/logout', { token: tok })).status, 204);
  await s.loginRaw('investigator');
  await st.waitEnd(3000);
  const leaked = st.events.filter((e) => e.json && e.json.action === 'auth.login' && e.json.actor === 'investigator');
  assert.deepEqual(leaked.map((e) => e.json.id), [], 'no entry after the logout reaches the stream');
  assert.equal(st.ended, true, 'the server ended the stream of the ended session');
  st.close();
});

test('the stream stops when the account is disabled', async () => {
  const tok = await s.login('inspector2');
  const admin = await s.login('admin');
  const st = await open({}, tok);
  const users = (await s.req('GET', '/api/v1/users', { token: admin })).json.items;
  const id = users.find((u) => u.username === 'inspector2').id;
  assert.equal((await s.req('PATCH', `/api/v1/users/${id}`, { token: admin, body: { disabled: true } })).status, 200);
  expectError(await s.req('GET', '/api/v1/auth/me', { token: tok }), 401, 'unauthenticated');
  await s.loginRaw('investigator');
  await st.waitEnd(3000);
  const leaked = st.events.filter((e) => e.json && e.json.action === 'auth.login' && e.json.actor === 'investigator');
  assert.deepEqual(leaked.map((e) => e.json.id), [], 'a disabled inspector receives no more entries');
  assert.equal(st.ended, true);
  st.close();
});
