// 9. The audit log: filters, pagination, reads are logged, verification,
// and tampering behind the product's back is detected (API and CLI).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { auditQuery, checkEntryShape, expectError, lastAuditId, sqlExec, startServer } from './lib/server.mjs';

let s;
let insp;
let phaseB;  // server time (ISO, +08:00, seconds) after the 2-hour jump

before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.stop();
});

const q = (o) => auditQuery(s, insp, o);
const sqlText = (v) => `'${String(v).replace(/'/g, "''")}'`;

async function verify() {
  const r = await s.req('GET', '/api/v1/audit/verify', { token: insp });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// The documented entry hash (docs/audit-chain.md), computed independently.
function entryHash(e, prevHash) {
  const f = [String(e.id), e.actor, e.role, e.client, e.action, e.target, e.purpose, e.case_no, e.outcome, e.detail,
    prevHash, e.at];
  return crypto.createHash('sha256').update(f.join('\x1f'), 'utf8').digest('hex');
}

test('setup: sign-ins in two phases two hours apart', async () => {
  // Phase A: dispatcher ×2, investigator ×1.
  await s.login('dispatcher');
  await s.login('dispatcher');
  await s.login('investigator');
  phaseB = await s.advance(2 * 3600);
  // The jump ended every session; the inspector signs in now (phase B).
  insp = await s.login('inspector');
  // Phase B: dispatcher ×1, investigator ×2.
  await s.login('dispatcher');
  await s.login('investigator');
  await s.login('investigator');
});

test('the documented hash matches the entries (chain format check)', async () => {
  const all = (await q({ page_size: 500 })).items.slice().reverse();
  let prev = '0'.repeat(64);
  for (const e of all) {
    checkEntryShape(e);
    assert.equal(e.hash, entryHash(e, prev), `hash of entry ${e.id}`);
    prev = e.hash;
  }
  assert.deepEqual(all.map((e) => e.id), all.map((_, i) => i + 1), 'ids 1, 2, 3, … without gaps');
});

test('filter by actor and action: exactly the matching entries with the right total', async () => {
  const disp = await q({ actor: 'dispatcher', action: 'auth.login' });
  assert.equal(disp.total, 3);
  assert.equal(disp.items.length, 3);
  assert.ok(disp.items.every((e) => e.actor === 'dispatcher' && e.action === 'auth.login'));
  const ids = disp.items.map((e) => e.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');

  const logins = await q({ action: 'auth.login' });
  // Sign-ins: dispatcher 3, investigator 3, inspector 1.

  assert.equal(logins.total, 7);
  const creates = await q({ action: 'user.create' });
  assert.equal(creates.total, 4, 'the four CLI-created accounts');
  assert.ok(creates.items.every((e) => e.actor === 'cli' && e.outcome === 'ok'));
  const byTarget = await q({ target: 'investigator', action: 'auth.login' });
  assert.equal(byTarget.total, 3);
  const byOutcome = await q({ outcome: 'failed' });
  assert.equal(byOutcome.total, 0);
  const none = await q({ actor: 'nobody' });
  assert.deepEqual(none, { items: [], total: 0 });
});

test('filter by time: from/to with offsets, inclusive, microsecond precision', async () => {
  // phaseB is like 2026-11-30T02:13:00+08:00: the '+' must be URL-encoded (auditQuery does).
  const fromB = await q({ action: 'auth.login', actor: 'investigator', from: phaseB });
  assert.equal(fromB.total, 2);
  const toA = await q({ action: 'auth.login', actor: 'investigator',
    to: new Date(Date.parse(phaseB) - 1000).toISOString() });  // UTC with Z
  assert.equal(toA.total, 1);
  assert.ok(Math.max(...toA.items.map((e) => e.id)) < Math.min(...fromB.items.map((e) => e.id)));
  const both = await q({ action: 'auth.login', actor: 'investigator', from: '2000-01-01', to: '2999-12-31T23:59:59Z' });
  assert.equal(both.total, 3);
  assert.equal((await q({ action: 'auth.login', from: '2999-01-01' })).total, 0);

  // from = to = one entry's own time: exactly that entry (bounds are inclusive, to the microsecond).
  const one = fromB.items[0];
  const exact = await q({ from: one.at, to: one.at });
  assert.equal(exact.total, 1);
  assert.equal(exact.items[0].id, one.id);
  // The same instant written with an offset of +08:00.
  const local = new Date(Date.parse(one.at) + 8 * 3600 * 1000).toISOString().replace('Z', '');
  const micros = one.at.slice(19, 26);  // ".123456"
  const withOffset = `${local.slice(0, 19)}${micros}+08:00`;
  const exact2 = await q({ from: withOffset, to: withOffset });
  assert.equal(exact2.total, 1, `from=to=${withOffset}`);
  assert.equal(exact2.items[0].id, one.id);
});

test('bad times → 422 invalid_time', async () => {
  for (const bad of ['yesterday', '2019-02-29', '2024-01-01T25:00', '2024-13-01']) {
    expectError(await s.req('GET', `/api/v1/audit?from=${encodeURIComponent(bad)}`, { token: insp }), 422,
      'invalid_time');
  }
  expectError(await s.req('GET', '/api/v1/audit?to=nope', { token: insp }), 422, 'invalid_time');
  // An unencoded '+' arrives as a space: that is a bad offset, not a silently different time.
  const raw = phaseB.replace('+', '%20');
  expectError(await s.req('GET', `/api/v1/audit?from=${raw}`, { token: insp }), 422, 'invalid_time');
});

test('pagination with page_size=2 is consistent with the full list', async () => {
  const full = await q({ action: 'auth.login', page_size: 500 });
  assert.equal(full.total, 7);
  const seen = [];
  for (let page = 1; page <= 4; page++) {
    const p = await q({ action: 'auth.login', page_size: 2, page });
    assert.equal(p.total, 7, `total on page ${page}`);
    assert.equal(p.items.length, page < 4 ? 2 : 1, `items on page ${page}`);
    seen.push(...p.items.map((e) => e.id));
  }
  assert.deepEqual(seen, full.items.map((e) => e.id));
  const beyond = await q({ action: 'auth.login', page_size: 2, page: 5 });
  assert.deepEqual(beyond, { items: [], total: 7 });
});

test('reading the log writes an audit.read entry with the query', async () => {
  await q({ action: 'auth.login', page_size: 2 });
  const r = await q({ action: 'audit.read', page_size: 1 });
  // The newest audit.read is the previous read (this one is logged after its answer).
  const e = r.items[0];
  checkEntryShape(e);
  assert.equal(e.actor, 'inspector');
  assert.equal(e.role, 'inspector');
  assert.equal(e.target, 'audit_log');
  assert.equal(e.outcome, 'ok');
  assert.deepEqual(e.detail.split('&').sort(), ['action=auth.login', 'page_size=2']);
  await q({});
  const r2 = await q({ action: 'audit.read', page_size: 1 });
  assert.equal(r2.items[0].detail, 'all');
  assert.equal(r2.items[0].id, r.items[0].id + 2, 'one entry per read');
});

test('verify: ok, checked = the number of entries at that moment', async () => {
  const { total } = await q({});  // counted before its own audit.read entry
  const v = await verify();
  assert.deepEqual(v, { ok: true, checked: total + 1 });
  const v2 = await verify();
  assert.deepEqual(v2, { ok: true, checked: total + 2 }, 'the previous verify was logged');
  const entry = (await q({ action: 'audit.verify', page_size: 1 })).items[0];
  assert.equal(entry.detail, 'ok');
  assert.equal(entry.actor, 'inspector');
});

test('tamper: an altered entry is found by the API and the CLI (exit 1), and only it', async () => {
  const before = s.cli(['audit', 'verify']);
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stdout, /audit chain ok: \d+ entries verified/);

  const original = sqlExec(s, 'SELECT target FROM audit_log WHERE id = 3').trim();
  assert.equal(original, 'dispatcher', 'entry 3 is the CLI creation of dispatcher');
  sqlExec(s, "UPDATE audit_log SET target = 'x' WHERE id = 3");
  const v = await verify();
  assert.equal(v.ok, false);
  assert.equal(v.first_bad_id, 3);
  assert.equal(v.problem, 'altered');
  assert.equal(v.checked, 3);
  const entry = (await q({ action: 'audit.verify', page_size: 1 })).items[0];
  assert.equal(entry.detail, 'first bad entry 3');

  const cli = s.cli(['audit', 'verify']);
  assert.equal(cli.code, 1, `CLI exit code; stdout ${cli.stdout} stderr ${cli.stderr}`);
  assert.match(cli.stdout, /entry 3\b/);
  assert.match(cli.stdout, /altered/);

  // Putting the value back restores the chain.
  sqlExec(s, `UPDATE audit_log SET target = ${sqlText(original)} WHERE id = 3`);
  assert.equal((await verify()).ok, true);
  assert.equal(s.cli(['audit', 'verify']).code, 0);
});

test('tamper: an entry changed and re-hashed breaks the link of the next one', async () => {
  const all = (await q({ page_size: 500 })).items;
  const e3 = all.find((e) => e.id === 3);
  const e2 = all.find((e) => e.id === 2);
  const forged = { ...e3, target: 'someone-else' };
  const forgedHash = entryHash(forged, e2.hash);
  sqlExec(s, `UPDATE audit_log SET target = 'someone-else', hash = ${sqlText(forgedHash)} WHERE id = 3`);
  const v = await verify();
  assert.equal(v.ok, false);
  assert.equal(v.first_bad_id, 4);
  assert.equal(v.problem, 'broken_link');
  const cli = s.cli(['audit', 'verify']);
  assert.equal(cli.code, 1);
  assert.match(cli.stdout, /entry 4\b/);
  sqlExec(s, `UPDATE audit_log SET target = ${sqlText(e3.target)}, hash = ${sqlText(e3.hash)} WHERE id = 3`);
  assert.equal((await verify()).ok, true);
});

test('tamper: entries cut off the end are found (truncated)', async () => {
  const last = await lastAuditId(s, insp);  // the read itself wrote last + 1
  sqlExec(s, `DELETE FROM audit_log WHERE id = ${last + 1}`);
  const v = await verify();
  assert.equal(v.ok, false);
  assert.equal(v.first_bad_id, last + 1);
  assert.equal(v.problem, 'truncated');
  assert.equal(s.cli(['audit', 'verify']).code, 1);
});

test('tamper: a deleted entry on a fresh server is found (removed)', async () => {
  const s2 = await startServer();
  try {
    const insp2 = await s2.login('inspector');
    await s2.login('dispatcher');
    const before = s2.cli(['audit', 'verify']);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /audit chain ok: 6 entries verified/);  // 4 user.create + 2 auth.login
    sqlExec(s2, 'DELETE FROM audit_log WHERE id = 5');
    const r = await s2.req('GET', '/api/v1/audit/verify', { token: insp2 });
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.first_bad_id, 5);
    assert.equal(r.json.problem, 'removed');
    const cli = s2.cli(['audit', 'verify']);
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, /entry 5\b/);
    assert.match(cli.stdout, /removed/);
  } finally {
    await s2.stop();
  }
});
