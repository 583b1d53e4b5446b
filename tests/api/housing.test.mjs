// Actual housing, rentals, community verification and completeness
// (docs/registry.md) on the city `jingwu gen` writes: the planted group
// rentals are flagged, the tasks the records call for are exactly those
// registry_truth.json implies, a verification is applied to the records, and
// bad input gets specific errors and writes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { auditSince, expectError, genCity, lastAuditId, startServer } from './lib/server.mjs';

let s;
let clerk;
let inv;
let disp;
let insp;
let gen;
let rtruth;
const PURPOSE = { 'X-Purpose': '社区核查' };

function csv(file) {
  const lines = fs.readFileSync(path.join(gen.dir, file), 'utf8').split('\n').filter(Boolean);
  const head = lines[0].split(',');
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
}

before(async () => {
  gen = genCity(6, 'jingwu-housing-');
  rtruth = JSON.parse(fs.readFileSync(path.join(gen.dir, 'registry_truth.json'), 'utf8'));
  s = await startServer({
    users: [
      { username: 'clerk', roles: ['service_clerk'] },
      { username: 'investigator', roles: ['investigator'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'inspector', roles: ['inspector'] },
    ],
    config: { stays: { as_of: rtruth.as_of } },
    beforeStart: (cli) => {
      const r = cli(['registry', 'import', gen.dir], { timeout: 120000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      for (const f of ['housing.csv', 'rentals.csv']) {
        const rows = csv(f).length;
        assert.match(r.stdout, new RegExp(`${f.replace('.', '\\.')} +${rows} rows +${rows} accepted +0 already +0 rejected`));
      }
    },
  });
  clerk = await s.login('clerk');
  inv = await s.login('investigator');
  disp = await s.login('dispatcher');
  insp = await s.login('inspector');
});
after(async () => {
  await s?.stop();
  fs.rmSync(gen.dir, { recursive: true, force: true });
});

test('the planted group rentals are flagged, and every flagged room has enough occupants', async () => {
  const r = await s.req('GET', '/api/v1/registry/group-rentals', { token: clerk });
  assert.equal(r.status, 200, r.text);
  const codes = r.json.items.map((x) => x.address_code);
  for (const g of rtruth.group_rentals) assert.ok(codes.includes(g), `group rental ${g}`);
  for (const x of r.json.items) assert.ok(x.occupants >= r.json.threshold);
  // A building's rooms in one request: the group rental among them, rooms without a record as unknown.
  const building = rtruth.group_rentals[0].slice(0, 19);
  const all = await s.req('GET', `/api/v1/registry/housing?under=${building}`, { token: clerk });
  assert.equal(all.status, 200, all.text);
  const rooms = csv('addresses.csv').filter((a) => a.level === 'room' && a.code.startsWith(building));
  assert.equal(all.json.total, rooms.length);
  assert.equal(all.json.items.find((x) => x.address_code === rtruth.group_rentals[0]).group_rental, true);
  const recorded = new Map(csv('housing.csv').map((h) => [h.address_code, h.use]));
  for (const x of all.json.items) assert.equal(x.use, recorded.get(x.address_code) || 'unknown', x.address_code);
  expectError(await s.req('GET', '/api/v1/registry/housing', { token: clerk }), 422, 'validation_failed');
  expectError(await s.req('GET', '/api/v1/registry/housing?under=460105999', { token: clerk }), 404, 'unknown_address');
  const h = await s.req('GET', `/api/v1/registry/housing/${rtruth.group_rentals[0]}`, { token: clerk });
  assert.equal(h.json.use, 'rented');
  assert.equal(h.json.group_rental, true);
  assert.ok(h.json.occupants >= 6);
});

test('generated tasks are exactly what the records call for, once', async () => {
  const g = await s.req('POST', '/api/v1/registry/tasks/generate', { token: clerk, body: {} });
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.created.moved_out_unconfirmed, rtruth.ended_rentals_still_listed.length);
  assert.equal(g.json.created.unregistered_occupants, rtruth.occupants_without_rental + rtruth.ended_rentals_still_listed.length);
  assert.ok(g.json.created.new_rental >= rtruth.recent_rentals.length);
  assert.ok(g.json.created.stale_record > 0);
  const again = await s.req('POST', '/api/v1/registry/tasks/generate', { token: clerk, body: {} });
  assert.equal(again.json.total, 0, 'nothing twice');
  const all = await s.req('GET', '/api/v1/registry/tasks?status=open&page_size=500&page=1', { token: clerk, headers: PURPOSE });
  assert.equal(all.json.total, g.json.total);
  assert.deepEqual(all.json.by_kind, g.json.created);
  const onlyStale = await s.req('GET', '/api/v1/registry/tasks?status=open&kind=stale_record&page_size=1', { token: clerk, headers: PURPOSE });
  assert.equal(onlyStale.json.total, g.json.created.stale_record);
  expectError(await s.req('GET', '/api/v1/registry/tasks?kind=gone', { token: clerk, headers: PURPOSE }), 422, 'invalid_value');
  const recent = new Set(rtruth.recent_rentals);
  const newRentals = [];
  for (let page = 1; page <= Math.ceil(all.json.total / 500); page++) {
    const p = await s.req('GET', `/api/v1/registry/tasks?status=open&page_size=500&page=${page}`, { token: clerk, headers: PURPOSE });
    newRentals.push(...p.json.items.filter((t) => t.kind === 'new_rental'));
  }
  for (const t of recent) assert.ok(newRentals.some((x) => x.detail.tenant === t), `new rental of ${t}`);
  expectError(await s.req('GET', '/api/v1/registry/tasks', { token: clerk }), 400, 'purpose_required');
  expectError(await s.req('GET', '/api/v1/registry/tasks', { token: inv, headers: PURPOSE }), 403, 'permission_denied');
  expectError(await s.req('POST', '/api/v1/registry/tasks/generate', { token: disp, body: {} }), 403, 'permission_denied');
});

test('a verification is applied to the records and audited', async () => {
  const tenant = rtruth.ended_rentals_still_listed[0];
  const tasks = [];
  for (let page = 1; ; page++) {
    const p = await s.req('GET', `/api/v1/registry/tasks?status=open&page_size=500&page=${page}`, { token: clerk, headers: PURPOSE });
    tasks.push(...p.json.items);
    if (p.json.items.length < 500) break;
  }
  const t = tasks.find((x) => x.kind === 'moved_out_unconfirmed' && x.detail.person === tenant);
  assert.ok(t, 'the planted move-out task');
  assert.ok(t.full_address.startsWith('海口市'));
  expectError(await s.req('POST', `/api/v1/registry/tasks/${t.id}/verify`, { token: clerk, body: { result: 'confirmed' } }),
    422, 'invalid_result');
  expectError(await s.req('POST', `/api/v1/registry/tasks/${t.id}/verify`, { token: clerk, body: {} }), 422, 'validation_failed');
  const since = await lastAuditId(s, insp);
  const ok = await s.req('POST', `/api/v1/registry/tasks/${t.id}/verify`, { token: clerk, body: { result: 'moved_out', note: '邻居证实已搬走' } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.status, 'done');
  assert.equal(ok.json.verified_by, 'clerk');
  assert.equal(ok.json.verified_at.slice(0, 10), rtruth.as_of.slice(0, 10));
  expectError(await s.req('POST', `/api/v1/registry/tasks/${t.id}/verify`, { token: clerk, body: { result: 'moved_out' } }),
    409, 'task_closed');
  // The same person's other open check in the room (no rental registration) is answered by the move-out.
  const twin = tasks.find((x) => x.kind === 'unregistered_occupants' && x.subject === t.subject);
  assert.ok(twin, 'the planted tenant also lacks a current rental');
  const closed = await s.req('GET', `/api/v1/registry/tasks?community=${t.community_code}&status=done&page_size=500`,
    { token: clerk, headers: PURPOSE });
  const twinNow = closed.json.items.find((x) => x.id === twin.id);
  assert.equal(twinNow.result, 'moved_out');
  assert.equal(twinNow.note, `task ${t.id}`);
  const res = await s.req('GET', `/api/v1/registry/residents?person=${encodeURIComponent(tenant)}`, { token: inv, headers: PURPOSE });
  const current = res.json.items.filter((r) => r.address_code === t.address_code && r.moved_out_at === null);
  assert.equal(current.length, 0, 'moved out');
  const audit = await auditSince(s, insp, since, { action: 'registry.task.verify' });
  assert.deepEqual(audit.map((a) => a.outcome).sort(), ['failed', 'ok'], 'the refused result is audited too');
  // A stale record confirmed: verified now, so no longer stale.
  const stale = tasks.find((x) => x.kind === 'stale_record');
  const before = (await s.req('GET', '/api/v1/registry/completeness', { token: clerk })).json.all.stale;
  const c = await s.req('POST', `/api/v1/registry/tasks/${stale.id}/verify`, { token: clerk, body: { result: 'confirmed' } });
  assert.equal(c.status, 200, c.text);
  const after = (await s.req('GET', '/api/v1/registry/completeness', { token: clerk })).json.all.stale;
  assert.equal(after, before - 1);
});

test('completeness per district adds up and drills down', async () => {
  const r = await s.req('GET', '/api/v1/registry/completeness', { token: clerk });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => x.code), ['460105', '460106', '460107', '460108']);
  const housing = csv('housing.csv');
  assert.equal(r.json.all.rooms_known_use, housing.filter((h) => h.use !== 'unknown').length);
  assert.equal(r.json.all.group_rentals, rtruth.group_rentals.length);
  const pop = csv('population.csv').filter((p) => !p.moved_out_at);
  assert.equal(r.json.all.occupants, pop.length - 1, 'one moved out by the verification above');
  for (const x of r.json.items) assert.ok(x.known_use_share > 0 && x.known_use_share <= 1);
  const d = r.json.items.find((x) => x.group_rentals > 0);
  const streets = await s.req('GET', `/api/v1/registry/completeness?under=${d.code}`, { token: clerk });
  assert.ok(streets.json.items.every((x) => x.level === 'street'));
  assert.equal(streets.json.all.group_rentals, d.group_rentals);
  assert.equal(streets.json.all.occupants, d.occupants);
  const room = rtruth.group_rentals[0];
  expectError(await s.req('GET', `/api/v1/registry/completeness?under=${room}`, { token: clerk }), 422, 'invalid_value');
  expectError(await s.req('GET', '/api/v1/registry/completeness?under=460105999', { token: clerk }), 404, 'unknown_address');
});

test('housing and rentals: changes with their errors, nothing half-written', async () => {
  const vacant = csv('housing.csv').find((h) => h.use === 'vacant').address_code;
  const landlord = csv('population.csv').find((p) => p.category === 'registered' && p.person.startsWith('ID:'));
  expectError(await s.req('PUT', `/api/v1/registry/housing/${vacant}`, { token: clerk, body: { use: 'hotel' } }), 422, 'unknown_use');
  expectError(await s.req('PUT', `/api/v1/registry/housing/${vacant}`, { token: clerk, body: { use: 'rented', owner_id_number: '123' } }),
    422, 'invalid_id_number');
  expectError(await s.req('PUT', `/api/v1/registry/housing/${vacant}`, { token: inv, body: { use: 'rented' } }), 403, 'permission_denied');
  assert.equal((await s.req('GET', `/api/v1/registry/housing/${vacant}`, { token: clerk })).json.use, 'vacant');
  const put = await s.req('PUT', `/api/v1/registry/housing/${vacant}`, {
    token: clerk, body: { use: 'rented', owner_id_number: landlord.person.slice(3), owner_name: landlord.name },
  });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.use, 'rented');
  assert.equal(put.json.updated_by, 'clerk');

  const tenant = 'ID:' + csv('population.csv').find((p) => p.category === 'floating').person.slice(3);
  const body = { address_code: vacant, tenant, tenant_name: '租客甲', landlord_id_number: landlord.person.slice(3),
    landlord_name: landlord.name, start_date: '2025-03-01', end_date: '2025-08-31' };
  expectError(await s.req('POST', '/api/v1/registry/rentals', { token: clerk, body: { ...body, end_date: '2025-02-01' } }),
    422, 'end_before_start');
  expectError(await s.req('POST', '/api/v1/registry/rentals', { token: clerk, body: { ...body, tenant: 'ID:123' } }),
    422, 'invalid_reference');
  expectError(await s.req('POST', '/api/v1/registry/rentals', { token: clerk, body: { ...body, address_code: vacant.slice(0, 19) } }),
    422, 'not_a_room');
  const first = await s.req('POST', '/api/v1/registry/rentals', { token: clerk, body });
  assert.equal(first.status, 201, first.text);
  expectError(await s.req('POST', '/api/v1/registry/rentals', { token: clerk, body: { ...body, start_date: '2025-08-01', end_date: undefined } }),
    409, 'rental_overlap');
  // Back to back is not an overlap.
  const next = await s.req('POST', '/api/v1/registry/rentals', { token: clerk, body: { ...body, start_date: '2025-08-31', end_date: undefined } });
  assert.equal(next.status, 201, next.text);
  expectError(await s.req('POST', `/api/v1/registry/rentals/${next.json.id}/end`, { token: clerk, body: { end_date: '2025-01-01' } }),
    422, 'end_before_start');
  const ended = await s.req('POST', `/api/v1/registry/rentals/${next.json.id}/end`, { token: clerk, body: { end_date: '2025-12-31' } });
  assert.equal(ended.json.end_date, '2025-12-31');
  expectError(await s.req('POST', `/api/v1/registry/rentals/${next.json.id}/end`, { token: clerk, body: { end_date: '2025-12-31' } }),
    409, 'rental_ended');
  const list = await s.req('GET', `/api/v1/registry/rentals?address=${vacant}&all=1`, { token: inv, headers: PURPOSE });
  assert.equal(list.json.total, 2, 'the refused ones wrote nothing');
  expectError(await s.req('GET', `/api/v1/registry/rentals?address=${vacant}`, { token: inv }), 400, 'purpose_required');
  expectError(await s.req('GET', `/api/v1/registry/rentals?address=${vacant}`, { token: clerk, headers: PURPOSE }), 403, 'permission_denied');
});
