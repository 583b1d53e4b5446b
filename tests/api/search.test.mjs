// One-box search, entity profiles and the relationship graph through the API
// on a `small` synthetic city: exact identifiers, Chinese names by n-grams,
// purpose / case number / permission errors, audit entries, incremental
// indexing of an upload, and `jingwu reindex`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { genCity, auditSince, expectError, lastAuditId, startServer } from './lib/server.mjs';

let s;
let analyst;
let inspector;
let dispatcher;
let admin;
let truth;
let suspect;       // ID:… of collisions[0].suspects[0]
let suspectName;   // their name, from their records
let genDir;
const PURPOSE = { 'X-Purpose': '案件研判' };
const CASE = { 'X-Purpose': '案件研判', 'X-Case-No': 'A4601002025000123' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A GB 11643 ID number from its first 17 digits (the check character appended).
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * w[i];
  return first17 + '10X98765432'[sum % 11];
}

// Searches until the index has caught up with the store (it follows in the background).
async function searchCaughtUp(q, headers = PURPOSE) {
  for (let i = 0; i < 300; i++) {
    const r = await s.req('GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { token: analyst, headers });
    if (r.status !== 200) return r;
    if (r.json.indexed_seq >= r.json.journal_seq) return r;
    await sleep(100);
  }
  throw new Error('the search index did not catch up');
}

before(async () => {
  ({ dir: genDir, truth } = genCity(4, 'jingwu-gen-'));
  suspect = truth.collisions[0].suspects[0];
  s = await startServer({
    users: [
      { username: 'analyst', roles: ['analyst'] },
      { username: 'inspector', roles: ['inspector'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'admin', roles: ['admin'] },
      { username: 'commander', roles: ['commander'] },
    ],
    beforeStart: (cli) => {
      const r = cli(['ingest', '--source', 'all', genDir, '--quiet'], { timeout: 300000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const ix = cli(['reindex'], { timeout: 300000 });
      assert.equal(ix.code, 0, ix.stderr + ix.stdout);
      assert.match(ix.stdout, /reindexed \d+ entities and \d+ places/);
    },
  });
  [analyst, inspector, dispatcher, admin] = await Promise.all(
    ['analyst', 'inspector', 'dispatcher', 'admin'].map((u) => s.login(u)));
});
after(async () => {
  await s?.stop();
  fs.rmSync(genDir, { recursive: true, force: true });
});

test('an exact ID number is answered from the dictionary with counts per source; audited', async () => {
  const since = await lastAuditId(s, inspector);
  const id = suspect.slice(suspect.indexOf(':') + 1);
  const r = await searchCaughtUp(id);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kind, 'ID');
  assert.equal(r.json.entities.length, 1);
  const hit = r.json.entities[0];
  assert.equal(hit.ref, suspect);
  assert.equal(hit.exact, true);
  assert.ok(hit.names.length >= 1);
  assert.ok(Object.values(hit.sources).reduce((a, b) => a + b, 0) >= truth.collisions[0].windows.length);
  suspectName = hit.names[0];
  const entries = await auditSince(s, inspector, since, { action: 'search.query' });
  assert.ok(entries.length >= 1);
  assert.equal(entries.at(-1).target, id);
});

test('a Chinese name finds the person by n-grams; one character finds more', async () => {
  assert.ok(suspectName, 'the name from the exact search');
  const r = await searchCaughtUp(suspectName);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kind, 'text');
  assert.ok(r.json.entities.some((h) => h.ref === suspect), `${suspectName} finds ${suspect}`);
  for (const h of r.json.entities) assert.ok(h.names.length >= 1 && h.sources);
  const given = [...suspectName].at(-1);
  const one = await searchCaughtUp(given);
  assert.equal(one.status, 200);
  assert.ok(one.json.total >= r.json.total);
  assert.ok(one.json.entities.some((h) => h.names.some((n) => n.includes(given))));
});

test('plates, phones and places; a valid identifier nobody has is empty', async () => {
  const plate = await searchCaughtUp('琼A00000');
  assert.equal(plate.status, 200);
  assert.equal(plate.json.kind, 'PLATE');
  const place = fs.readFileSync(path.join(genDir, 'places.csv'), 'utf8').split('\n')[1].split(',');
  const p = await searchCaughtUp(place[2]);
  assert.equal(p.status, 200);
  assert.ok(p.json.places.some((x) => x.code === place[0]), `place ${place[2]}`);
});

test('search needs a purpose, person.read and a query', async () => {
  expectError(await s.req('GET', '/api/v1/search?q=%E4%BC%9F', { token: analyst }), 400, 'purpose_required');
  expectError(await s.req('GET', '/api/v1/search?q=%E4%BC%9F', { token: dispatcher, headers: PURPOSE }), 403, 'permission_denied');
  expectError(await s.req('GET', '/api/v1/search?q=%E4%BC%9F', { headers: PURPOSE }), 401, 'unauthenticated');
  expectError(await s.req('GET', '/api/v1/search?q=', { token: analyst, headers: PURPOSE }), 422, 'empty_query');
});

test('profile: identifiers with the records that link them, latest events, places; audited', async () => {
  const since = await lastAuditId(s, inspector);
  const r = await s.req('GET', `/api/v1/entities/${encodeURIComponent(suspect)}`, { token: analyst, headers: PURPOSE });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.entity.ref, suspect);
  assert.ok(r.json.latest.length >= 1);
  assert.ok(r.json.places.length >= 1 && typeof r.json.places[0].lat === 'number');
  for (const i of r.json.identifiers) {
    assert.ok(i.count >= 1 && Object.keys(i.sources).length >= 1, JSON.stringify(i));
    for (const e of i.evidence) assert.ok(Object.keys(e.record).length > 2);
  }
  // Somebody with a phone link has the record that gave it as evidence.
  const phoneLinks = await findPersonWithPhone();
  assert.ok(phoneLinks.evidence.length >= 1, JSON.stringify(phoneLinks));
  const [entry] = await auditSince(s, inspector, since, { action: 'entity.profile' });
  assert.equal(entry.target, suspect);
  expectError(await s.req('GET', `/api/v1/entities/${encodeURIComponent(suspect)}`, { token: analyst }), 400, 'purpose_required');
  expectError(await s.req('GET', `/api/v1/entities/ID:${idNumber('11010119900307001')}`, { token: analyst, headers: PURPOSE }),
    404, 'unknown_entity');
  expectError(await s.req('GET', '/api/v1/entities/nonsense', { token: analyst, headers: PURPOSE }), 422, 'invalid_reference');
});

async function findPersonWithPhone() {
  const residents = fs.readFileSync(path.join(genDir, 'residents.csv'), 'utf8').split('\n').slice(1, 40);
  for (const line of residents) {
    const f = line.split(',');
    if (f.length < 6 || !f[5]) continue;
    const r = await s.req('GET', `/api/v1/entities/${encodeURIComponent(`${f[0]}:${f[1]}`)}`, { token: analyst, headers: PURPOSE });
    if (r.status !== 200) continue;
    const phone = r.json.identifiers.find((i) => i.kind === 'PHONE');
    if (phone) return phone;
  }
  throw new Error('no resident with a phone');
}

test('graph: depth and limits, edges with kind, weight and evidence; needs a case number; audited', async () => {
  const since = await lastAuditId(s, inspector);
  const url = `/api/v1/entities/${encodeURIComponent(suspect)}/graph`;
  expectError(await s.req('GET', url, { token: analyst, headers: PURPOSE }), 400, 'case_no_required');
  expectError(await s.req('GET', `${url}?depth=4`, { token: analyst, headers: CASE }), 422, 'validation_failed');
  const t0 = Date.now();
  const r = await s.req('GET', `${url}?depth=2&limit=10`, { token: analyst, headers: CASE });
  const ms = Date.now() - t0;
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.nodes[0].id, suspect);
  for (const e of r.json.edges) {
    assert.ok(e.kind && e.weight >= 1, JSON.stringify(e));
    assert.ok(r.json.nodes.some((n) => n.id === e.source) && r.json.nodes.some((n) => n.id === e.target));
  }
  for (const n of r.json.nodes) {
    assert.ok(r.json.edges.filter((e) => e.source === n.id).length <= 10);
    assert.ok(n.depth <= 2);
  }
  console.log(`graph depth 2 of ${suspect}: ${r.json.nodes.length} nodes, ${r.json.edges.length} edges, ${ms} ms over HTTP`);
  // A planted co-travel group shows up as co_travel edges.
  const g = truth.cotravel_groups[0];
  const c = await s.req('GET', `/api/v1/entities/${encodeURIComponent(g.members[0])}/graph?depth=1&limit=50`,
    { token: analyst, headers: CASE });
  assert.equal(c.status, 200);
  for (const m of g.members.slice(1))
    assert.ok(c.json.edges.some((e) => e.kind === 'co_travel' && e.target === m), `co-travel ${g.members[0]} – ${m}`);
  assert.equal(c.json.cotravel_included, true);
  // Co-travel is an analysis result: a commander (person.read, no analysis.run)
  // gets the graph without it, as /analysis/cotravel refuses them.
  const commander = await s.login('commander');
  const cg = await s.req('GET', `/api/v1/entities/${encodeURIComponent(g.members[0])}/graph?depth=1&limit=50`,
    { token: commander, headers: CASE });
  assert.equal(cg.status, 200, cg.text);
  assert.equal(cg.json.cotravel_included, false);
  assert.equal(cg.json.edges.filter((e) => e.kind === 'co_travel').length, 0);
  assert.ok(cg.json.edges.length > 0, 'the other edges are still there');
  expectError(await s.req('GET', `/api/v1/analysis/cotravel?entity=${encodeURIComponent(g.members[0])}`,
    { token: commander, headers: CASE }), 403, 'permission_denied');
  const entries = await auditSince(s, inspector, since, { action: 'analysis.graph' });
  assert.ok(entries.length >= 2);
});

test('an upload is searchable shortly after (incremental index from the store listener)', async () => {
  const place = fs.readFileSync(path.join(genDir, 'places.csv'), 'utf8').split('\n').find((l) => l.includes(',hotel,')).split(',')[0];
  const csv = 'id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at\n' +
    `ID,${idNumber('46010619850312123')},欧阳锋锐,CHN,13912345678,${place},888,2025-06-01T20:00:00,2025-06-02T12:00:00\n`;
  const up = await s.req('POST', '/api/v1/sources/hotel/records', { token: admin, rawBody: csv, headers: { 'Content-Type': 'text/csv' } });
  assert.equal(up.status, 200, up.text);
  const accepted = up.json.accepted === 1;
  assert.ok(accepted, 'the upload was accepted');
  const r = await searchCaughtUp('欧阳锋锐');
  assert.ok(r.json.entities.some((h) => h.names.includes('欧阳锋锐')), r.text);
});
