// The live dispatch board: two dispatchers see each other's changes within a
// second, a client that reconnects with Last-Event-ID receives exactly what it
// missed, and a stream ends with its session.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectError, startServer } from './lib/server.mjs';
import { openStream } from './lib/sse.mjs';

let s;
let a;
let b;
const streams = [];
const D = '/api/v1/dispatch';

before(async () => {
  s = await startServer({
    users: [
      { username: 'disp.a', roles: ['dispatcher'] },
      { username: 'disp.b', roles: ['dispatcher'] },
      { username: 'investigator', roles: ['investigator'] },
    ],
  });
  a = await s.login('disp.a');
  b = await s.login('disp.b');
});
after(async () => {
  for (const st of streams) st.close();
  await s?.stop();
});

async function open(token, opts) {
  const st = await openStream(s, D + '/stream', token, opts);
  streams.push(st);
  return st;
}
const post = (p, body, token) => s.req('POST', D + p, { token, body });
const INCIDENT = { category: 'traffic', priority: 2, district_code: '460108', lat: 20.05, lon: 110.34, caller_phone: '13976001234' };

let unitId;
let incId;

test('two dispatchers see each other\'s changes within a second', async () => {
  const sa = await open(a);
  const sb = await open(b);
  assert.equal(sa.status, 200);
  assert.match(sa.headers['content-type'], /^text\/event-stream/);

  let t0 = Date.now();
  const u = await post('/units', { call_sign: '琼A-HD01', type: 'traffic', lat: 20.051, lon: 110.34 }, a);
  assert.equal(u.status, 201, u.text);
  unitId = u.json.id;
  const evB = await sb.next((e) => e.event === 'dispatch', 1000);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(evB.json.kind, 'unit.created');
  assert.equal(evB.json.actor, 'disp.a');
  assert.equal(evB.json.unit_id, unitId);
  assert.equal(evB.id, String(evB.json.seq), 'the SSE id is the sequence number');

  t0 = Date.now();
  const inc = await post('/incidents', INCIDENT, b);
  assert.equal(inc.status, 201, inc.text);
  incId = inc.json.id;
  const evA = await sa.next((e) => e.event === 'dispatch' && e.json.kind === 'incident.created', 1000);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(evA.json.incident_id, incId);
  assert.equal(evA.json.actor, 'disp.b');
  assert.equal(evA.json.data.caller_phone, '139****1234', 'masked on the stream');

  t0 = Date.now();
  assert.equal((await post(`/incidents/${incId}/assignments`, { unit_id: unitId }, a)).status, 200);
  const evB2 = await sb.next((e) => e.event === 'dispatch' && e.json.kind === 'assignment.state', 1000);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(evB2.json.data.state, 'assigned');
  assert.equal(evB2.json.unit_id, unitId);
  sa.close();
  sb.close();
});

test('reconnecting with Last-Event-ID delivers exactly the missed events, then live ones', async () => {
  const st = await open(a);
  await post(`/units/${unitId}/position`, { lat: 20.052, lon: 110.341 }, b);
  const seen = await st.next((e) => e.event === 'dispatch', 1000);
  st.close();
  const last = Number(seen.id);
  // Three changes while A is away.
  assert.equal((await post(`/incidents/${incId}/assignments/${unitId}`, { state: 'acknowledged' }, b)).status, 200);
  assert.equal((await post(`/incidents/${incId}/assignments/${unitId}`, { state: 'en_route' }, b)).status, 200);
  assert.equal((await post(`/incidents/${incId}/close`, { disposition: 'resolved' }, b)).status, 200);  // + release

  const back = await open(a, { lastEventId: last });
  const got = [];
  for (let i = 0; i < 4; i++) got.push((await back.next((e) => e.event === 'dispatch', 1000)).json);
  assert.deepEqual(got.map((e) => e.seq), [last + 1, last + 2, last + 3, last + 4], 'no gap, no repeat');
  assert.deepEqual(got.map((e) => [e.kind, e.data.state ?? e.data.disposition]), [
    ['assignment.state', 'acknowledged'],
    ['assignment.state', 'en_route'],
    ['assignment.state', 'cleared'],
    ['incident.closed', 'resolved'],
  ]);
  await assert.rejects(back.next((e) => e.event === 'dispatch', 300), /no matching event/);
  // Then live again.
  const inc2 = await post('/incidents', INCIDENT, b);
  const live = await back.next((e) => e.event === 'dispatch', 1000);
  assert.equal(live.json.seq, last + 5);
  assert.equal(live.json.incident_id, inc2.json.id);
  back.close();
});

test('the stream needs dispatch.read and ends when the session ends', async () => {
  expectError(await s.req('GET', D + '/stream', { token: await s.login('investigator') }), 403, 'permission_denied');
  const tok = await s.login('disp.a');
  const st = await open(tok);
  assert.equal(st.status, 200);
  assert.equal((await s.req('POST', '/api/v1/auth/logout', { token: tok })).status, 204);
  // The next event wakes the connection, which then ends instead of sending it.
  await post('/incidents', INCIDENT, b);
  assert.equal(await st.waitEnd(3000), true, 'the stream ended');
  assert.ok(!st.events.some((e) => e.event === 'dispatch'), 'nothing was sent after the logout');
});
