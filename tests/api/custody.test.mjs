// Custody supervision through the HTTP API (docs/custody.md): a facility and
// rooms, an admission from a case's suspect with the due time the law sets
// (to the hour), an extension with its approver, the alerts with custody past
// its limit first, a release; who may read and write; a purpose for every
// read of detainees, audited; bad input gets specific errors and writes
// nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditSince, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let officer, cmd, inv, analyst, inspector;
let caseNo;
const A = '460100199001011230';
const B = '460106198503120019';
const purpose = { 'X-Purpose': encodeURIComponent('监所安全检查') };

before(async () => {
  s = await startServer({
    users: [
      { username: 'officer', roles: ['custody_officer'] },
      { username: 'cmd', roles: ['commander'] },
      { username: 'inv', roles: ['investigator'] },
      { username: 'analyst', roles: ['analyst'] },
      { username: 'inspector', roles: ['inspector'] },
    ],
  });
  [officer, cmd, inv, analyst, inspector] = await Promise.all(['officer', 'cmd', 'inv', 'analyst', 'inspector'].map((u) => s.login(u)));
  const c = await s.req('POST', '/api/v1/cases', {
    token: inv,
    body: {
      kind: 'criminal', category: 'burglary', district_code: '460106', place: '龙华区滨海大道1号',
      occurred_at: '2025-03-01T02:00:00+08:00', reported_at: '2025-03-01T08:00:00+08:00',
      filed_at: '2025-03-01T10:00:00+08:00', status: 'filed', narrative: '入室盗窃',
      suspects: [{ id_number: A, name: '王某某', role: 'principal' }, { id_number: B, name: '张某', role: 'accomplice' }],
    },
  });
  assert.equal(c.status, 201, c.text);
  caseNo = c.json.case_no;
});
after(async () => {
  await s?.stop();
});

test('facilities and rooms: created by custody officers, read by commanders, refused with reasons', async () => {
  expectError(await s.req('POST', '/api/v1/custody/facilities', { token: cmd, body: { code: 'K1', name: '看守所', kind: 'detention_center', district_code: '460106' } }),
    403, 'permission_denied');
  expectError(await s.req('POST', '/api/v1/custody/facilities', { token: officer, body: { code: 'K1', name: '看守所', kind: 'prison', district_code: '460106' } }),
    422, 'invalid_kind');
  const f = await s.req('POST', '/api/v1/custody/facilities', { token: officer, body: { code: 'K1', name: '海口市看守所', kind: 'detention_center', district_code: '460106' } });
  assert.equal(f.status, 201, f.text);
  expectError(await s.req('POST', '/api/v1/custody/facilities', { token: officer, body: { code: 'K1', name: '又一个', kind: 'detention_center', district_code: '460106' } }),
    409, 'facility_exists');
  assert.equal((await s.req('POST', '/api/v1/custody/facilities/K1/rooms', { token: officer, body: { room: '101', capacity: 1 } })).status, 201);
  assert.equal((await s.req('POST', '/api/v1/custody/facilities/K1/rooms', { token: officer, body: { room: '102', capacity: 6 } })).status, 201);
  expectError(await s.req('POST', '/api/v1/custody/facilities/K1/rooms', { token: officer, body: { room: '103', capacity: 0 } }), 422, 'invalid_value');
  expectError(await s.req('POST', '/api/v1/custody/facilities/K9/rooms', { token: officer, body: { room: '103', capacity: 4 } }), 404, 'unknown_facility');
  const list = await s.req('GET', '/api/v1/custody/facilities', { token: cmd });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.facilities[0].capacity, 7);
  expectError(await s.req('GET', '/api/v1/custody/facilities', { token: analyst }), 403, 'permission_denied');
});

test('admission, extension, alerts and release keep the legal limit to the hour', async () => {
  const admit = (body) => s.req('POST', '/api/v1/custody/detainees', { token: officer, body: { facility_code: 'K1', room: '101', case_no: caseNo, basis: 'criminal_detention', ...body } });
  expectError(await admit({ id_number: '110101199003074514' }), 422, 'not_a_suspect');
  expectError(await admit({ id_number: A, case_no: 'A0000' }), 404, 'unknown_case');
  expectError(await admit({ id_number: A, basis: 'administrative_detention', decision_days: 5 }), 422, 'wrong_facility');
  expectError(await admit({ id_number: A, admitted_at: '2099-01-01T00:00:00' }), 422, 'invalid_time');
  expectError(await admit({ id_number: A, decision_days: 'x' }), 422, 'invalid_value');
  // Admitted yesterday at 23:30 (or the day before): due three days later at 23:30, not yet overdue, so it can
  // be extended (custody past its limit cannot: 409 limit_passed, the unit suite and custody_gen.test.mjs).
  const now = new Date();
  const ago = new Date(now.getTime() - 1 * 86400000);
  const local = new Date(ago.getTime() + 8 * 3600000).toISOString().slice(0, 10) + 'T23:30:00';
  const a = await admit({ id_number: A, admitted_at: local });
  assert.equal(a.status, 201, a.text);
  const due = new Date(new Date(local + '+08:00').getTime() + 3 * 86400000);
  assert.equal(new Date(a.json.due_at).getTime(), due.getTime());
  assert.equal(a.json.name, '王某某');
  expectError(await admit({ id_number: B }), 409, 'over_capacity');
  const b = await admit({ id_number: B, over_capacity_reason: '临时收押' });
  assert.equal(b.status, 201, b.text);
  expectError(await admit({ id_number: B, room: '102' }), 409, 'already_in_custody');
  // Reads need a purpose and are audited.
  expectError(await s.req('GET', '/api/v1/custody/alerts', { token: cmd }), 400, 'purpose_required');
  const since = await lastAuditId(s, inspector);
  const alerts = await s.req('GET', '/api/v1/custody/alerts', { token: cmd, headers: purpose });
  assert.equal(alerts.status, 200, alerts.text);
  const overdue = a.json.hours_left < 0;
  if (overdue) {
    assert.equal(alerts.json.alerts[0].kind, 'overdue');
    assert.equal(alerts.json.alerts[0].detainee_id, a.json.id);
  }
  assert.equal((await auditSince(s, inspector, since, { action: 'custody.alerts' })).length, 1);
  // Extensions: an approver, and no further than the law allows.
  const ext = (body) => s.req('POST', `/api/v1/custody/detainees/${a.json.id}/extensions`, { token: officer, body });
  expectError(await ext({ days: 4, reason: 'complex' }), 422, 'approver_required');
  expectError(await ext({ days: 5, reason: 'complex', approved_by: '王局长', approval_no: '琼公延12号' }), 422, 'extension_exceeds_limit');
  expectError(await ext({ days: 2, reason: 'busy', approved_by: '王局长', approval_no: '琼公延12号' }), 422, 'invalid_reason');
  const e = await ext({ days: 4, reason: 'complex', approved_by: '王局长', approval_no: '琼公延12号' });
  assert.equal(e.status, 200, e.text);
  assert.equal(new Date(e.json.due_at).getTime(), due.getTime() + 4 * 86400000);
  assert.equal(e.json.extensions[0].approved_by, '王局长');
  const after_ = await s.req('GET', '/api/v1/custody/alerts', { token: cmd, headers: purpose });
  assert.ok(!after_.json.alerts.some((x) => x.kind === 'overdue' && x.detainee_id === a.json.id), after_.text);
  // Events.
  expectError(await s.req('POST', '/api/v1/custody/events', { token: officer, body: { facility_code: 'K1', room: '101', kind: 'roll_call', count: -1 } }), 422, 'invalid_value');
  expectError(await s.req('POST', '/api/v1/custody/events', { token: officer, body: { facility_code: 'K1', room: '101', kind: 'medical' } }), 422, 'detainee_required');
  const rc = await s.req('POST', '/api/v1/custody/events', { token: officer, body: { facility_code: 'K1', room: '101', kind: 'roll_call', count: 1 } });
  assert.equal(rc.status, 201, rc.text);
  const mism = await s.req('GET', '/api/v1/custody/alerts?facility=K1', { token: cmd, headers: purpose });
  assert.ok(mism.json.alerts.some((x) => x.kind === 'headcount_mismatch' && x.room === '101'), mism.text);
  // Release: with a reason, after the admission, once.
  const rel = (id, body) => s.req('POST', `/api/v1/custody/detainees/${id}/release`, { token: officer, body });
  expectError(await rel(b.json.id, {}), 422, 'reason_required');
  expectError(await rel(b.json.id, { reason: '取保候审', released_at: '2000-01-01T00:00:00' }), 422, 'invalid_time');
  const r = await rel(b.json.id, { reason: '取保候审' });
  assert.equal(r.status, 200, r.text);
  expectError(await rel(b.json.id, { reason: '取保候审' }), 409, 'already_released');
  const one = await s.req('GET', `/api/v1/custody/detainees/${a.json.id}`, { token: inv, headers: purpose });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.case_no, caseNo);
  expectError(await s.req('GET', '/api/v1/custody/detainees/99999', { token: inv, headers: purpose }), 404, 'unknown_detainee');
});
