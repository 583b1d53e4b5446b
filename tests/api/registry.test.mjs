// The base registries (docs/registry.md): the address tree, matching against
// the generator's planted texts, organisations, residents as personal data,
// moves, address changes with history, and the counts, on the city that
// `jingwu gen` writes and `jingwu registry import` loads.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { auditSince, expectError, genCity, lastAuditId, startServer } from './lib/server.mjs';

let s;
let inv;
let clerk;
let disp;
let insp;
let gen;
let importOut;
const PURPOSE = { 'X-Purpose': '社区核查' };

function csv(file) {
  const lines = fs.readFileSync(path.join(gen.dir, file), 'utf8').split('\n').filter(Boolean);
  const head = lines[0].split(',');
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
}

before(async () => {
  gen = genCity(5, 'jingwu-registry-');
  s = await startServer({
    users: [
      { username: 'investigator', roles: ['investigator'] },
      { username: 'clerk', roles: ['service_clerk'] },
      { username: 'dispatcher', roles: ['dispatcher'] },
      { username: 'inspector', roles: ['inspector'] },
    ],
    beforeStart: (cli) => {
      const r = cli(['registry', 'import', gen.dir], { timeout: 120000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      importOut = r.stdout;
      // The residents registry in the event store too, so that profiles exist.
      for (const source of ['places', 'residents']) {
        const i = cli(['ingest', '--source', source, path.join(gen.dir, `${source}.csv`), '--quiet'], { timeout: 120000 });
        assert.equal(i.code, 0, i.stderr + i.stdout);
      }
    },
  });
  inv = await s.login('investigator');
  clerk = await s.login('clerk');
  disp = await s.login('dispatcher');
  insp = await s.login('inspector');
});
after(async () => {
  await s?.stop();
  fs.rmSync(gen.dir, { recursive: true, force: true });
});

test('the import reports every file and loads every row of the generated city', () => {
  const addresses = csv('addresses.csv');
  const line = importOut.split('\n').find((l) => l.startsWith('addresses.csv'));
  assert.match(line, new RegExp(`${addresses.length} rows +${addresses.length} accepted +0 already +0 rejected`));
  for (const f of ['address_aliases.csv', 'organisations.csv', 'population.csv'])
    assert.match(importOut, new RegExp(`${f} +(\\d+) rows +\\1 accepted`), importOut);
});

test('the tree: four districts, then streets, down to a room with its path and history', async () => {
  const top = await s.req('GET', '/api/v1/registry/addresses', { token: inv });
  assert.equal(top.status, 200, top.text);
  assert.deepEqual(top.json.items.map((n) => n.code), ['460105', '460106', '460107', '460108']);
  assert.equal(top.json.total, 4);
  const rooms = csv('addresses.csv').filter((a) => a.level === 'room');
  assert.equal(top.json.items.reduce((n, d) => n + d.rooms, 0), rooms.length);
  let code = '460106';
  for (const level of ['street', 'community', 'compound', 'building', 'unit', 'floor', 'room']) {
    const r = await s.req('GET', `/api/v1/registry/addresses?parent=${code}`, { token: inv });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length > 0, `${level} under ${code}`);
    assert.ok(r.json.items.every((n) => n.level === level && n.code.startsWith(code)));
    code = r.json.items[0].code;
  }
  assert.equal(code.length, 25);
  const room = await s.req('GET', `/api/v1/registry/addresses/${code}`, { token: inv });
  assert.equal(room.status, 200, room.text);
  assert.equal(room.json.path.length, 8);
  assert.equal(room.json.path[0].name, '龙华区');
  assert.match(room.json.full_name, /^海口市龙华区.+室$/);
  assert.deepEqual(room.json.history.map((h) => h.change), ['created (import)']);
  const building = code.slice(0, 19);
  const under = await s.req('GET', `/api/v1/registry/addresses?under=${building}`, { token: inv });
  assert.equal(under.status, 200, under.text);
  const below = csv('addresses.csv').filter((a) => a.code.startsWith(building) && a.code !== building);
  assert.deepEqual(under.json.items.map((n) => n.code), below.map((a) => a.code).sort());
  const roomsOnly = await s.req('GET', `/api/v1/registry/addresses?under=${building}&level=room&limit=3`, { token: inv });
  assert.equal(roomsOnly.json.items.length, 3);
  assert.ok(roomsOnly.json.items.every((n) => n.level === 'room'));
  assert.equal(roomsOnly.json.truncated, below.filter((a) => a.level === 'room').length > 3);
  expectError(await s.req('GET', '/api/v1/registry/addresses/12345', { token: inv }), 422, 'invalid_address_code');
  expectError(await s.req('GET', '/api/v1/registry/addresses/4601069999999999', { token: inv }), 404, 'unknown_address');
  expectError(await s.req('GET', '/api/v1/registry/addresses', { token: disp }), 403, 'permission_denied');
});

test('search finds compounds by name and by alias', async () => {
  const alias = csv('address_aliases.csv').find((a) => a.code.length === 16);
  const r = await s.req('GET', `/api/v1/registry/addresses?q=${encodeURIComponent(alias.alias)}`, { token: inv });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.some((n) => n.code === alias.code && n.aliases.includes(alias.alias)), r.text);
});

test('matching resolves the planted messy texts to their true code and refuses the rest', async () => {
  const samples = csv('address_samples.csv');
  const positives = samples.filter((x) => x.code).slice(0, 40);
  const negatives = samples.filter((x) => !x.code).slice(0, 12);
  for (const x of positives) {
    const r = await s.req('POST', '/api/v1/registry/match', { token: inv, body: { text: x.text } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.matched, true, `${x.text}: ${r.text}`);
    assert.equal(r.json.code, x.code, x.text);
    assert.equal(r.json.level, 'room');
    assert.ok(r.json.score >= 0.75);
  }
  for (const x of negatives) {
    const r = await s.req('POST', '/api/v1/registry/match', { token: inv, body: { text: x.text } });
    assert.equal(r.json.matched, false, `${x.variant} ${x.text}: ${r.text}`);
    assert.equal(r.json.code, null);
  }
  expectError(await s.req('POST', '/api/v1/registry/match', { token: inv, body: { text: ' \u3000' } }), 422,
    'validation_failed');
  expectError(await s.req('POST', '/api/v1/registry/match', { token: inv, body: {} }), 422, 'validation_failed');
  expectError(await s.req('POST', '/api/v1/registry/match', { token: inv, rawBody: '{"text":' }),
    400, 'malformed_json');
});

test('organisations: every hotel of places.csv is one; credit codes are checked; a create is audited', async () => {
  const orgs = csv('organisations.csv');
  const hotels = csv('places.csv').filter((p) => p.kind === 'hotel');
  const all = await s.req('GET', '/api/v1/registry/organisations?page_size=10', { token: inv });
  assert.equal(all.status, 200, all.text);
  assert.equal(all.json.total, orgs.length);
  assert.equal(all.json.items.length, 10);
  const h = await s.req('GET', '/api/v1/registry/organisations?key_unit=hotel&page_size=200', { token: inv });
  assert.equal(h.json.total, hotels.length);
  assert.deepEqual(new Set(h.json.items.map((o) => o.place_code)), new Set(hotels.map((p) => p.code)));
  const one = await s.req('GET', `/api/v1/registry/organisations/${orgs[0].credit_code}`, { token: inv });
  assert.equal(one.json.name, orgs[0].name);
  assert.match(one.json.full_address, /^海口市/);

  const building = orgs[0].address_code;
  const body = { credit_code: '91460106MA5T000X1Y', name: '测试网吧', address_code: building, key_units: ['netcafe'] };
  expectError(await s.req('POST', '/api/v1/registry/organisations', { token: clerk, body }), 422, 'invalid_credit_code');
  expectError(await s.req('POST', '/api/v1/registry/organisations', { token: inv, body }), 403, 'permission_denied');
  const again = await s.req('GET', '/api/v1/registry/organisations?page_size=1', { token: inv });
  assert.equal(again.json.total, orgs.length);
  const since = await lastAuditId(s, insp);
  body.credit_code = '91350100M000100Y43';
  const made = await s.req('POST', '/api/v1/registry/organisations', { token: clerk, body });
  assert.equal(made.status, 201, made.text);
  expectError(await s.req('POST', '/api/v1/registry/organisations', { token: clerk, body }), 409, 'credit_code_taken');
  const audit = await auditSince(s, insp, since, { action: 'registry.organisation.create' });
  assert.deepEqual(audit.map((e) => e.outcome), ['ok', 'failed']);
  assert.equal(audit[0].target, '91350100M000100Y43');
  expectError(await s.req('POST', '/api/v1/registry/organisations',
    { token: clerk, body: { ...body, credit_code: '92460106MA5T000X1L', address_code: '4601069999999999' } }), 422,
  'invalid_credit_code');
});

test('residents are personal data: a purpose, person.read, an audit entry; counts match population.csv', async () => {
  const pop = csv('population.csv').filter((p) => !p.moved_out_at);
  const building = pop[0].address_code.slice(0, 19);
  const expected = pop.filter((p) => p.address_code.startsWith(building));
  expectError(await s.req('GET', `/api/v1/registry/residents?address=${building}`, { token: inv }), 400,
    'purpose_required');
  expectError(await s.req('GET', `/api/v1/registry/residents?address=${building}`, { token: clerk, headers: PURPOSE }),
    403, 'permission_denied');
  const since = await lastAuditId(s, insp);
  const r = await s.req('GET', `/api/v1/registry/residents?address=${building}`, { token: inv, headers: PURPOSE });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total, expected.length);
  assert.deepEqual(new Set(r.json.items.map((x) => x.person)), new Set(expected.map((p) => p.person)));
  const audit = await auditSince(s, insp, since, { action: 'registry.residents.read' });
  assert.equal(audit.length, 1);
  assert.equal(audit[0].target, building);
  assert.equal(audit[0].purpose, '社区核查');
  const mine = await s.req('GET', `/api/v1/registry/residents?person=${encodeURIComponent(pop[0].person)}`,
    { token: inv, headers: PURPOSE });
  assert.ok(mine.json.items.some((x) => x.address_code === pop[0].address_code));
});

test('moves: in and out with their errors; a demolished room takes nobody in; changes keep a history', async () => {
  const rooms = csv('addresses.csv').filter((a) => a.level === 'room');
  const taken = new Set(csv('population.csv').map((p) => p.address_code));
  const free = rooms.find((a) => !taken.has(a.code));
  const person = 'ID:460106199001011239';
  const body = { person, name: '王芳', category: 'registered', address_code: free.code, moved_in_at: '2025-03-01T10:00:00' };
  expectError(await s.req('POST', '/api/v1/registry/residents', { token: clerk, body: { ...body, person: 'ID:460106199001011238' } }),
    422, 'invalid_reference');
  expectError(await s.req('POST', '/api/v1/registry/residents', { token: clerk, body: { ...body, address_code: free.code.slice(0, 19) } }),
    422, 'not_a_room');
  expectError(await s.req('POST', '/api/v1/registry/residents', { token: clerk, body: { ...body, category: 'tourist' } }),
    422, 'unknown_category');
  const made = await s.req('POST', '/api/v1/registry/residents', { token: clerk, body });
  assert.equal(made.status, 201, made.text);
  expectError(await s.req('POST', '/api/v1/registry/residents', { token: clerk, body }), 409, 'already_resident');
  const out = `/api/v1/registry/residents/${made.json.id}/move-out`;
  expectError(await s.req('POST', out, { token: clerk, body: { moved_out_at: '2025-02-01T10:00:00' } }), 422,
    'move_out_before_move_in');
  const moved = await s.req('POST', out, { token: clerk, body: { moved_out_at: '2025-09-01T10:00:00' } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.moved_out_at, '2025-09-01T10:00:00+08:00');
  expectError(await s.req('POST', out, { token: clerk, body: { moved_out_at: '2025-10-01T10:00:00' } }), 409,
    'already_moved_out');

  expectError(await s.req('PATCH', `/api/v1/registry/addresses/${free.code}`, { token: inv, body: { status: 'demolished' } }),
    403, 'permission_denied');
  expectError(await s.req('PATCH', `/api/v1/registry/addresses/${free.code}`, { token: clerk, body: { status: 'merged' } }),
    422, 'merged_into_required');
  const d = await s.req('PATCH', `/api/v1/registry/addresses/${free.code}`, { token: clerk, body: { status: 'demolished' } });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.status, 'demolished');
  expectError(await s.req('POST', '/api/v1/registry/residents', { token: clerk, body }), 409, 'address_retired');
  const detail = await s.req('GET', `/api/v1/registry/addresses/${free.code}`, { token: inv });
  assert.deepEqual(detail.json.history.map((h) => [h.actor, h.change]).slice(1), [['clerk', 'status active -> demolished']]);
});

test('the overview counts what was imported', async () => {
  const r = await s.req('GET', '/api/v1/registry/stats', { token: inv });
  assert.equal(r.status, 200, r.text);
  const addresses = csv('addresses.csv');
  for (const level of ['district', 'street', 'community', 'compound', 'building', 'unit', 'floor', 'room'])
    assert.equal(r.json.levels[level], addresses.filter((a) => a.level === level).length, level);
  assert.equal(r.json.districts.length, 4);
  const current = csv('population.csv').filter((p) => !p.moved_out_at).length;
  const counted = Object.values(r.json.residents).reduce((a, b) => a + b, 0);
  assert.equal(counted, current);
  assert.equal(r.json.districts.reduce((n, d) => n + d.residents, 0), current);
});

test('a profile shows where the person lives and who lives with them', async () => {
  const pop = csv('population.csv');
  const current = pop.filter((p) => !p.moved_out_at);
  // A room with at least two current residents, and one of them.
  const byRoom = new Map();
  for (const p of current) byRoom.set(p.address_code, [...(byRoom.get(p.address_code) || []), p]);
  const [room, people] = [...byRoom.entries()].find(([, v]) => v.length >= 2 && v[0].person.startsWith('ID:'));
  const me = people[0];
  const r = await s.req('GET', `/api/v1/entities/${encodeURIComponent(me.person)}`, { token: inv, headers: PURPOSE });
  assert.equal(r.status, 200, r.text);
  const mine = pop.filter((p) => p.person === me.person);
  assert.equal(r.json.residences.length, mine.length);
  const now = r.json.residences.find((x) => x.address_code === room);
  assert.ok(now, r.text);
  assert.equal(now.moved_out_at, null);
  assert.match(now.full_address, /^海口市.+室$/);
  assert.deepEqual(new Set(now.housemates.map((m) => m.person)),
    new Set(people.slice(1).map((p) => p.person).filter((p) => p !== me.person)));
});

test('the graph links people living in the same room, with the room as evidence', async () => {
  const current = csv('population.csv').filter((p) => !p.moved_out_at);
  const byRoom = new Map();
  for (const p of current) byRoom.set(p.address_code, [...(byRoom.get(p.address_code) || []), p]);
  const [room, people] = [...byRoom.entries()].find(([, v]) => v.length >= 3 && v.every((p) => p.person.startsWith('ID:')));
  const me = people[0];
  const headers = { ...PURPOSE, 'X-Case-No': 'A4601062025000001' };
  const r = await s.req('GET', `/api/v1/entities/${encodeURIComponent(me.person)}/graph`, { token: inv, headers });
  assert.equal(r.status, 200, r.text);
  const same = r.json.edges.filter((e) => e.kind === 'same_room');
  const others = people.slice(1).map((p) => p.person);
  // Every housemate is linked to me (and to each other once they are in the graph), never twice.
  for (const o of others)
    assert.ok(same.some((e) => [e.source, e.target].sort().join() === [me.person, o].sort().join()), o);
  const keys = same.map((e) => [e.source, e.target].sort().join());
  assert.equal(new Set(keys).size, keys.length);
  for (const e of same) {
    assert.equal(e.evidence[0].source, 'registry');
    assert.equal(e.evidence[0].place, room);
    assert.match(e.evidence[0].detail, /^海口市.+室$/);
  }
  for (const o of others) assert.ok(r.json.nodes.some((n) => n.id === o), `node ${o}`);
});

test('one-box search finds standard addresses and organisations', async () => {
  const sample = csv('address_samples.csv').find((x) => x.code && x.variant === '0');
  const r = await s.req('GET', `/api/v1/search?q=${encodeURIComponent(sample.text)}`, { token: inv, headers: PURPOSE });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.addresses[0].code, sample.code);
  assert.equal(r.json.addresses[0].level, 'room');
  const org = csv('organisations.csv').find((o) => o.key_units === 'hotel');
  const o = await s.req('GET', `/api/v1/search?q=${encodeURIComponent(org.name)}`, { token: inv, headers: PURPOSE });
  assert.ok(o.json.organisations.some((x) => x.credit_code === org.credit_code), o.text);
  const none = await s.req('GET', `/api/v1/search?q=${encodeURIComponent('火星大道99号')}`, { token: inv, headers: PURPOSE });
  assert.deepEqual(none.json.addresses, []);
});

test('dispatch resolves a caller\'s address to a standard address, its place on the map and the community officer', async () => {
  const officers = csv('community_officers.csv');
  assert.match(importOut, new RegExp(`community_officers\\.csv +${officers.length} rows +${officers.length} accepted`));
  const sample = csv('address_samples.csv').find((x) => x.code && x.variant === '1');
  const r = await s.req('GET', `/api/v1/dispatch/address?q=${encodeURIComponent(sample.text)}`, { token: disp });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.matched, true);
  assert.equal(r.json.code, sample.code);
  assert.equal(r.json.community_code, sample.code.slice(0, 12));
  const officer = officers.find((o) => o.community_code === sample.code.slice(0, 12));
  assert.equal(r.json.officer.police_number, officer.police_number);
  assert.equal(r.json.officer.name, officer.officer_name);
  assert.ok(r.json.lat > 19.5 && r.json.lat < 20.5 && r.json.lon > 110 && r.json.lon < 111, r.text);
  const none = await s.req('GET', `/api/v1/dispatch/address?q=${encodeURIComponent('火星大道99号')}`, { token: disp });
  assert.equal(none.json.matched, false);
  assert.ok(Array.isArray(none.json.candidates));
  expectError(await s.req('GET', '/api/v1/dispatch/address', { token: disp }), 422, 'validation_failed');
  expectError(await s.req('GET', `/api/v1/dispatch/address?q=x`, { token: clerk }), 403, 'permission_denied');
  // An incident filed with that text carries the standard address.
  const inc = await s.req('POST', '/api/v1/dispatch/incidents', {
    token: disp,
    body: { category: 'criminal', priority: 2, district_code: sample.code.slice(0, 6), lat: r.json.lat, lon: r.json.lon, address: sample.text },
  });
  assert.equal(inc.status, 201, inc.text);
  assert.equal(inc.json.standard_address.code, sample.code);
  assert.equal(inc.json.standard_address.officer.police_number, officer.police_number);
  // The officer can be reassigned (registry.write), with its errors.
  const put = await s.req('PUT', `/api/v1/registry/communities/${officer.community_code}/officer`, {
    token: clerk, body: { officer_name: '新民警', police_number: '468001', phone: '0898-66000000' },
  });
  assert.equal(put.status, 200, put.text);
  const again = await s.req('GET', `/api/v1/dispatch/address?q=${encodeURIComponent(sample.text)}`, { token: disp });
  assert.equal(again.json.officer.name, '新民警');
  expectError(await s.req('PUT', `/api/v1/registry/communities/${officer.community_code}/officer`, {
    token: clerk, body: { officer_name: '新民警', police_number: 'A1' },
  }), 422, 'invalid_police_number');
  expectError(await s.req('PUT', `/api/v1/registry/communities/${officer.community_code}/officer`, {
    token: disp, body: { officer_name: '新民警', police_number: '468001' },
  }), 403, 'permission_denied');
  expectError(await s.req('GET', '/api/v1/registry/communities/460105999999/officer', { token: clerk }), 404, 'unknown_address');
});
