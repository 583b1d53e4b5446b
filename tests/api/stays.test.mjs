// Visa-free foreigner stays (docs/stays.md) on the city `jingwu gen` writes:
// every planted case raises exactly the alerts truth.json names and nothing
// else does; reminders reach the webhook in the visitor's language; a host's
// registration in the citizen portal resolves the open alert; bad
// registrations get specific errors and write nothing; reads need person.read
// and a purpose and are audited.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { auditSince, expectError, genCity, lastAuditId, startServer } from './lib/server.mjs';

let s;
let cmd;
let clerk;
let disp;
let insp;
let gen;
let hook;
let evalOut;
const received = [];
const PURPOSE = { 'X-Purpose': '免签外国人管控' };

const cases = () => gen.truth.stays.cases;
const ofCase = (kind) => cases().filter((c) => c.case === kind);
const local = (iso) => new Date(iso.includes('+') ? iso : iso + '+08:00').getTime();
const isoPlus = (iso, hours) => new Date(local(iso) + hours * 3600e3).toISOString();

function csv(file) {
  const lines = fs.readFileSync(path.join(gen.dir, file), 'utf8').split('\n').filter(Boolean);
  const head = lines[0].split(',');
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
}

async function until(fn, what, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function alerts(query = '') {
  const r = await s.req('GET', `/api/v1/registry/stays/alerts?limit=1000${query}`, { token: cmd, headers: PURPOSE });
  assert.equal(r.status, 200, r.text);
  return r.json.items;
}

before(async () => {
  gen = genCity(3, 'jingwu-stays-');
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  s = await startServer({
    users: [
      { username: 'commander', roles: ['commander'] },
      { username: 'clerk', roles: ['service_clerk'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'inspector', roles: ['inspector'] },
    ],
    config: {
      stays: { as_of: gen.truth.stays.as_of, webhook_url: `http://127.0.0.1:${hook.address().port}/sms`, sweep_seconds: 1 },
    },
    beforeStart: (cli) => {
      const i = cli(['ingest', '--source', 'all', gen.dir, '--quiet'], { timeout: 180000 });
      assert.equal(i.code, 0, i.stderr + i.stdout);
      const r = cli(['registry', 'import', gen.dir], { timeout: 120000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /guest_registrations\.csv +\d+ rows +\d+ accepted +0 already +0 rejected/);
      // The command-line evaluation against the same truth (the bench's figures).
      const e = cli(['registry', 'stays-eval', gen.dir], { timeout: 120000 });
      assert.equal(e.code, 0, e.stderr + e.stdout);
      evalOut = e.stdout;
    },
  });
  cmd = await s.login('commander');
  clerk = await s.login('clerk');
  disp = await s.login('dispatcher');
  insp = await s.login('inspector');
  await until(async () => (await s.req('GET', '/api/v1/registry/stays/board', { token: cmd })).json?.ready, 'the first evaluation');
});
after(async () => {
  await s?.stop();
  hook?.close();
  fs.rmSync(gen.dir, { recursive: true, force: true });
});

test('every planted case raises exactly its alerts, and no other visitor raises any', async () => {
  const all = await alerts();
  const byPassport = new Map();
  for (const a of all) {
    if (!byPassport.has(a.passport)) byPassport.set(a.passport, new Set());
    byPassport.get(a.passport).add(a.kind);
  }
  let expected = 0;
  for (const c of cases()) {
    const got = [...(byPassport.get(c.passport) || [])].sort();
    assert.deepEqual(got, [...c.expect].sort(), `${c.case} ${c.passport}`);
    expected += c.expect.length;
  }
  const planted = new Set(cases().map((c) => c.passport));
  for (const p of byPassport.keys()) assert.ok(planted.has(p), `an alert for ${p}, which is not planted`);
  assert.equal(all.length, expected);
  // Overstays: the days over and the fine band.
  for (const c of [...ofCase('overstay_left'), ...ofCase('overstay_open')]) {
    const o = all.find((a) => a.passport === c.passport && a.kind === 'overstay');
    assert.equal(o.detail.days_over, c.days_over, c.passport);
    assert.equal(o.detail.fine_cny, Math.min(500 * c.days_over, 10000));
    assert.equal(o.raised_at, c.deadline + '+08:00');
    assert.equal(o.resolved_at === null, c.case === 'overstay_open');
  }
  for (const c of ofCase('mainland_departure')) {
    const m = all.find((a) => a.passport === c.passport && a.kind === 'mainland_departure');
    assert.equal(m.detail.place, c.station);
  }
  for (const c of ofCase('registration_gap')) {
    const g = all.find((a) => a.passport === c.passport);
    assert.equal(g.detail.since, c.left_at + '+08:00');
    assert.equal(g.resolution, 'registered');
  }
});

test('jingwu registry stays-eval finds every planted case and nothing else', () => {
  const planted = cases().reduce((n, c) => n + c.expect.length, 0);
  assert.match(evalOut, new RegExp(`recall 1\\.0000 \\(${planted} of ${planted} planted\\), precision 1\\.0000 \\(${planted} of ${planted} raised\\)`));
  const overstays = cases().filter((c) => c.days_over).length;
  assert.match(evalOut, new RegExp(`overstay days: ${overstays} of ${overstays} right`));
});

test('the board counts what is open now', async () => {
  const b = (await s.req('GET', '/api/v1/registry/stays/board', { token: cmd })).json;
  assert.equal(b.as_of.slice(0, 13), gen.truth.stays.as_of.slice(0, 13));
  assert.equal(b.open_alerts.no_registration, ofCase('unregistered_open').length);
  assert.equal(b.open_alerts.overstay, ofCase('overstay_open').length);
  assert.equal(b.open_alerts.limit_approaching, ofCase('reminder_due').length);
  assert.equal(b.open_alerts.mainland_departure, ofCase('mainland_departure').length);
  assert.ok(b.in_hainan >= ofCase('overstay_open').length + ofCase('reminder_due').length + ofCase('unregistered_open').length);
  const here = await s.req('GET', '/api/v1/registry/stays?status=in_hainan&limit=500', { token: cmd, headers: PURPOSE });
  assert.equal(here.json.total, b.in_hainan);
  for (const c of ofCase('overstay_open')) assert.ok(here.json.items.some((v) => v.passport === c.passport && v.days_left < 0));
});

test('reminders go to the webhook in the visitor\'s language, once', async () => {
  const due = ofCase('reminder_due');
  const out = await until(async () => {
    const r = await s.req('GET', '/api/v1/registry/stays/outbox', { token: cmd, headers: PURPOSE });
    return r.json.items.length === due.length && r.json.items.every((m) => m.state === 'delivered') && r.json.items;
  }, 'the reminders to be delivered');
  assert.deepEqual(out.map((m) => m.passport).sort(), due.map((c) => c.passport).sort());
  assert.equal(received.length, due.length);
  const lang = { RUS: 'ru', KAZ: 'ru', BLR: 'ru', KOR: 'ko', JPN: 'ja', SGP: 'zh' };
  for (const m of received) {
    const nat = m.passport.slice(9, 12);
    assert.equal(m.language, lang[nat] || 'en', m.passport);
    const c = due.find((x) => x.passport === m.passport);
    const lastDay = new Date(local(c.deadline) - 86400e3 + 8 * 3600e3).toISOString().slice(0, 10);
    assert.ok(m.text.includes(lastDay), m.text);
    if (m.language === 'ru') assert.match(m.text, /Хайнане/);
    assert.match(m.phone, /^1\d{10}$/);
  }
  const one = await s.req('GET', `/api/v1/registry/stays/outbox?passport=${encodeURIComponent(due[0].passport)}`,
    { token: cmd, headers: PURPOSE });
  assert.equal(one.json.total, 1);
  assert.equal(one.json.items[0].passport, due[0].passport);
  const page = await s.req('GET', '/api/v1/registry/stays/alerts?limit=1&offset=1', { token: cmd, headers: PURPOSE });
  assert.equal(page.json.items.length, 1);
  assert.equal(page.json.total, cases().reduce((n, c) => n + c.expect.length, 0));
  // The policy holds no personal data: the citizen portal reads it without a staff session.
  const policy = await s.req('GET', '/api/v1/registry/stays/policy');
  assert.equal(policy.status, 200);
  assert.equal(policy.json.countries.length, 59);
  const retry = await s.req('POST', `/api/v1/registry/stays/outbox/${out[0].id}/retry`, { token: cmd });
  expectError(retry, 409, 'already_delivered');
});

test('a visitor\'s timeline holds the entry, the hotels and the exit with their rows', async () => {
  const c = ofCase('overstay_left')[0];
  const r = await s.req('GET', `/api/v1/registry/stays/visitor/${encodeURIComponent(c.passport)}`, { token: cmd, headers: PURPOSE });
  assert.equal(r.status, 200, r.text);
  const stay = r.json.stays.find((x) => x.entry_at === c.entry + '+08:00');
  assert.ok(stay, r.text);
  assert.equal(stay.status, 'left');
  assert.equal(stay.entry_place.name, '美兰国际机场');
  assert.equal(stay.trips[0].direction, 'IN');
  assert.equal(stay.trips[0].record.direction, 'IN');
  assert.ok(stay.lodgings.length >= 1 && stay.lodgings.every((l) => l.kind === 'hotel' && l.record.hotel_code));
  assert.deepEqual(stay.alerts.map((a) => a.kind), ['limit_approaching', 'overstay']);
  const stored = await alerts(`&passport=${encodeURIComponent(c.passport)}`);
  for (const a of stay.alerts) assert.ok(stored.some((x) => x.id === a.id && x.kind === a.kind), 'the stored alert id');
  assert.equal(stored[0].detail.entry_place_name, '美兰国际机场');
  assert.equal(stay.day, c.days_over + 30);
});

test('reads need person.read and a purpose, and are audited', async () => {
  expectError(await s.req('GET', '/api/v1/registry/stays/alerts', { token: cmd }), 400, 'purpose_required');
  expectError(await s.req('GET', '/api/v1/registry/stays/alerts', { token: disp, headers: PURPOSE }), 403, 'permission_denied');
  expectError(await s.req('GET', '/api/v1/registry/stays/board', { token: disp }), 403, 'permission_denied');
  expectError(await s.req('GET', '/api/v1/registry/stays/board'), 401, 'unauthenticated');
  expectError(await s.req('GET', '/api/v1/registry/stays/alerts?kind=late', { token: cmd, headers: PURPOSE }), 422, 'invalid_value');
  expectError(await s.req('GET', '/api/v1/registry/stays?status=gone', { token: cmd, headers: PURPOSE }), 422, 'invalid_value');
  const since = await lastAuditId(s, insp);
  const c = ofCase('late_registration')[0];
  await s.req('GET', `/api/v1/registry/stays/visitor/${encodeURIComponent(c.passport)}`, { token: cmd, headers: PURPOSE });
  const got = await auditSince(s, insp, since, { action: 'stays.visitor.read' });
  assert.equal(got.length, 1);
  assert.equal(got[0].target, c.passport);
  assert.equal(got[0].purpose, '免签外国人管控');
  assert.equal(got[0].actor, 'commander');
});

test('an alert is acknowledged once', async () => {
  const [a] = await alerts('&kind=mainland_departure');
  const ok = await s.req('POST', `/api/v1/registry/stays/alerts/${a.id}/acknowledge`, { token: cmd });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.acknowledged_by, 'commander');
  assert.ok(ok.json.seq > a.seq);
  expectError(await s.req('POST', `/api/v1/registry/stays/alerts/${a.id}/acknowledge`, { token: cmd }), 409, 'already_acknowledged');
  expectError(await s.req('POST', '/api/v1/registry/stays/alerts/999999/acknowledge', { token: cmd }), 404, 'unknown_alert');
});

test('a host registers a guest in the citizen portal and the open alert resolves; bad registrations change nothing', async () => {
  // The host: a resident of the city with a room in the registry.
  const resident = csv('population.csv').find((r) => r.category === 'registered' && !r.moved_out_at && r.relation === '本人');
  const idNumber = resident.person.slice(3);
  const reg = await s.req('POST', '/api/v1/citizen/register', {
    body: { phone: '13912345678', password: 'citizen-pass-1', id_number: idNumber, name: resident.name },
  });
  assert.equal(reg.status, 201, reg.text);
  const login = await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13912345678', password: 'citizen-pass-1' } });
  const tok = login.json.token;
  const mine = await s.req('GET', '/api/v1/citizen/guests', { token: tok });
  assert.equal(mine.status, 200, mine.text);
  assert.deepEqual(mine.json.rooms.map((r) => r.code), [resident.address_code]);
  assert.equal(mine.json.total, 0);

  const c = ofCase('unregistered_open')[0];
  const [nat, number] = c.passport.slice(9).split('/');
  const body = {
    nationality: nat, passport_number: number, name: 'GUEST NAME', phone: '13800000000',
    arrived_at: isoPlus(c.entry, 2), address_code: resident.address_code,
  };
  const bad = async (patch, status, code) => {
    const r = await s.req('POST', '/api/v1/citizen/guests', { token: tok, body: { ...body, ...patch } });
    expectError(r, status, code);
  };
  await bad({ passport_number: '999999999', nationality: 'RUS' }, 422, 'no_entry_record');
  await bad({ arrived_at: isoPlus(gen.truth.stays.as_of, 48) }, 422, 'arrival_in_future');
  await bad({ arrived_at: isoPlus(c.entry, -48) }, 422, 'no_entry_record');
  await bad({ nationality: 'R' }, 422, 'invalid_passport');
  await bad({ arrived_at: '2025-13-40' }, 422, 'invalid_time');
  await bad({ departs_at: isoPlus(c.entry, 1) }, 422, 'departs_before_arrival');
  await bad({ name: '' }, 422, 'validation_failed');
  await bad({ address_code: undefined, address_text: '火星大道99号' }, 422, 'address_not_matched');
  await bad({ address_code: '4601069999999999999999999' }, 404, 'unknown_address');
  await bad({ address_code: resident.address_code.slice(0, 16) }, 422, 'not_a_room');
  expectError(await s.req('POST', '/api/v1/citizen/guests', { body }), 401, 'unauthenticated');
  assert.equal((await s.req('GET', '/api/v1/citizen/guests', { token: tok })).json.total, 0, 'nothing written');
  assert.equal((await alerts(`&open=1&passport=${encodeURIComponent(c.passport)}`)).length, 1);

  const ok = await s.req('POST', '/api/v1/citizen/guests', { token: tok, body });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.passport, c.passport);
  assert.equal(ok.json.source, 'portal');
  assert.equal(ok.json.host_name, resident.name);
  expectError(await s.req('POST', '/api/v1/citizen/guests', { token: tok, body }), 409, 'already_registered');
  // At once: the alert is resolved as registered (late: after the 24 hours).
  assert.equal((await alerts(`&open=1&passport=${encodeURIComponent(c.passport)}`)).length, 0);
  const [done] = await alerts(`&passport=${encodeURIComponent(c.passport)}`);
  assert.equal(done.kind, 'no_registration');
  assert.equal(done.resolution, 'registered');
  assert.ok(done.detail.hours_late >= 1);
  const listed = await s.req('GET', '/api/v1/citizen/guests', { token: tok });
  assert.equal(listed.json.total, 1);
  assert.ok(listed.json.items[0].full_address.startsWith('海口市'));
});

test('an officer registers a guest for a host; others may not', async () => {
  const c = ofCase('unregistered_open')[1] || ofCase('unregistered_open')[0];
  const [nat, number] = c.passport.slice(9).split('/');
  const host = csv('population.csv').find((r) => r.category === 'registered' && !r.moved_out_at && r.relation === '本人' && r.person.startsWith('ID:4601'));
  const body = {
    nationality: nat, passport_number: number, name: 'GUEST', arrived_at: isoPlus(c.entry, 3),
    address_code: host.address_code, host_id_number: host.person.slice(3), host_name: host.name,
  };
  expectError(await s.req('POST', '/api/v1/registry/stays/guests', { token: disp, body }), 403, 'permission_denied');
  expectError(await s.req('POST', '/api/v1/registry/stays/guests', { token: clerk, body: { ...body, host_id_number: '123' } }),
    422, 'invalid_id_number');
  const r = await s.req('POST', '/api/v1/registry/stays/guests', { token: clerk, body: { ...body, arrived_at: isoPlus(c.entry, 4) } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.source, 'officer');
});
