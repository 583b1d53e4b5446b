// Faults (issue #12): the disk fills up (twice), the PostgreSQL server is
// killed. Each answers a clear 503 with a specific code,
// the server stays up, nothing acknowledged is lost, and it works again once
// the fault clears. The disk is a small tmpfs mounted for the test (root
// only; the test says so and skips elsewhere).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BACKEND, REPO, expectError, startServer } from './lib/server.mjs';

const CP = 'KK80001';
const CASE = { 'X-Purpose': '故障演练', 'X-Case-No': 'FAULT-2026-001' };
const sh = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' });

function pass(s, token, plate, at = '2026-04-01T10:00:00') {
  return s.req('POST', '/api/v1/sources/vehicle_pass/records', {
    token, rawBody: `plate,checkpoint_code,passed_at\n${plate},${CP},${at}\n`, headers: { 'Content-Type': 'text/csv' },
  });
}

// Fills the file system under dir; returns the filler's path.
function fill(dir) {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  for (const size of [1 << 20, 4096, 64]) {
    const buf = Buffer.alloc(size, 1);
    try {
      for (;;) fs.writeSync(fd, buf);
    } catch (e) {
      assert.equal(e.code, 'ENOSPC');
    }
  }
  fs.closeSync(fd);
  return filler;
}

test('a full disk: 503 with a clear code, nothing half-stored, recovery when it clears',
  { skip: BACKEND !== 'sqlite' && 'the disk test runs on the SQLite backend (its database is on the small disk)' },
  async (t) => {
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'jingwu-disk-'));
    if (sh('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', mnt]).status !== 0) {
      t.skip('cannot mount a tmpfs here (needs root)');
      return;
    }
    let s;
    try {
      const data = path.join(mnt, 'data');
      s = await startServer({ dataDir: data, users: [{ username: 'admin', roles: ['admin'] }, { username: 'analyst', roles: ['analyst'] }] });
      const admin = await s.login('admin');
      const analyst = await s.login('analyst');
      const places = `code,kind,name,district_code,lat,lon\n${CP},checkpoint,故障演练卡口,460106,20.03,110.32\n`;
      assert.equal((await s.req('POST', '/api/v1/sources/places/records',
        { token: admin, rawBody: places, headers: { 'Content-Type': 'text/csv' } })).status, 200);
      const first = await pass(s, admin, '琼A80001');
      assert.equal(first.json.accepted, 1);

      // The disk fills up.
      const filler = fill(mnt);
      for (const r of [await pass(s, admin, '琼A80002'), await s.loginRaw('analyst')])
        assert.ok(r.status === 503 && ['storage_full', 'storage_unavailable'].includes(r.json?.error?.code),
          `503 storage_full, got ${r.status} ${r.text}`);
      // No audit entry can be written, so no personal data is shown.
      const read = await s.req('GET', `/api/v1/analysis/trajectory?entity=${encodeURIComponent('PLATE:琼A80001')}`,
        { token: analyst, headers: CASE });
      assert.equal(read.status, 503, read.text);
      assert.equal((await s.req('GET', '/healthz')).status, 200, 'the server stays up');

      // The disk clears: everything works again, and what failed was not half-stored.
      fs.rmSync(filler);
      const again = await pass(s, admin, '琼A80003');
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json.accepted, 1);
      assert.equal((await s.loginRaw('analyst')).status, 200);
      const tr = await s.req('GET', `/api/v1/analysis/trajectory?entity=${encodeURIComponent('PLATE:琼A80001')}`,
        { token: analyst, headers: CASE });
      assert.equal(tr.status, 200, tr.text);
      assert.equal(tr.json.events.length, 1, 'the acknowledged event is there');
      const lost = await s.req('GET', `/api/v1/analysis/trajectory?entity=${encodeURIComponent('PLATE:琼A80002')}`,
        { token: analyst, headers: CASE });
      assert.ok(lost.status === 404 || lost.json.events.length === 0, `the refused row was not stored: ${lost.text}`);

      // A second fill and clear: the event store resumes again (RocksDB stops writing after a failed write).
      const filler2 = fill(mnt);
      const full2 = await pass(s, admin, '琼A80004');
      assert.equal(full2.status, 503, full2.text);
      fs.rmSync(filler2);
      const rw = await pass(s, admin, '琼A80005');
      assert.equal(rw.status, 200, rw.text);
      assert.equal(rw.json.accepted, 1);
      const audit = sh(path.join(REPO, 'build/jingwu'), ['audit', 'verify', '--data', data]);
      assert.equal(audit.status, 0, audit.stdout + audit.stderr);
    } finally {
      await s?.stop();
      sh('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  });

test('the PostgreSQL server killed mid-work: 503 database_unavailable, the server stays up and reconnects',
  { skip: BACKEND !== 'postgres' && 'runs on the PostgreSQL backend' }, async () => {
    // A private PostgreSQL server, so that killing it harms no other test.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingwu-pgkill-'));
    // Durable (fsync on, synchronous commit): an acknowledged write must survive the kill.
    const started = spawnSync('bash', [path.join(REPO, 'scripts/pg.sh'), 'start', dir],
      { encoding: 'utf8', env: { ...process.env, JINGWU_PG_DURABLE: '1' } });
    assert.equal(started.status, 0, started.stderr);
    const port = /JINGWU_TEST_PG_PORT=(\d+)/.exec(started.stdout)[1];
    const bin = fs.readdirSync('/usr/lib/postgresql').sort().map((v) => `/usr/lib/postgresql/${v}/bin`).pop();
    const pgctl = (...args) => sh('runuser', ['-u', 'postgres', '--', `${bin}/pg_ctl`, '-D', `${dir}/pgdata`, ...args]);
    const pg = { name: 'jingwu_test', port, url: `postgresql://postgres@127.0.0.1:${port}/jingwu_test` };
    let s;
    try {
      s = await startServer({ pg, db: 'postgres', users: [{ username: 'admin', roles: ['admin'] }, { username: 'inv', roles: ['investigator'] }] });
      const inv = await s.login('inv');
      const body = { kind: 'criminal', category: 'theft', district_code: '460106', status: 'filed', place: '故障演练',
        occurred_at: '2025-01-01T10:00:00', filed_at: '2025-01-01T12:00:00' };
      const c = await s.req('POST', '/api/v1/cases', { token: inv, body });
      assert.equal(c.status, 201, c.text);

      assert.equal(pgctl('-m', 'immediate', '-w', 'stop').status, 0, 'PostgreSQL killed');
      const during = await s.req('POST', '/api/v1/cases', { token: inv, body });
      expectError(during, 503, 'database_unavailable');
      expectError(await s.req('GET', '/api/v1/cases', { token: inv }), 503, 'database_unavailable');
      expectError(await s.req('GET', '/healthz'), 503, 'database_unavailable');

      assert.equal(pgctl('-l', `${dir}/server.log`, '-w', '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start').status, 0, 'PostgreSQL back');
      const list = await s.req('GET', '/api/v1/cases', { token: inv });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.json.items.map((x) => x.case_no), [c.json.case_no], 'the acknowledged case, and only it');
      assert.equal((await s.req('POST', '/api/v1/cases', { token: inv, body })).status, 201);
    } finally {
      await s?.stop();
      sh('bash', [path.join(REPO, 'scripts/pg.sh'), 'stop', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
