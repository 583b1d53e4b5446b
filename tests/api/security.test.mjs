// The findings of the security probe (issue #12), one test each: separation of
// duties, audited uploads and alert reads, real purposes, body limits before
// authentication, department scope, one permission rule for co-travel,
// citizen lockout, file modes, CSV injection, no 500 on bad input, body-less
// POSTs, CSV structural errors, text limits, no account oracles, password
// strength, and the smaller ones.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, PASSWORD, auditSince, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let admin;
let admin2;
let inspector;
let clerk;
let analyst;
let commander;

// A valid GB 11643 number (ISO 7064 MOD 11-2 check character).
function idNumber(seq, prefix = '46010619980512') {
  const body = `${prefix}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

const CP = 'KK90001';
const csvUpload = (source, text, token = admin, headers = {}) =>
  s.req('POST', `/api/v1/sources/${source}/records`,
    { token, rawBody: text, headers: { 'Content-Type': 'text/csv', ...headers } });

before(async () => {
  s = await startServer({
    users: [
      { username: 'admin', roles: ['admin'] },
      { username: 'admin2', roles: ['admin'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'clerk', roles: ['service_clerk'] },
      { username: 'analyst', roles: ['analyst', 'investigator'] },
      { username: 'commander', roles: ['commander'] },
      { username: 'target', roles: ['dispatcher'] },
    ],
  });
  [admin, admin2, inspector, clerk, analyst, commander] = await Promise.all(
    ['admin', 'admin2', 'inspector', 'clerk', 'analyst', 'commander'].map((u) => s.login(u)));
  const places = `code,kind,name,district_code,lat,lon\n${CP},checkpoint,安全测试卡口,460106,20.03,110.32\n` +
    'NB90001,netcafe,安全测试网吧,460106,20.04,110.33\nHT90001,hotel,安全测试酒店,460106,20.05,110.34\n';
  assert.equal((await csvUpload('places', places)).status, 200);
});
after(async () => {
  await s?.stop();
});

async function userByName(name) {
  const r = await s.req('GET', '/api/v1/users', { token: admin });
  return r.json.items.find((x) => x.username === name);
}

test('1. separation of duties: no self-grants, no admin+inspector, sensitive roles need a second admin', async () => {
  const me = await userByName('admin');
  expectError(await s.req('PATCH', `/api/v1/users/${me.id}`, { token: admin, body: { roles: ['admin', 'inspector'] } }),
    403, 'self_grant');
  expectError(await s.req('GET', '/api/v1/audit', { token: admin }), 403, 'permission_denied');
  const target = await userByName('target');
  expectError(await s.req('PATCH', `/api/v1/users/${target.id}`, { token: admin, body: { roles: ['admin', 'inspector'] } }),
    422, 'incompatible_roles');
  expectError(await s.req('POST', '/api/v1/users',
    { token: admin, body: { username: 'both', password: PASSWORD, roles: ['inspector', 'admin'] } }), 422, 'incompatible_roles');
  const cli = s.cli(['user', 'add', '--username', 'both2', '--roles', 'admin,inspector', '--password', PASSWORD]);
  assert.notEqual(cli.code, 0, 'the command line refuses the combination too');

  // A grant of a personal-data role waits for a second admin.
  const since = await lastAuditId(s, inspector);
  const req = await s.req('PATCH', `/api/v1/users/${target.id}`, { token: admin, body: { roles: ['investigator'] } });
  assert.equal(req.status, 202, req.text);
  assert.deepEqual(req.json.roles, ['dispatcher'], 'nothing granted yet');
  assert.equal(req.json.pending_grant.state, 'pending');
  assert.deepEqual(req.json.pending_grant.roles, ['investigator']);
  const grant = req.json.pending_grant.id;
  assert.deepEqual((await userByName('target')).roles, ['dispatcher']);
  const pending = await s.req('GET', '/api/v1/role-grants', { token: admin2 });
  assert.deepEqual(pending.json.items.map((g) => g.id), [grant]);
  expectError(await s.req('POST', `/api/v1/role-grants/${grant}/approve`, { token: admin }), 403, 'second_admin_required');
  expectError(await s.req('POST', `/api/v1/role-grants/${grant}/approve`, { token: analyst }), 403, 'permission_denied');
  const ok = await s.req('POST', `/api/v1/role-grants/${grant}/approve`, { token: admin2, body: { note: '经审批' } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.state, 'approved');
  assert.equal(ok.json.decided_by, 'admin2');
  assert.deepEqual((await userByName('target')).roles, ['investigator']);
  expectError(await s.req('POST', `/api/v1/role-grants/${grant}/approve`, { token: admin2 }), 409, 'grant_not_pending');
  const entries = await auditSince(s, inspector, since);
  assert.ok(entries.some((e) => e.action === 'user.role_grant.request' && e.actor === 'admin' && e.target === 'target'));
  assert.ok(entries.some((e) => e.action === 'user.role_grant.approve' && e.actor === 'admin2' && e.outcome === 'ok'));
  assert.ok(entries.some((e) => e.action === 'user.role_grant.approve' && e.outcome === 'denied'));

  // A new account with a sensitive role starts without it; rejection leaves it so.
  const created = await s.req('POST', '/api/v1/users',
    { token: admin, body: { username: 'new.insp', password: PASSWORD, roles: ['inspector'] } });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json.roles, []);
  assert.deepEqual(created.json.permissions, []);
  const rej = await s.req('POST', `/api/v1/role-grants/${created.json.pending_grant.id}/reject`,
    { token: admin2, body: { note: '不予批准' } });
  assert.equal(rej.json.state, 'rejected');
  const t = await s.login('new.insp');
  expectError(await s.req('GET', '/api/v1/audit', { token: t }), 403, 'permission_denied');
  // The second admin cannot grant to itself through the first one's request either.
  const a2 = await userByName('admin2');
  const self = await s.req('PATCH', `/api/v1/users/${a2.id}`, { token: admin, body: { roles: ['admin', 'commander'] } });
  assert.equal(self.status, 202);
  expectError(await s.req('POST', `/api/v1/role-grants/${self.json.pending_grant.id}/approve`, { token: admin2 }),
    403, 'self_grant');
  // Removing a role needs no second admin.
  const drop = await s.req('PATCH', `/api/v1/users/${target.id}`, { token: admin, body: { roles: ['dispatcher'] } });
  assert.equal(drop.status, 200);
  assert.deepEqual(drop.json.roles, ['dispatcher']);
});

test('2. source uploads are audited with actor, target and counts; the CLI ingest too', async () => {
  const since = await lastAuditId(s, inspector);
  const csv = `plate,checkpoint_code,passed_at\n琼A90001,${CP},2026-01-10T10:00:00\nbad,${CP},2026-01-10T10:00:00\n`;
  const r = await csvUpload('vehicle_pass', csv, admin, { 'X-Purpose': '卡口数据补录' });
  assert.equal(r.status, 200, r.text);
  // Recorded before the write (started) and after it (ok, with the counts).
  const entries = await auditSince(s, inspector, since, { action: 'events.ingest' });
  assert.deepEqual(entries.map((x) => x.outcome).sort(), ['ok', 'started']);
  assert.ok(entries.find((x) => x.outcome === 'started').id < entries.find((x) => x.outcome === 'ok').id);
  const e = entries.find((x) => x.outcome === 'ok');
  assert.equal(e.actor, 'admin');
  assert.equal(e.target, 'vehicle_pass');
  assert.equal(e.purpose, '卡口数据补录');
  assert.equal(e.detail, 'rows=2 accepted=1 already=0 rejected=1');
  // A refused upload is audited as failed.
  const bad = await csvUpload('vehicle_pass', 'plate\n琼A1\n');
  expectError(bad, 400, 'missing_columns');
  const failed = await auditSince(s, inspector, since, { action: 'events.ingest' });
  assert.ok(failed.some((x) => x.outcome === 'failed'), 'failed upload audited');
});

test('4. blank, control-only and NUL purposes and case numbers are refused and not stored', async () => {
  const url = '/api/v1/services/applications/1';
  const since = await lastAuditId(s, inspector);
  for (const [purpose, code] of [["UTF-8''%0A%0D", 'purpose_required'], ["UTF-8''%E3%80%80%E3%80%80", 'purpose_required'],
    ["UTF-8''a%00b", 'purpose_required'], ['x', 'purpose_required'], ["UTF-8''%E2%80%8B%20", 'purpose_required'],
    ["UTF-8''%E6%A0%B8%0A%E6%9F%A5", 'purpose_required']]) {
    expectError(await s.req('GET', url, { token: clerk, headers: { 'X-Purpose': purpose } }), 400, code);
  }
  // A real purpose is trimmed of Unicode blanks; the case number likewise.
  const ok = await s.req('GET', url, { token: clerk, headers: { 'X-Purpose': "UTF-8''%E3%80%80%E6%A0%B8%E6%9F%A5%E3%80%80" } });
  expectError(ok, 404, 'not_found');
  const entries = await auditSince(s, inspector, since, { action: 'services.application.read' });
  assert.deepEqual(entries.map((e) => e.purpose), ['核查']);
  const graph = `/api/v1/entities/${encodeURIComponent('PLATE:琼A90001')}/graph`;
  expectError(await s.req('GET', graph, { token: analyst, headers: { 'X-Purpose': '研判', 'X-Case-No': "UTF-8''%E3%80%80" } }),
    400, 'case_no_required');
  expectError(await s.req('GET', graph, { token: analyst, headers: { 'X-Purpose': '研判', 'X-Case-No': "UTF-8''A1%00" } }),
    400, 'case_no_required');
});

// Writes raw bytes on a socket; resolves the first response's status line and body.
function rawExchange(head, chunks, { delayMs = 50 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(s.port, '127.0.0.1');
    let data = '';
    let sent = 0;
    sock.on('data', (d) => {
      data += d.toString('utf8');
      if (/\r\n\r\n/.test(data)) {
        const m = /content-length: *(\d+)/i.exec(data);
        const bodyStart = data.indexOf('\r\n\r\n') + 4;
        if (!m || Buffer.byteLength(data.slice(bodyStart)) >= Number(m[1])) {
          sock.destroy();
          const body = Buffer.from(data.slice(bodyStart)).subarray(0, m ? Number(m[1]) : undefined).toString('utf8');
          resolve({ status: Number(data.split(' ')[1]), text: body, sent });
        }
      }
    });
    sock.on('error', (e) => (data ? resolve({ status: Number(data.split(' ')[1]), text: data, sent }) : reject(e)));
    sock.write(head);
    let i = 0;
    const next = () => {
      if (i >= chunks.length || sock.destroyed) return;
      sock.write(chunks[i++], () => {
        sent++;
        setTimeout(next, delayMs);
      });
    };
    next();
  });
}

test('5. chunked and compressed bodies are refused before they are read, without a token', async () => {
  const chunk = Buffer.alloc(1 << 20, 0x61);
  const framed = Buffer.concat([Buffer.from((chunk.length).toString(16) + '\r\n'), chunk, Buffer.from('\r\n')]);
  const r = await rawExchange('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n' +
    'Content-Type: application/json\r\n\r\n', Array(256).fill(framed));
  assert.equal(r.status, 411);
  assert.equal(JSON.parse(r.text).error.code, 'length_required');
  assert.ok(r.sent < 64, `answered after ${r.sent} MiB of 256`);
  const z = await s.req('POST', '/api/v1/auth/login', { rawBody: 'xx', headers: { 'Content-Encoding': 'gzip' } });
  expectError(z, 415, 'unsupported_encoding');
  // A declared length over the limit is refused as before (413, not read).
  const big = await rawExchange(`POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: ${1 << 30}\r\n\r\n`, [chunk]);
  assert.equal(big.status, 413);
  // The server is well afterwards.
  assert.equal((await s.req('GET', '/healthz')).status, 200);
});

test('6. a department clerk cannot list other departments through ?commissioner=', async () => {
  const put = await s.req('PUT', '/api/v1/services/staff/clerk', { token: admin, body: { department: 'exit_entry' } });
  assert.equal(put.status, 200, put.text);
  expectError(await s.req('GET', '/api/v1/services/applications?state=all&commissioner=demo.commissioner', { token: clerk }),
    403, 'not_your_department');
  const mine = await s.req('GET', '/api/v1/services/applications?state=all&commissioner=me', { token: clerk });
  assert.equal(mine.status, 200);
  // 18: an unknown user gets no department.
  expectError(await s.req('PUT', '/api/v1/services/staff/nobody.here', { token: admin, body: { department: 'exit_entry' } }),
    404, 'not_found');
});

test('8 and 16. citizen sign-in locks a phone after 5 failures; registration and applications reveal no accounts', async () => {
  const phone = '13900139001';
  const reg = await s.req('POST', '/api/v1/citizen/register',
    { body: { phone, password: 'citizen-pass-1', id_number: idNumber(21), name: '赵六' } });
  assert.equal(reg.status, 201, reg.text);
  for (let i = 0; i < 5; i++)
    expectError(await s.req('POST', '/api/v1/citizen/login', { body: { phone, password: `wrong-pass-${i}` } }),
      401, 'invalid_credentials');
  expectError(await s.req('POST', '/api/v1/citizen/login', { body: { phone, password: 'citizen-pass-1' } }),
    429, 'too_many_attempts');
  // An unknown phone locks the same way (the lock tells nothing).
  for (let i = 0; i < 5; i++)
    await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13900139999', password: `wrong-pass-${i}` } });
  expectError(await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13900139999', password: 'x' } }),
    429, 'too_many_attempts');
  // After the window the right password works.
  await s.advance(15 * 60 + 1);
  const ok = await s.req('POST', '/api/v1/citizen/login', { body: { phone, password: 'citizen-pass-1' } });
  assert.equal(ok.status, 200, ok.text);

  // Taken phone and taken ID number: one answer.
  expectError(await s.req('POST', '/api/v1/citizen/register',
    { body: { phone, password: 'citizen-pass-1', id_number: idNumber(22), name: '赵七' } }), 409, 'registration_refused');
  expectError(await s.req('POST', '/api/v1/citizen/register',
    { body: { phone: '13900139002', password: 'citizen-pass-1', id_number: idNumber(21), name: '赵七' } }),
    409, 'registration_refused');
  // Another citizen's application and a missing one: both 404; a huge id too (12: no 500).
  const other = await s.req('POST', '/api/v1/citizen/register',
    { body: { phone: '13900139003', password: 'citizen-pass-1', id_number: idNumber(23), name: '钱八' } });
  assert.equal(other.status, 201);
  const tok2 = (await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13900139003', password: 'citizen-pass-1' } })).json.token;
  const app = await s.req('POST', '/api/v1/citizen/applications', {
    token: tok2, body: { item_code: 'HZ001', form: { name: '钱八', id_number: idNumber(23), phone: '13900139003', education: 'master', graduated_on: '2026-06-30' } },
  });
  assert.equal(app.status, 201, app.text);
  for (const id of [app.json.id, 999999, '99999999999999999999'])
    expectError(await s.req('GET', `/api/v1/citizen/applications/${id}`, { token: ok.json.token }), 404, 'not_found');
  // 12: a JSON type error in a staff action is a 422, not a 500.
  await s.req('PUT', '/api/v1/services/staff/clerk', { token: admin, body: { department: '' } });
  expectError(await s.req('POST', `/api/v1/services/applications/${app.json.id}/accept`,
    { token: clerk, body: { follow_days: 'x' } }), 422, 'validation_failed');
});

test('16. a locked staff account answers like an unknown one to a wrong password', async () => {
  s.cli(['user', 'add', '--username', 'lockme', '--roles', 'dispatcher', '--password', PASSWORD]);
  for (let i = 0; i < 5; i++) expectError(await s.loginRaw('lockme', `wrong-password-${i}`), 401, 'invalid_credentials');
  expectError(await s.loginRaw('lockme', 'another-wrong-one'), 401, 'invalid_credentials');
  expectError(await s.loginRaw('no.such.user', 'another-wrong-one'), 401, 'invalid_credentials');
  // Only the right password learns of the lock.
  expectError(await s.loginRaw('lockme', PASSWORD), 403, 'account_locked');
});

test('10 and 11. the data folder is private and rejects files escape formulas', async () => {
  const mode = (p) => fs.statSync(p).mode & 0o777;
  assert.equal(mode(s.dataDir), 0o700);
  if (s.db === 'sqlite') assert.equal(mode(path.join(s.dataDir, 'jingwu.db')) & 0o077, 0);
  for (const sub of ['events', 'search']) {
    const p = path.join(s.dataDir, sub);
    if (fs.existsSync(p)) assert.equal(mode(p) & 0o077, 0, `${sub} is private`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingwu-sec-'));
  const file = path.join(dir, 'hotel.csv');
  fs.writeFileSync(file, 'id_type,id_number,name,hotel_code,checkin_at\n' +
    `ID,123,=cmd|' /C calc'!A0,HT90001,2026-01-10T10:00:00\nID,${idNumber(31)},@SUM(1+1),HT90001,2026-01-10T10:00:00\n` +
    `ID,bad,-2+3,HT90001,2026-01-10T10:00:00\n`);
  // The server holds its event store: the CLI ingests into a second folder.
  const data2 = fs.mkdtempSync(path.join(os.tmpdir(), 'jingwu-sec-data-'));
  fs.writeFileSync(path.join(dir, 'places.csv'), 'code,kind,name,district_code,lat,lon\nHT90001,hotel,酒店,460106,20.05,110.34\n');
  let r = spawnSync(BIN, ['ingest', '--data', data2, '--source', 'places', '--quiet', path.join(dir, 'places.csv')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  r = spawnSync(BIN, ['ingest', '--data', data2, '--source', 'hotel', '--quiet', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rejects = `${file}.rejects.csv`;
  assert.equal(mode(rejects), 0o600);
  const text = fs.readFileSync(rejects, 'utf8');
  assert.match(text, /^ID,123,'=cmd\|' \/C calc'!A0,HT90001/m);
  assert.match(text, /^ID,bad,'-2\+3,HT90001/m);
  assert.ok(!/^[^\n]*,=/m.test(text), 'no cell starts with =');
  assert.equal(mode(data2), 0o700);
  // The CLI ingest is audited as actor cli.
  const v = spawnSync(BIN, ['audit', 'verify', '--data', data2], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  const db = path.join(data2, 'jingwu.db');
  const q = spawnSync('sqlite3', [db, "SELECT actor, target, outcome FROM audit_log WHERE action = 'events.ingest' ORDER BY id"], { encoding: 'utf8' });
  assert.equal(q.stdout.trim().split('\n').length, 2, q.stdout);
  assert.match(q.stdout, /^cli\|.*hotel\.csv\|ok$/m);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(data2, { recursive: true, force: true });
});

test('13. a POST without Content-Length has an empty body: logout works and ends the session', async () => {
  const t = await s.login('commander');
  const r = await rawExchange(`POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t}\r\n\r\n`, []);
  assert.equal(r.status, 204, r.text);
  expectError(await s.req('GET', '/api/v1/auth/me', { token: t }), 401, 'unauthenticated');
});

test('14 and 18. CSV and NDJSON uploads: nothing lost without a count, bad text rejected, re-upload accepts 0', async () => {
  const rows = [];
  for (let i = 0; i < 9; i++) rows.push(`琼A9${String(i).padStart(4, '0')},${CP},2026-02-0${i + 1}T10:00:00`);
  rows[2] = `"琼A90002,${CP},2026-02-03T10:00:00`;  // the quote never closes
  const csv = 'plate,checkpoint_code,passed_at\n' + rows.join('\n') + '\n';
  const r = await csvUpload('vehicle_pass', csv);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rows, 9);
  assert.equal(r.json.accepted, 8);
  assert.deepEqual(r.json.rejects_by_reason, { malformed_row: 1 });
  assert.deepEqual(r.json.rejects.map((x) => x.line), [4]);
  const again = await csvUpload('vehicle_pass', csv);
  assert.equal(again.json.accepted, 0, 'nothing stored again');
  assert.equal(again.json.already, 8);

  // Invalid UTF-8, NUL, and a logout before the login are rejected, not stored mangled.
  const bad = Buffer.concat([
    Buffer.from('id_number,name,cafe_code,login_at,logout_at,seat\n'),
    Buffer.from(`${idNumber(41)},王`), Buffer.from([0xff, 0xfe]), Buffer.from(',NB90001,2026-01-10T10:00:00,,7\n'),
    Buffer.from(`${idNumber(42)},李\u0000四,NB90001,2026-01-10T10:00:00,,7\n`),
    Buffer.from(`${idNumber(43)},张三,NB90001,2026-01-10T10:00:00,2026-01-10T09:00:00,7\n`),
    Buffer.from(`${idNumber(44)},张三,NB90001,2026-01-10T10:00:00,not-a-time,7\n`),
    Buffer.from(`${idNumber(45)},张三,NB90001,2026-01-10T10:00:00,2026-01-10T12:00:00,7\n`),
  ]);
  const n = await csvUpload('netcafe', bad);
  assert.equal(n.status, 200, n.text);
  assert.equal(n.json.accepted, 1);
  assert.deepEqual(n.json.rejects_by_reason, { invalid_encoding: 1, invalid_value: 1, invalid_time: 2 });
  // NDJSON keys become columns only when they are plain names.
  const nd = `{"plate":"琼A91111","checkpoint_code":"${CP}","passed_at":"2026-03-01T10:00:00","__proto__":{"x":1}}\n` +
    `{"plate":"琼A91112","checkpoint_code":"${CP}","passed_at":"2026-03-01T10:00:00","lane":"3"}\n`;
  const j = await s.req('POST', '/api/v1/sources/vehicle_pass/records',
    { token: admin, rawBody: nd, headers: { 'Content-Type': 'application/x-ndjson' } });
  assert.equal(j.status, 200, j.text);
  assert.equal(j.json.accepted, 1);
  assert.deepEqual(j.json.rejects_by_reason, { malformed_row: 1 });
  assert.match(j.json.rejects[0].message, /__proto__/);
});

test('15 and 18. free text has limits and no control characters', async () => {
  const big = 'x'.repeat(1 << 20);
  const target = await userByName('target');
  expectError(await s.req('PATCH', `/api/v1/users/${target.id}`, { token: admin, body: { display_name: big } }), 422, 'text_too_long');
  expectError(await s.req('PATCH', `/api/v1/users/${target.id}`, { token: admin, body: { display_name: '王\u0000五' } }), 422, 'invalid_text');
  const inv = analyst;
  const exp = new Date(Date.now() + 86400000).toISOString();
  expectError(await s.req('POST', '/api/v1/watchlist',
    { token: inv, body: { entity: 'PLATE:琼A12345', reason: big, legal_basis: '依据', expires_at: exp } }), 422, 'text_too_long');
  const e = await s.req('POST', '/api/v1/watchlist',
    { token: inv, body: { entity: 'PLATE:琼A12345', reason: '核查', legal_basis: '依据', expires_at: exp } });
  assert.equal(e.status, 201);
  expectError(await s.req('POST', `/api/v1/watchlist/${e.json.id}/approve`, { token: commander, body: { note: big } }),
    422, 'text_too_long');
  expectError(await s.req('POST', '/api/v1/gangs',
    { token: analyst, body: { name: '测试团伙', type: 'evil', district_code: '460106', notes: big } }), 422, 'text_too_long');
  expectError(await s.req('POST', '/api/v1/traffic/accidents',
    { token: analyst, body: { occurred_at: '2025-01-01T10:00:00', place: big, district_code: '460106', deaths: 0, injuries: 1, vehicles: 2 } }),
    422, 'text_too_long');
  // 18: a date-only expiry is the end of that day.
  const day = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
  const d = await s.req('POST', '/api/v1/watchlist',
    { token: inv, body: { entity: 'PLATE:琼A12346', reason: '核查', legal_basis: '依据', expires_at: day } });
  assert.equal(d.status, 201, d.text);
  assert.equal(d.json.expires_at, `${day}T23:59:59+08:00`);
});

test('17. passwords that are easy to guess are refused with a reason, for staff and citizens', async () => {
  for (const pw of ['aaaaaaaaaaaa', ' '.repeat(12), '123456789012', 'password1234', 'qwertyuiop12', 'policepolice']) {
    const r = await s.req('POST', '/api/v1/users', { token: admin, body: { username: 'weak.pw', password: pw, roles: ['dispatcher'] } });
    expectError(r, 422, 'weak_password');
    const c = await s.req('POST', '/api/v1/citizen/register',
      { body: { phone: '13900139050', password: pw, id_number: idNumber(50), name: '孙九' } });
    expectError(c, 422, 'weak_password');
  }
  const ok = await s.req('POST', '/api/v1/users', { token: admin, body: { username: 'strong.pw', password: 'Hai-Kou-Bay-7421', roles: ['dispatcher'] } });
  assert.equal(ok.status, 201, ok.text);
});

test('18. case search matches % and _ literally', async () => {
  const all = await s.req('GET', '/api/v1/cases', { token: analyst });
  assert.equal(all.status, 200);
  const c = await s.req('POST', '/api/v1/cases', { token: analyst, body: {
    kind: 'criminal', category: 'theft', district_code: '460106', status: 'filed', place: '100%_广场',
    occurred_at: '2025-01-01T10:00:00', filed_at: '2025-01-01T12:00:00' } });
  assert.equal(c.status, 201, c.text);
  for (const q of ['%', '_']) {
    const r = await s.req('GET', `/api/v1/cases?q=${encodeURIComponent(q)}`, { token: analyst });
    assert.equal(r.status, 200);
    assert.equal(r.json.total, 1, `q=${q} matches the one case with ${q} in it, not all ${all.json.total}`);
  }
});

test('9. HTTPS with HSTS and security headers; plain HTTP to the TLS port gets no answer', async () => {
  const t = await startServer({ users: [{ username: 'admin', roles: ['admin'] }], tls: true });
  try {
    assert.match(t.url, /^https:/);
    const r = await t.req('GET', '/healthz');
    assert.equal(r.status, 200);
    assert.match(r.headers['strict-transport-security'], /max-age=31536000/);
    const login = await t.req('POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } });
    assert.equal(login.status, 200);
    for (const h of [r.headers, login.headers]) {
      assert.match(h['content-security-policy'], /default-src 'self'; script-src 'self'/);
      assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
      assert.equal(h['x-content-type-options'], 'nosniff');
      assert.equal(h['x-frame-options'], 'DENY');
      assert.equal(h['referrer-policy'], 'no-referrer');
    }
    const plain = await new Promise((resolve) => {
      const sock = net.connect(t.port, '127.0.0.1', () => sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => (got += d.toString('latin1')));
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
      setTimeout(() => sock.destroy(), 3000);
    });
    assert.ok(!plain.startsWith('HTTP/1.1 200'), 'no plain-HTTP answer');
    // The key and certificate are the owner's only.
    assert.equal(fs.statSync(path.join(t.dataDir, 'tls', 'key.pem')).mode & 0o077, 0);
  } finally {
    await t.stop();
  }
  // Without TLS: the same headers, no HSTS.
  const r = await s.req('GET', '/healthz');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['strict-transport-security'], undefined);
});
