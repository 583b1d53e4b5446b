// Command and dispatch: units, incidents, recommendation, the assignment state
// machine, atomic close, invalid input, caller phone privacy, timers with the
// test clock, KPIs (docs/api.md "Dispatch", docs/dispatch.md).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditSince, expectError, lastAuditId, sqlExec, startServer } from './lib/server.mjs';

let s;
let disp;
let insp;
const D = '/api/v1/dispatch';

before(async () => {
  s = await startServer({
    users: [
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'investigator', roles: ['investigator'] },
      { username: 'inspector', roles: ['inspector'] },
    ],
  });
  disp = await s.login('dispatcher');
  insp = await s.login('inspector');
});
after(async () => {
  await s?.stop();
});

const post = (p, body, token = disp) => s.req('POST', D + p, { token, body });
const get = (p, token = disp, headers = {}) => s.req('GET', D + p, { token, headers });

// About 111 m per 0.001° of latitude.
const SCENE = { lat: 20.03, lon: 110.33 };
const INCIDENT = {
  category: 'criminal', priority: 1, district_code: '460106', ...SCENE,
  address: '龙华区国贸路 1 号', narrative: '报警人称手机被抢', caller_phone: '13800138000',
};

async function unit(call_sign, dLat, extra = {}) {
  const r = await post('/units', { call_sign, type: 'patrol_car', station: '中山派出所', lat: SCENE.lat + dLat, lon: SCENE.lon, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
async function incident(extra = {}) {
  const r = await post('/incidents', { ...INCIDENT, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
const eventCount = () => Number(sqlExec(s, 'SELECT COUNT(*) FROM dispatch_events').trim());

let near, mid, far, inc;

test('permissions: an investigator cannot see the board; a dispatcher can', async () => {
  expectError(await get('/incidents', await s.login('investigator')), 403, 'permission_denied');
  expectError(await s.req('GET', D + '/units'), 401, 'unauthenticated');
  const r = await get('/incidents');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { total: 0, items: [] });
  const codes = await get('/codes');
  assert.equal(codes.status, 200);
  assert.ok(codes.json.categories.some((c) => c.code === 'traffic' && c.name === '交通警情'));
  assert.deepEqual(codes.json.districts.map((d) => d.code), ['460105', '460106', '460107', '460108']);
  assert.deepEqual(codes.json.reference, { answer_s: 15, dispatch_s: 64, share: 0.9 });
});

test('a new incident gets the available fitting units by ETA, each with its reason', async () => {
  far = await unit('琼A-ZS03', 0.02);
  near = await unit('琼A-ZS01', 0.001);
  mid = await unit('琼A-ZS02', -0.005);
  const foot = await unit('琼A-ZS04', 0.0005, { type: 'foot' });  // nearer but on foot: 0.06 km/h·… slower
  const traffic = await unit('琼A-JJ01', 0.0002, { type: 'traffic' });  // does not fit a criminal incident
  const off = await unit('琼A-ZS05', 0.0001, { availability: 'off_duty' });
  assert.equal(near.status, 'available');
  inc = await incident();
  assert.equal(inc.status, 'received');
  assert.equal(inc.caller_phone, '138****8000', 'masked in the incident');
  assert.equal(inc.area, 'urban');
  const r = await get(`/incidents/${inc.id}/recommendations`);
  assert.equal(r.status, 200, r.text);
  const ids = r.json.items.map((x) => x.unit_id);
  assert.deepEqual(ids, [near.id, foot.id, mid.id, far.id]);
  assert.ok(!ids.includes(traffic.id) && !ids.includes(off.id));
  const first = r.json.items[0];
  assert.equal(first.call_sign, '琼A-ZS01');
  assert.ok(Math.abs(first.distance_m - 111) <= 2, `distance ${first.distance_m}`);
  assert.equal(first.eta_s, Math.round(first.distance_m * 1.4 / (40 / 3.6)));
  assert.equal(first.stale, false);
  assert.match(first.reason, /^0\.1 km, ETA \d+ s, position \d+ s old$/);
});

test('dispatch, then the unit moves through its states; refused transitions are 409 with a code', async () => {
  let r = await post(`/incidents/${inc.id}/assignments`, { unit_id: near.id });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'dispatched');
  assert.deepEqual(r.json.assignments.map((a) => [a.unit_id, a.state]), [[near.id, 'assigned']]);
  expectError(await post(`/incidents/${inc.id}/assignments`, { unit_id: near.id }), 409, 'already_assigned');
  expectError(await post(`/incidents/${inc.id}/assignments/${near.id}`, { state: 'on_scene' }), 409, 'invalid_transition');
  expectError(await post(`/incidents/${inc.id}/assignments/${near.id}`, { state: 'teleported' }), 422, 'invalid_state');
  const other = await incident({ priority: 3 });
  expectError(await post(`/incidents/${other.id}/assignments`, { unit_id: near.id }), 409, 'unit_busy');
  expectError(await post(`/units/${near.id}/availability`, { availability: 'off_duty' }), 409, 'unit_assigned');
  // The busy unit is not recommended for the other incident.
  const rec = await get(`/incidents/${other.id}/recommendations`);
  assert.ok(!rec.json.items.some((x) => x.unit_id === near.id));
  for (const state of ['acknowledged', 'en_route', 'on_scene']) {
    r = await post(`/incidents/${inc.id}/assignments/${near.id}`, { state });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, state);
  }
  const u = await get(`/units/${near.id}`);
  assert.equal(u.json.status, 'on_scene');
  assert.equal(u.json.current_incident, inc.id);
  // A reserved unit for planned work on the same incident.
  r = await post(`/incidents/${inc.id}/assignments`, { unit_id: mid.id, state: 'reserved' });
  assert.equal(r.status, 200, r.text);
  r = await post(`/incidents/${inc.id}/feedback`, { text: '嫌疑人已控制' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.feedback, '嫌疑人已控制');
});

test('closing needs a disposition and releases every unit at once', async () => {
  const before = eventCount();
  expectError(await post(`/incidents/${inc.id}/close`, {}), 422, 'disposition_required');
  expectError(await post(`/incidents/${inc.id}/close`, { disposition: 'gone_fishing' }), 422, 'unknown_disposition');
  assert.equal(eventCount(), before, 'nothing written');
  const r = await post(`/incidents/${inc.id}/close`, { disposition: 'arrested' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'closed');
  assert.equal(r.json.disposition, 'arrested');
  assert.deepEqual(r.json.assignments.map((a) => a.state), ['cleared', 'cleared']);
  assert.equal(eventCount(), before + 3, 'two releases and the close');
  for (const id of [near.id, mid.id]) {
    const u = await get(`/units/${id}`);
    assert.equal(u.json.status, 'available');
    assert.equal(u.json.current_incident, null);
  }
  expectError(await post(`/incidents/${inc.id}/close`, { disposition: 'arrested' }), 409, 'incident_closed');
  const tl = await get(`/incidents/${inc.id}/timeline`);
  assert.equal(tl.status, 200);
  const kinds = tl.json.items.map((e) => e.kind);
  assert.deepEqual(kinds.slice(-3), ['assignment.state', 'assignment.state', 'incident.closed']);
  assert.equal(kinds[0], 'incident.created');
  assert.equal(tl.json.items[0].data.caller_phone, '138****8000', 'masked in the timeline');
  assert.ok(tl.json.items.every((e, i, a) => i === 0 || e.seq > a[i - 1].seq));
  assert.ok(tl.json.items.every((e) => e.actor === 'dispatcher'));
  const open = await get('/incidents');
  assert.ok(!open.json.items.some((x) => x.id === inc.id), 'closed incidents leave the queue');
  const closed = await get('/incidents?status=closed');
  assert.deepEqual(closed.json.items.map((x) => x.id), [inc.id]);
});

test('invalid input gets specific codes and leaves the data untouched', async () => {
  const before = eventCount();
  const bad = async (body, status, code) => expectError(await post('/incidents', { ...INCIDENT, ...body }), status, code);
  await bad({ category: 'alien_landing' }, 422, 'unknown_category');
  await bad({ category: undefined }, 422, 'unknown_category');
  await bad({ priority: 0 }, 422, 'invalid_priority');
  await bad({ priority: '1' }, 422, 'invalid_priority');
  await bad({ lat: 39.9042, lon: 116.4074 }, 422, 'outside_service_area');
  await bad({ lat: 'north' }, 422, 'invalid_coordinates');
  await bad({ lat: 95 }, 422, 'invalid_coordinates');
  await bad({ district_code: '460100' }, 422, 'unknown_district');
  await bad({ caller_phone: '12345' }, 422, 'invalid_phone');
  await bad({ rang_at: 'yesterday' }, 422, 'invalid_rang_at');
  expectError(await s.req('POST', D + '/incidents', { token: disp, rawBody: '{"category": ' }), 400, 'malformed_json');
  expectError(await post('/units', { call_sign: '琼A-ZS01', type: 'patrol_car', ...SCENE }), 409, 'duplicate_call_sign');
  expectError(await post('/units', { call_sign: 'X1', type: 'tank', ...SCENE }), 422, 'unknown_unit_type');
  expectError(await post(`/units/${near.id}/position`, { lat: 0, lon: 0 }), 422, 'outside_service_area');
  expectError(await post(`/units/999/position`, SCENE), 404, 'unit_not_found');
  expectError(await post(`/incidents/999/assignments`, { unit_id: near.id }), 404, 'incident_not_found');
  expectError(await post(`/incidents/999/assignments`, {}), 422, 'unit_id_required');
  assert.equal(eventCount(), before);
});

test('the caller phone is masked; the full number needs a purpose and is audited', async () => {
  const since = await lastAuditId(s, insp);
  expectError(await get(`/incidents/${inc.id}/caller`), 400, 'purpose_required');
  const r = await get(`/incidents/${inc.id}/caller`, disp, { 'X-Purpose': '回拨报警人核实地址' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.caller_phone, '13800138000');
  const entries = await auditSince(s, insp, since, { action: 'dispatch.caller_read' });
  assert.equal(entries.length, 1);
  assert.equal(entries[0].actor, 'dispatcher');
  assert.equal(entries[0].purpose, '回拨报警人核实地址');
  assert.equal(entries[0].target, `incident:${inc.id}`);
  const created = await auditSince(s, insp, 0, { action: 'dispatch.incident_create' });
  assert.ok(created.some((e) => e.target === `incident:${inc.id}` && e.actor === 'dispatcher'));
});

test('an unacknowledged dispatch escalates after 30 s of (test) clock', async () => {
  const u = await unit('琼A-T01', 0.003);
  const x = await incident({ priority: 2 });
  assert.equal((await post(`/incidents/${x.id}/assignments`, { unit_id: u.id })).status, 200);
  let r = await get(`/incidents/${x.id}`);
  const ack = r.json.timers.find((t) => t.step === 'acknowledge');
  assert.ok(ack.remaining_s > 25 && ack.remaining_s <= 30, JSON.stringify(ack));
  assert.deepEqual(r.json.escalations, []);
  await s.advance(31);
  const deadline = Date.now() + 3000;
  do {
    r = await get(`/incidents/${x.id}`);
    if (r.json.escalations.length) break;
    await new Promise((res) => setTimeout(res, 100));
  } while (Date.now() < deadline);
  assert.deepEqual(r.json.escalations, ['acknowledge']);
  assert.deepEqual(r.json.overdue, ['acknowledge']);
  const tl = await get(`/incidents/${x.id}/timeline`);
  const esc = tl.json.items.filter((e) => e.kind === 'incident.escalated');
  assert.equal(esc.length, 1);
  assert.equal(esc[0].actor, 'system');
  // Acknowledging late clears the overdue flag but the escalation stays on record.
  r = await post(`/incidents/${x.id}/assignments/${u.id}`, { state: 'acknowledged' });
  assert.deepEqual(r.json.overdue, []);
  assert.deepEqual(r.json.escalations, ['acknowledge']);
  assert.equal(r.json.timers.find((t) => t.step === 'acknowledge').overdue, true);
});

test('KPIs come from the timeline', async () => {
  const r = await get('/kpis?group_by=all');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.group_by, 'all');
  assert.equal(r.json.groups.length, 1);
  const g = r.json.groups[0];
  assert.equal(g.incidents, 3);
  assert.equal(g.metrics.dispatch.count, 2);  // two incidents were dispatched
  assert.equal(g.metrics.close.count, 1);
  assert.equal(g.metrics.arrive.count, 1);
  assert.equal(g.metrics.arrive.within_target, 1);
  assert.equal(g.metrics.answer.count, 0);
  const byDistrict = await get('/kpis?group_by=district');
  assert.deepEqual(byDistrict.json.groups.map((x) => x.key), ['460106']);
  expectError(await get('/kpis?group_by=weather'), 422, 'invalid_group_by');
  expectError(await get('/kpis?from=soon'), 422, 'invalid_time');
});
