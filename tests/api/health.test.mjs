// Epidemic checkpoints and contact tracing through the HTTP API
// (docs/health.md): the generated checks (a source defined as data) counted
// beside the published figures; throughput per hour; flagged passes behind a
// purpose; a contact trace of the planted confirmed case needing a purpose
// and a public-health case number, audited, its contacts exactly the true
// ones of health_truth.json with the closest first; traces kept until their
// retention ends, then deleted with an audit entry; bad input refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { auditSince, expectAudit, expectError, genCity, lastAuditId, startServer } from './lib/server.mjs';

let s, analyst, cmd, clerk, insp, gen, truth;
const PURPOSE = encodeURIComponent('新冠肺炎疫情流行病学调查');
const HEADERS = { 'X-Purpose': PURPOSE, 'X-Case-No': encodeURIComponent('卫健流调〔2025〕17号') };

before(async () => {
  gen = genCity(4, 'jingwu-health-', { health: true });
  truth = JSON.parse(fs.readFileSync(path.join(gen.dir, 'health_truth.json'), 'utf8'));
  s = await startServer({
    users: [
      { username: 'analyst', roles: ['analyst'] },
      { username: 'cmd', roles: ['commander'] },
      { username: 'clerk', roles: ['service_clerk'] },
      { username: 'insp', roles: ['inspector'] },
    ],
    config: { health: { trace_retention_days: 2 } },
    beforeStart: (cli) => {
      const r = cli(['ingest', '--source', 'all', gen.dir, '--quiet'], { timeout: 600000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /defined source 'health_checkpoint' \(version 1\)/);
      const m = r.stdout.match(/health_checkpoint\.csv\s+(\d+) rows,\s+(\d+) accepted,\s+(\d+) rejected/);
      assert.ok(m, r.stdout);
      assert.equal(Number(m[1]), truth.rows);
      assert.equal(Number(m[3]), Object.values(truth.rejects).reduce((a, b) => a + b, 0));
    },
  });
  [analyst, cmd, clerk, insp] = await Promise.all(['analyst', 'cmd', 'clerk', 'insp'].map((u) => s.login(u)));
});
after(async () => {
  await s?.stop();
  fs.rmSync(gen.dir, { recursive: true, force: true });
});

test('figures: the generated checks counted from the records, beside the published ones', async () => {
  expectError(await s.req('GET', '/api/v1/health/figures', { token: clerk }), 403, 'permission_denied');
  const f = await s.req('GET', '/api/v1/health/figures', { token: cmd });
  assert.equal(f.status, 200, f.text);
  const t = f.json.totals;
  assert.equal(t.road_checkpoints, 42);
  for (const k of ['vehicle_checks', 'temperature_checks', 'domestic_arrivals', 'international_arrivals', 'observation', 'isolated'])
    assert.equal(t[k], truth.written[k], k);
  assert.equal(f.json.published.vehicle_checks, 312000);
  assert.equal(f.json.published.isolated, 103);
  assert.equal(f.json.checkpoints.length, 42 + 7);
  assert.equal(f.json.checkpoints.reduce((n, c) => n + c.passes, 0), t.passes);
  // Throughput of the busiest day, per hour, sums to that day's passes.
  const busiest = f.json.daily.reduce((a, b) => (b.passes > a.passes ? b : a));
  const h = await s.req('GET', `/api/v1/health/throughput?day=${busiest.day}`, { token: cmd });
  assert.equal(h.status, 200, h.text);
  assert.equal(h.json.hours.length, 24);
  assert.equal(h.json.hours.reduce((n, x) => n + x.passes, 0), busiest.passes);
  assert.equal(h.json.hours.reduce((n, x) => n + x.flagged, 0), busiest.flagged);
  expectError(await s.req('GET', '/api/v1/health/throughput?day=2025-13-01', { token: cmd }), 422, 'invalid_date');
  expectError(await s.req('GET', `/api/v1/health/throughput?day=${busiest.day}&checkpoint=HT00001`, { token: cmd }), 404, 'unknown_checkpoint');
  // The flagged passes name people: a purpose first.
  expectError(await s.req('GET', `/api/v1/health/flagged?day=${busiest.day}`, { token: cmd }), 400, 'purpose_required');
  const fl = await s.req('GET', `/api/v1/health/flagged?day=${busiest.day}`, { token: cmd, headers: { 'X-Purpose': PURPOSE } });
  assert.equal(fl.status, 200, fl.text);
  assert.equal(fl.json.total, busiest.flagged);
  for (const x of fl.json.flagged) assert.ok(['observe', 'isolate'].includes(x.result), JSON.stringify(x));
});

test('a contact trace finds exactly the true contacts, the closest first, and is audited with its case number', async () => {
  const c = truth.case;
  const body = { id_number: c.person.replace(/^ID:/, ''), confirmed_at: c.confirmed_at, days: c.days, within_minutes: c.within_minutes };
  // Refused: without a case number, without analysis rights, bad input.
  expectError(await s.req('POST', '/api/v1/health/traces', { token: analyst, headers: { 'X-Purpose': PURPOSE }, body }), 400, 'case_no_required');
  expectError(await s.req('POST', '/api/v1/health/traces', { token: cmd, headers: HEADERS, body }), 403, 'permission_denied');
  expectError(await s.req('POST', '/api/v1/health/traces', { token: analyst, headers: HEADERS, body: { ...body, id_number: body.id_number.slice(0, 17) + (body.id_number.endsWith('1') ? '2' : '1') } }),
    422, 'invalid_id_number');
  expectError(await s.req('POST', '/api/v1/health/traces', { token: analyst, headers: HEADERS, body: { ...body, confirmed_at: '2099-01-01T00:00:00+08:00' } }), 422, 'invalid_time');
  expectError(await s.req('POST', '/api/v1/health/traces', { token: analyst, headers: HEADERS, body: { ...body, days: 40 } }), 422, 'invalid_value');
  expectError(await s.req('POST', '/api/v1/health/traces', { token: analyst, headers: HEADERS, body: { ...body, confirmed_at: undefined } }), 422, 'missing_field');
  const before = await lastAuditId(s, insp);
  const r = await s.req('POST', '/api/v1/health/traces', { token: analyst, headers: HEADERS, body });
  assert.equal(r.status, 201, r.text);
  const found = r.json.result.contacts.filter((x) => x.entity.startsWith('ID:'));
  assert.deepEqual(found.map((x) => x.entity).sort(), truth.contacts.map((x) => x.person).sort());
  const kinds = Object.fromEntries(truth.contacts.map((x) => [x.person, [...x.kinds].sort()]));
  for (const x of found) assert.deepEqual([...x.kinds].sort(), kinds[x.entity], x.entity);
  const close = (x) => x.kinds.includes('same_room') || x.kinds.includes('near_seat');
  assert.ok(close(r.json.result.contacts[0]), JSON.stringify(r.json.result.contacts[0]));
  assert.ok(r.json.result.contacts[0].evidence.length > 0);
  assert.equal(r.json.case_no, '卫健流调〔2025〕17号');
  await expectAudit(s, insp, before, { action: 'health.trace', actor: 'analyst', target: c.person,
    purpose: '新冠肺炎疫情流行病学调查', case_no: '卫健流调〔2025〕17号', outcome: 'ok' });
  // Listed and read back.
  const list = await s.req('GET', '/api/v1/health/traces', { token: analyst, headers: HEADERS });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.retention_days, 2);
  assert.ok(list.json.traces.some((t) => t.id === r.json.id && t.contacts === r.json.contacts && !t.result));
  const one = await s.req('GET', `/api/v1/health/traces/${r.json.id}`, { token: analyst, headers: HEADERS });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.result.contacts.length, r.json.result.contacts.length);
});

test('a trace is deleted when its retention ends, and the deletion is audited', async () => {
  const c = truth.case;
  const body = { id_number: c.person.replace(/^ID:/, ''), confirmed_at: c.confirmed_at };
  const r = await s.req('POST', '/api/v1/health/traces', { token: analyst, headers: HEADERS, body });
  assert.equal(r.status, 201, r.text);
  const del = await s.req('POST', '/api/v1/health/traces', { token: analyst, headers: HEADERS, body });
  assert.equal((await s.req('DELETE', `/api/v1/health/traces/${del.json.id}`, { token: analyst })).status, 204);
  expectError(await s.req('DELETE', `/api/v1/health/traces/${del.json.id}`, { token: analyst }), 404, 'unknown_trace');
  const before = await lastAuditId(s, insp);
  await s.advance(2 * 86400 + 60);
  // (Sessions end too: sign in again.)
  [analyst, insp] = await Promise.all(['analyst', 'insp'].map((u) => s.login(u)));
  expectError(await s.req('GET', `/api/v1/health/traces/${r.json.id}`, { token: analyst, headers: HEADERS }), 404, 'unknown_trace');
  const list = await s.req('GET', '/api/v1/health/traces', { token: analyst, headers: HEADERS });
  assert.deepEqual(list.json.traces, []);
  // Both traces of the case (this test's and the one before) reached their end.
  const gone = (await auditSince(s, insp, before, { action: 'health.trace.expire' })).map((e) => [e.actor, e.target, e.case_no, e.purpose]);
  assert.ok(gone.some((g) => g[1] === String(r.json.id)), JSON.stringify(gone));
  assert.ok(gone.length >= 2);
  for (const g of gone) assert.deepEqual([g[0], g[2], g[3]], ['system', '卫健流调〔2025〕17号', '新冠肺炎疫情流行病学调查']);
});
