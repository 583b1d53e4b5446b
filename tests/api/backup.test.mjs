// Backup and restore (issue #12): `jingwu backup` takes a consistent copy while
// the server runs under write load (uploads, sign-ins, audit entries);
// `jingwu restore` makes a new data folder (and database) from it; a server on
// the restored folder has the same events, the same trajectory and an intact
// audit chain. Bad use gets a clear error and changes nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, createPgDatabase, genCity, startServer } from './lib/server.mjs';

let s;
let city;
let analyst;
let admin;
const CASE = { 'X-Purpose': '备份核验', 'X-Case-No': 'BK-2026-001' };
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jingwu-backup-'));

function run(args) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

before(async () => {
  city = genCity(9, 'jingwu-backup-gen-');
  s = await startServer({
    users: [{ username: 'analyst', roles: ['analyst'] }, { username: 'admin', roles: ['admin'] },
      { username: 'inspector', roles: ['inspector'] }],
    beforeStart: (cli) => {
      const r = cli(['ingest', '--source', 'all', city.dir, '--quiet'], { timeout: 120000 });
      assert.equal(r.code, 0, r.stderr);
    },
  });
  analyst = await s.login('analyst');
  admin = await s.login('admin');
});
after(async () => {
  await s?.stop();
  fs.rmSync(city.dir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const dbArgs = () => (s.dbUrl ? ['--db', s.dbUrl] : []);

test('a backup under write load restores into a folder with the same events, trajectory and audit chain', async () => {
  const person = city.truth.cotravel_groups[0].members[0];
  const trajectory = async (srv, token) => {
    const r = await srv.req('GET', `/api/v1/analysis/trajectory?entity=${encodeURIComponent(person)}`,
      { token, headers: CASE });
    assert.equal(r.status, 200, r.text);
    return r.json.events.map((e) => `${e.time} ${e.place} ${e.source}`);
  };
  const before = await trajectory(s, analyst);
  assert.ok(before.length > 0, `${person} has events`);
  const kk = fs.readFileSync(path.join(city.dir, 'places.csv'), 'utf8').split('\n').find((l) => l.includes(',checkpoint,')).split(',')[0];

  // Write load while the backup runs: one-row uploads and sign-ins (audit entries).
  let stop = false;
  let uploads = 0;
  const load = (async () => {
    for (let i = 0; !stop && i < 5000; i++) {
      const csv = `plate,checkpoint_code,passed_at\n琼B${String(i).padStart(5, '0')},${kk},2026-03-01T10:${String(i % 60).padStart(2, '0')}:00\n`;
      const r = await s.req('POST', '/api/v1/sources/vehicle_pass/records',
        { token: admin, rawBody: csv, headers: { 'Content-Type': 'text/csv' } });
      assert.equal(r.status, 200, r.text);
      uploads++;
      if (i % 10 === 0) await s.login('analyst');
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const file = path.join(work, 'jingwu.backup.tar');
  const b = await run(['backup', '--data', s.dataDir, ...dbArgs(), '--to', file]);
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await load;
  assert.equal(b.code, 0, b.err);
  assert.ok(uploads > 5, `uploads during the backup: ${uploads}`);
  assert.equal(fs.statSync(file).mode & 0o077, 0, 'the backup is private');
  const manifest = JSON.parse(b.out.slice(b.out.indexOf('{')));
  assert.equal(manifest.format, 'jingwu-backup/1');
  assert.equal(manifest.db, s.db);
  const stats = await s.req('GET', '/api/v1/events/stats', { token: admin });
  assert.ok(manifest.events.total > 100000, `events in the backup: ${manifest.events.total}`);
  assert.ok(manifest.events.total <= stats.json.total, 'no more than the server had');
  console.log(`backup: ${manifest.events.total} events of ${stats.json.total} after ${uploads} concurrent uploads`);

  // Restore into a new folder (and a new, empty database on PostgreSQL).
  const dir = path.join(work, 'restored');
  const pg = s.db === 'postgres' ? createPgDatabase() : null;
  const r = await run(['restore', '--from', file, '--data', dir, ...(pg ? ['--db', pg.url] : [])]);
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /audit chain ok/);
  const v = await run(['audit', 'verify', '--data', dir, ...(pg ? ['--db', pg.url] : [])]);
  assert.equal(v.code, 0, v.out + v.err);

  const t = await startServer({ dataDir: dir, pg, users: [], db: s.db });
  try {
    const a2 = await t.login('analyst');
    const st = await t.req('GET', '/api/v1/events/stats', { token: await t.login('admin') });
    assert.equal(st.json.total, manifest.events.total, 'every event of the backup, no more');
    assert.deepEqual(await trajectory(t, a2), before, 'the same trajectory');
    const audit = await t.req('GET', '/api/v1/audit/verify', { token: await t.login('inspector') });
    assert.equal(audit.json.ok, true);
    if (manifest.sql_counts) assert.ok(audit.json.checked >= manifest.sql_counts.audit_log);
  } finally {
    await t.stop();
  }
});

test('bad use: an existing file, a non-empty folder, a file that is not a backup', async () => {
  const file = path.join(work, 'exists.tar');
  fs.writeFileSync(file, 'not a backup');
  const b = await run(['backup', '--data', s.dataDir, ...dbArgs(), '--to', file]);
  assert.notEqual(b.code, 0);
  assert.match(b.err, /exists/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'not a backup', 'left as it was');
  const full = path.join(work, 'full');
  fs.mkdirSync(full);
  fs.writeFileSync(path.join(full, 'x'), 'x');
  const r = await run(['restore', '--from', path.join(work, 'jingwu.backup.tar'), '--data', full]);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /not empty/);
  assert.deepEqual(fs.readdirSync(full), ['x']);
  const bad = await run(['restore', '--from', file, '--data', path.join(work, 'new')]);
  assert.notEqual(bad.code, 0);
});
