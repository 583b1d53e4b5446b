// Case records: create, validate, edit with history and optimistic locking,
// masked suspects and the purpose rule for full identities, gangs, traffic.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditSince, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let inv;
let insp;
let disp;
let analyst;

const SAMPLE = {
  kind: 'criminal', category: 'burglary', district_code: '460106', place: '龙华区滨海大道1号',
  occurred_at: '2020-03-01T02:00:00+08:00', reported_at: '2020-03-01T08:00:00+08:00',
  filed_at: '2020-03-01T10:00:00+08:00', status: 'filed', narrative: '入室盗窃',
  suspects: [{ id_number: '460100199001011230', name: '王某某', role: 'principal' }],
};

before(async () => {
  s = await startServer({
    users: [
      { username: 'investigator', roles: ['investigator'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'analyst', roles: ['analyst'] },
    ],
  });
  inv = await s.login('investigator');
  insp = await s.login('inspector');
  disp = await s.login('dispatcher');
  analyst = await s.login('analyst');
});
after(async () => {
  await s?.stop();
});

async function count(token = inv) {
  return (await s.req('GET', '/api/v1/cases', { token })).json.total;
}

test('create: 201 with a generated number, suspects masked for display', async () => {
  const r = await s.req('POST', '/api/v1/cases', { token: inv, body: SAMPLE });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.case_no, /^A4601062020\d{6}$/);
  assert.equal(r.json.version, 1);
  const got = await s.req('GET', `/api/v1/cases/${r.json.id}`, { token: analyst });
  assert.equal(got.status, 200);
  assert.deepEqual(got.json.suspects, [{ id_number: '460100********1230', name: '王**', role: 'principal' }]);
  assert.equal(got.json.suspects_masked, true);
});

test('validation errors are specific and store nothing', async () => {
  const before = await count();
  const cases = [
    [{ district_code: '110101' }, 'unknown_district'],
    [{ category: 'jaywalking' }, 'unknown_category'],
    [{ solved_at: '2020-02-01T00:00:00+08:00', status: 'solved' }, 'time_order'],
    [{ occurred_at: 'yesterday' }, 'invalid_time'],
    [{ suspects: [{ id_number: '460100199001011234', name: '王某' }] }, 'invalid_id_number'],
    [{ gang_id: 424242 }, 'unknown_gang'],
    [{ filed_at: '2099-01-01T00:00:00+08:00' }, 'time_in_future'],
  ];
  for (const [change, code] of cases) {
    expectError(await s.req('POST', '/api/v1/cases', { token: inv, body: { ...SAMPLE, ...change } }), 422, code);
  }
  expectError(await s.req('POST', '/api/v1/cases', { token: inv, rawBody: '{"kind":', headers: { 'Content-Type': 'application/json' } }),
    400, 'malformed_json');
  const dup = { ...SAMPLE, case_no: 'X-DUP-1' };
  assert.equal((await s.req('POST', '/api/v1/cases', { token: inv, body: dup })).status, 201);
  expectError(await s.req('POST', '/api/v1/cases', { token: inv, body: dup }), 409, 'case_no_taken');
  assert.equal(await count(), before + 1);
});

test('permissions: a dispatcher cannot read cases, an analyst cannot write them', async () => {
  expectError(await s.req('GET', '/api/v1/cases', { token: disp }), 403, 'permission_denied');
  expectError(await s.req('POST', '/api/v1/cases', { token: analyst, body: SAMPLE }), 403, 'permission_denied');
});

test('edit: history of every change, version conflicts refused, bad edits change nothing', async () => {
  const c = (await s.req('POST', '/api/v1/cases', { token: inv, body: SAMPLE })).json;
  const u = await s.req('PATCH', `/api/v1/cases/${c.id}`, {
    token: inv, body: { version: 1, status: 'solved', solved_at: '2020-03-05T12:00:00+08:00' },
  });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.version, 2);
  expectError(await s.req('PATCH', `/api/v1/cases/${c.id}`, { token: inv, body: { version: 1, place: 'x' } }),
    409, 'version_conflict');
  expectError(await s.req('PATCH', `/api/v1/cases/${c.id}`, {
    token: inv, body: { version: 2, solved_at: '2019-01-01T00:00:00+08:00' },
  }), 422, 'time_order');
  expectError(await s.req('PATCH', `/api/v1/cases/${c.id}`, { token: inv, body: { place: 'x' } }), 422, 'validation_failed');
  const h = await s.req('GET', `/api/v1/cases/${c.id}/history`, { token: analyst });
  assert.equal(h.status, 200);
  assert.equal(h.json.total, 2);
  assert.equal(h.json.items[1].actor, 'investigator');
  assert.deepEqual(h.json.items[1].changes.status, ['filed', 'solved']);
  assert.equal(h.json.items[1].changes.solved_at[1], '2020-03-05T12:00:00+08:00');
  assert.ok(!('place' in h.json.items[1].changes));
  assert.ok(!JSON.stringify(h.json).includes('199001011230'), 'history masks suspects');
  assert.deepEqual(h.json.items[0].changes.created.suspects, [{ id_number: '460100********1230', name: '王**', role: 'principal' }]);
  const now = (await s.req('GET', `/api/v1/cases/${c.id}`, { token: inv })).json;
  assert.equal(now.version, 2);
  assert.equal(now.place, SAMPLE.place);
});

test('full identities need person.read and a purpose, and are audited', async () => {
  const c = (await s.req('POST', '/api/v1/cases', { token: inv, body: SAMPLE })).json;
  const path = `/api/v1/cases/${c.id}/suspects`;
  expectError(await s.req('GET', path, { token: inv }), 400, 'purpose_required');
  const since = await lastAuditId(s, insp);
  const r = await s.req('GET', `${path}?purpose=${encodeURIComponent('案件核查')}`, { token: inv });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { items: [{ id_number: '460100199001011230', name: '王某某', role: 'principal' }], total: 1 });
  const entries = await auditSince(s, insp, since, { action: 'case.suspects' });
  assert.equal(entries.length, 1);
  assert.equal(entries[0].actor, 'investigator');
  assert.equal(entries[0].purpose, '案件核查');
  assert.equal(entries[0].target, c.case_no);
  // The RFC 8187 header form carries Chinese purposes from browsers.
  const h = await s.req('GET', path, { token: inv, headers: { 'X-Purpose': "UTF-8''%E6%A1%88%E4%BB%B6" } });
  assert.equal(h.status, 200);
});

test('search filters and pages', async () => {
  const po = { ...SAMPLE, kind: 'public_order', category: 'vice', district_code: '460108', place: '美兰区海甸岛五西路',
    suspects: [] };
  assert.equal((await s.req('POST', '/api/v1/cases', { token: inv, body: po })).status, 201);
  const total = await count();
  const crim = (await s.req('GET', '/api/v1/cases?kind=criminal', { token: inv })).json.total;
  const byText = await s.req('GET', `/api/v1/cases?q=${encodeURIComponent('海甸岛')}`, { token: inv });
  assert.equal(byText.json.total, 1);
  assert.equal(byText.json.items[0].kind, 'public_order');
  assert.equal(crim, total - 1);
  const p = await s.req('GET', '/api/v1/cases?page=2&page_size=2', { token: inv });
  assert.equal(p.json.total, total);
  assert.equal(p.json.items.length, Math.min(2, total - 2));
  expectError(await s.req('GET', '/api/v1/cases?from=notadate', { token: inv }), 422, 'invalid_time');
  expectError(await s.req('GET', '/api/v1/cases?basis=reported', { token: inv }), 422, 'unknown_basis');
});

test('gangs: members masked, full members with a purpose; cases tie to them', async () => {
  const g = await s.req('POST', '/api/v1/gangs', {
    token: inv,
    body: { name: '某恶势力团伙', type: 'evil', district_code: '460107', broken_up_at: '2020-06-01T00:00:00+08:00',
      members: [{ id_number: '460100199001011230', name: '王某某', role: 'leader' }] },
  });
  assert.equal(g.status, 201, g.text);
  expectError(await s.req('POST', '/api/v1/gangs', { token: inv, body: { name: 'x', type: 'triad', district_code: '460107' } }),
    422, 'unknown_gang_type');
  const c = await s.req('POST', '/api/v1/cases', { token: inv, body: { ...SAMPLE, category: 'gang', gang_id: g.json.id } });
  assert.equal(c.status, 201);
  const got = await s.req('GET', `/api/v1/gangs/${g.json.id}`, { token: analyst });
  assert.deepEqual(got.json.case_nos, [c.json.case_no]);
  assert.equal(got.json.members[0].id_number, '460100********1230');
  const full = await s.req('GET', `/api/v1/gangs/${g.json.id}/members?purpose=%E6%A0%B8%E6%9F%A5`, { token: analyst });
  assert.equal(full.json.items[0].id_number, '460100199001011230');
  const list = await s.req('GET', '/api/v1/gangs?type=evil&page_size=1', { token: analyst });
  assert.equal(list.json.items.length, 1);
  assert.deepEqual(list.json.items[0].case_nos, [c.json.case_no]);
  expectError(await s.req('GET', '/api/v1/gangs?type=triad', { token: analyst }), 422, 'unknown_gang_type');
});

test('traffic: accidents and vehicle counts validated', async () => {
  expectError(await s.req('POST', '/api/v1/traffic/accidents', {
    token: inv, body: { occurred_at: '2020-01-01T08:00:00+08:00', district_code: '999999', deaths: 1 },
  }), 422, 'unknown_district');
  const a = await s.req('POST', '/api/v1/traffic/accidents', {
    token: inv, body: { occurred_at: '2020-01-01T08:00:00+08:00', district_code: '460106', deaths: 2, injuries: 1, vehicles: 2 },
  });
  assert.equal(a.status, 201, a.text);
  expectError(await s.req('PUT', '/api/v1/traffic/vehicle-counts/2020', { token: inv, body: { year_end_count: -1 } }),
    422, 'validation_failed');
  assert.equal((await s.req('PUT', '/api/v1/traffic/vehicle-counts/2020', { token: inv, body: { year_end_count: 10000 } })).status, 200);
  const rate = await s.req('GET', '/api/v1/stats?measure=death_rate&group=year&from=2020-01-01&to=2020-12-31', { token: analyst });
  assert.equal(rate.status, 200, rate.text);
  assert.equal(rate.json.rows[0].value, 2);  // 2 deaths / 10,000 vehicles × 10,000
  assert.equal(rate.json.vehicles_basis, 'year_end');
});
