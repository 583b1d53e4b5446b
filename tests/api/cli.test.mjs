// 13. The command line against a running server's data: user list/add/passwd,
// and a second server on the same data folder is refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { BIN, PASSWORD, auditSince, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let insp;
let pipedId;

before(async () => {
  s = await startServer({
    users: [
      { username: 'admin', roles: ['admin'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'duo', roles: ['dispatcher', 'analyst'] },
    ],
  });
  insp = await s.login('inspector');
});
after(async () => {
  await s?.stop();
});

test('user list prints every user with id, name and roles', async () => {
  const r = s.cli(['user', 'list']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^id\s+username\s+display name\s+roles\s+status$/);
  assert.equal(lines.length, 4, r.stdout);
  assert.match(lines[1], /^1\s+admin\s+admin\s+admin\s*$/);
  assert.match(lines[2], /^2\s+inspector\s+inspector\s+inspector\s*$/);
  assert.match(lines[3], /^3\s+duo\s+duo\s+dispatcher,analyst\s*$/);
});

test('user add: a short password exits non-zero and names the minimum (12)', async () => {
  const r = s.cli(['user', 'add', '--username', 'shorty', '--roles', 'dispatcher', '--password', 'elevenchars']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /12/);
  const dup = s.cli(['user', 'add', '--username', 'duo', '--roles', 'dispatcher', '--password', PASSWORD]);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stderr, /taken/);
  const role = s.cli(['user', 'add', '--username', 'newbie', '--roles', 'wizard', '--password', PASSWORD]);
  assert.notEqual(role.code, 0);
  assert.match(role.stderr, /wizard/);
  const nopw = s.cli(['user', 'add', '--username', 'newbie', '--roles', 'dispatcher']);
  assert.notEqual(nopw.code, 0);
  assert.match(nopw.stderr, /password/);
  const list = s.cli(['user', 'list']);
  assert.equal(list.stdout.trim().split('\n').length, 4, 'nothing was added');
});

test('user add with --password-stdin; the running server sees the new user at once', async () => {
  const r = s.cli(['user', 'add', '--username', 'piped', '--display-name', '王警官', '--roles', 'investigator',
    '--password-stdin'], { input: 'stdin-pass-phrase-9\n' });
  assert.equal(r.code, 0, r.stderr);
  // Ids need not be consecutive: on PostgreSQL the refused duplicate above used up a sequence value.
  const m = /^created user piped \(id (\d+), roles investigator\)$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  pipedId = Number(m[1]);
  assert.ok(pipedId > 3);
  const login = await s.loginRaw('piped', 'stdin-pass-phrase-9');
  assert.equal(login.status, 200, login.text);
  assert.equal(login.json.user.id, pipedId);
  assert.equal(login.json.user.display_name, '王警官');
});

test('user passwd --password-stdin: exit 0, sessions end, only the new password works; logged as cli', async () => {
  const session = await s.login('duo');
  const since = await lastAuditId(s, insp);
  const r = s.cli(['user', 'passwd', '--username', 'duo', '--password-stdin'], { input: 'the-new-password-42\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /password of duo changed/);
  expectError(await s.req('GET', '/api/v1/auth/me', { token: session }), 401, 'unauthenticated');
  expectError(await s.loginRaw('duo', PASSWORD), 401, 'invalid_credentials');
  assert.equal((await s.loginRaw('duo', 'the-new-password-42')).status, 200);
  const entries = await auditSince(s, insp, since, { action: 'user.password' });
  assert.deepEqual(entries.map((e) => [e.actor, e.client, e.target, e.outcome]), [['cli', 'cli', 'duo', 'ok']]);

  const weak = s.cli(['user', 'passwd', '--username', 'duo', '--password-stdin'], { input: 'short\n' });
  assert.notEqual(weak.code, 0);
  assert.match(weak.stderr, /12/);
  const ghost = s.cli(['user', 'passwd', '--username', 'ghost', '--password', PASSWORD]);
  assert.notEqual(ghost.code, 0);
  assert.match(ghost.stderr, /ghost/);
});

test('user list shows locked and disabled accounts', async () => {
  for (let i = 0; i < 5; i++) await s.loginRaw('piped', `wrong-password-${i}`);
  const admin = await s.login('admin');
  const dis = await s.req('PATCH', '/api/v1/users/3', { token: admin, body: { disabled: true } });
  assert.equal(dis.status, 200, dis.text);
  const r = s.cli(['user', 'list']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, new RegExp(`^${pipedId}\\s+piped\\s+.*\\blocked\\b`, 'm'));
  assert.match(r.stdout, /^3\s+duo\s+.*\bdisabled\b/m);
  assert.doesNotMatch(r.stdout, /^1\s+admin\s+.*\b(locked|disabled)\b/m);
});

test('a second `jingwu serve` on the same data folder exits non-zero: "in use"', async () => {
  const args = ['serve', '--data', s.dataDir, '--listen', '127.0.0.1:0'];
  if (s.dbUrl) args.push('--db', s.dbUrl);
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.signal, null, 'it exited by itself (was not killed after 10 s)');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /in use/);
  assert.doesNotMatch(r.stdout, /jingwu serving/);
  // The first server is unaffected.
  assert.equal((await s.req('GET', '/healthz')).status, 200);
});
