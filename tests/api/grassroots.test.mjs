// Grassroots policing through the server (docs/grassroots.md): the generated
// supervision sites, disputes, partners and tips scored against their planted
// truth; every bad input refused with its code and nothing stored; tips with
// photos checked like uploads and reporters protected; the officer's phone:
// its own assignments only, shorter sessions, and the offline sync stored
// exactly once with conflicts shown, never overwritten.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { BIN, expectError, genCity, lastAuditId, auditSince, startServer, importReport } from './lib/server.mjs';

let s, cmd, patrol, inspector, analyst, dispatcher, clerk, gen, truth, evalRun, evalDir, imports = [];
const purpose = { 'X-Purpose': encodeURIComponent('矛盾纠纷化解') };
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

before(async () => {
  gen = genCity(5, 'jingwu-grassroots-');
  truth = JSON.parse(fs.readFileSync(path.join(gen.dir, 'grassroots_truth.json'), 'utf8'));
  // The scoring, in an embedded data folder of its own, as of the data's end.
  evalDir = fs.mkdtempSync(path.join(path.dirname(gen.dir), 'jw-gr-eval-'));
  const run = (args) => spawnSync(BIN, [...args, '--data', evalDir], { encoding: 'utf8', timeout: 600000 });
  for (const args of [['cases', 'import', '--from', gen.dir], ['registry', 'import', gen.dir], ['force', 'import', gen.dir]]) {
    const r = run(args);
    assert.equal(r.status, 0, r.stderr + r.stdout);
  }
  const e = run(['grassroots', 'eval', '--from', gen.dir]);
  evalRun = { code: e.status, stdout: e.stdout, stderr: e.stderr };
  s = await startServer({
    users: [
      { username: 'cmd', roles: ['commander'] },
      // The generated force links the account "patrol" to an officer of 海甸派出所.
      { username: 'patrol', roles: ['patrol_officer'] },
      { username: 'insp', roles: ['inspector'] },
      { username: 'analyst', roles: ['analyst'] },
      { username: 'disp', roles: ['dispatcher'] },
      { username: 'clerk', roles: ['service_clerk'] },
    ],
    config: { mobile_session_idle_seconds: 300 },
    beforeStart: (cli) => {
      for (const args of [['cases', 'import', '--from', gen.dir], ['registry', 'import', gen.dir], ['force', 'import', gen.dir]]) {
        const r = cli(args, { timeout: 600000 });
        assert.equal(r.code, 0, r.stderr + r.stdout);
      }
      for (let i = 0; i < 2; i++) {
        const r = cli(['grassroots', 'import', '--from', gen.dir, '--shift-to-now'], { timeout: 600000 });
        assert.equal(r.code, 0, r.stderr + r.stdout);
        imports.push(importReport(r.stdout, 'grassroots_'));
      }
    },
  });
  [cmd, patrol, inspector, analyst, dispatcher, clerk] = await Promise.all(['cmd', 'patrol', 'insp', 'analyst', 'disp', 'clerk'].map((u) => s.login(u)));
});
after(async () => {
  await s?.stop();
  fs.rmSync(gen.dir, { recursive: true, force: true });
  if (evalDir) fs.rmSync(evalDir, { recursive: true, force: true });
});

const api = (token, method, p, body, headers) => s.req(method, p, { token, body, headers });

test('jingwu grassroots eval: every planted alert and repeat found, nothing else (precision and recall 1.00)', () => {
  assert.equal(evalRun.code, 0, evalRun.stdout + evalRun.stderr);
  for (const rule of ['over_storage', 'licence_expired', 'licence_expiring', 'rectification_overdue', 'inspection_overdue', 'repeat_dispute']) {
    const m = evalRun.stdout.match(new RegExp(`^${rule}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+([\\d.]+)\\s+([\\d.]+)`, 'm'));
    assert.ok(m, `${rule} scored:\n${evalRun.stdout}`);
    const planted = rule === 'repeat_dispute' ? Object.keys(truth.repeats).length : truth.alerts[rule].length;
    assert.ok(planted > 0, `${rule} has planted cases`);
    assert.deepEqual([Number(m[1]), Number(m[2]), Number(m[3])], [planted, planted, planted], rule);
  }
});

test('the import refuses each planted bad row with its reason; a second import adds nothing', () => {
  const [first, second] = imports;
  for (const [file, want] of Object.entries(truth.rejects)) assert.deepEqual(first[file].rejected, want, file);
  assert.equal(first['grassroots_sites.csv'].accepted, first['grassroots_sites.csv'].rows);
  for (const [file, r] of Object.entries(second)) {
    assert.equal(r.accepted, 0, `${file} second import accepted ${r.accepted}`);
    assert.equal(r.already + Object.values(r.rejected).reduce((a, b) => a + b, 0), r.rows, file);
  }
});

test('alerts as of today are the planted ones, by kind; the dashboard adds up per district', async () => {
  const a = await api(cmd, 'GET', '/api/v1/grassroots/supervision/alerts');
  assert.equal(a.status, 200, a.text);
  for (const kind of ['over_storage', 'licence_expired', 'licence_expiring', 'inspection_overdue', 'rectification_overdue'])
    assert.equal(a.json.by_kind[kind], truth.alerts[kind].length, kind);
  assert.equal(a.json.items[0].severity, 'critical');
  assert.equal(a.json.items[0].kind, 'over_storage');
  const over = new Set(a.json.items.filter((x) => x.kind === 'over_storage').map((x) => x.licence_no));
  assert.deepEqual([...over].sort(), [...truth.alerts.over_storage].sort());
  const d = await api(cmd, 'GET', '/api/v1/grassroots/supervision/dashboard');
  assert.equal(d.status, 200);
  assert.deepEqual(d.json.districts.map((x) => x.district_code), ['460105', '460106', '460107', '460108']);
  const sites = await api(cmd, 'GET', '/api/v1/grassroots/supervision/sites');
  assert.equal(d.json.totals.sites_total, sites.json.total);
  assert.equal(d.json.districts.reduce((n, x) => n + x.sites_total, 0), sites.json.total);
  assert.equal(d.json.totals.due, truth.alerts.inspection_overdue.length);
  // Sites link to the registry's organisations (holder named) instead of copying them.
  assert.ok(sites.json.items.some((x) => x.credit_code && x.holder_name), 'a linked holder');
});

test('supervision bad input: unknown and expired licences, over the limit, before opening, incomplete checklists', async () => {
  const sites = (await api(cmd, 'GET', '/api/v1/grassroots/supervision/sites?kind=fireworks_wholesale')).json.items;
  const site = sites.find((x) => x.licences.every((l) => !l.expired));
  const lic = site.licences[0];
  const before = (await api(cmd, 'GET', `/api/v1/grassroots/supervision/sites/${site.code}`)).json;
  const mv = (b) => api(cmd, 'POST', `/api/v1/grassroots/supervision/sites/${site.code}/movements`, b);
  expectError(await mv({ licence_no: '琼公烟字99999', delta: 1 }), 404, 'unknown_licence');
  expectError(await mv({ licence_no: lic.licence_no, delta: lic.limit - lic.stock + 1 }), 409, 'over_licence_limit');
  expectError(await mv({ licence_no: lic.licence_no, delta: -(lic.stock + 1) }), 422, 'insufficient_stock');
  expectError(await mv({ licence_no: lic.licence_no, delta: 1, at: '2000-01-01T10:00:00+08:00' }), 422, 'invalid_time');
  expectError(await mv({ licence_no: lic.licence_no, delta: 1, at: 'yesterday' }), 422, 'invalid_time');
  expectError(await mv({ licence_no: lic.licence_no, delta: 0 }), 422, 'invalid_value');
  // Exactly to the limit is allowed.
  const ok = await mv({ licence_no: lic.licence_no, delta: lic.limit - lic.stock, note: '补货' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.stock_after, lic.limit);
  // An expired licence takes no delivery.
  const expired = (await api(cmd, 'GET', '/api/v1/grassroots/supervision/sites')).json.items
    .flatMap((x) => x.licences.map((l) => ({ ...l, site: x.code }))).find((l) => l.expired);
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/supervision/sites/${expired.site}/movements`,
    { licence_no: expired.licence_no, delta: 1 }), 409, 'licence_expired');
  // Inspections: the whole checklist, a deadline for every hazard, not before the site opened.
  const check = (await api(cmd, 'GET', '/api/v1/grassroots/supervision/checklists')).json.kinds[site.kind].items;
  const insp = (b) => api(cmd, 'POST', '/api/v1/grassroots/supervision/inspections', { site_code: site.code, ...b });
  expectError(await insp({ checklist: check.slice(1).map((item) => ({ item, ok: true })) }), 422, 'checklist_incomplete');
  expectError(await insp({ checklist: [...check.map((item) => ({ item, ok: true })), { item: 'range_safety', ok: true }] }), 422, 'unknown_item');
  expectError(await insp({ checklist: check.map((item, i) => ({ item, ok: i > 0 })) }), 422, 'deadline_required');
  expectError(await insp({ at: '2001-01-01T10:00:00+08:00', checklist: check.map((item) => ({ item, ok: true })) }), 422, 'invalid_time');
  expectError(await api(cmd, 'POST', '/api/v1/grassroots/supervision/inspections', '{"site_code":'), 400, 'malformed_json');
  const after = (await api(cmd, 'GET', `/api/v1/grassroots/supervision/sites/${site.code}`)).json;
  assert.equal(after.inspections.length, before.inspections.length, 'no refused inspection stored');
  assert.equal(after.movements.length, before.movements.length + 1, 'only the accepted movement stored');
  // A hazard found, re-inspected not fixed (new deadline), then fixed.
  const tomorrow = new Date(Date.now() + 3 * 86400e3).toISOString().slice(0, 10);
  const made = await insp({ checklist: check.map((item, i) => ({ item, ok: i > 0, level: 'major', deadline: tomorrow, note: '灭火器过期' })),
    counts: { [lic.licence_no]: lic.limit + 5 } });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.json.hazards.length, 1);
  const hz = made.json.hazards[0];
  const alerts = (await api(cmd, 'GET', '/api/v1/grassroots/supervision/alerts')).json.items;
  assert.ok(alerts.some((x) => x.kind === 'over_storage' && x.licence_no === lic.licence_no), 'counted above the limit alerts');
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/supervision/hazards/${hz.id}/reinspect`, { ok: false }), 422, 'deadline_required');
  const re1 = await api(cmd, 'POST', `/api/v1/grassroots/supervision/hazards/${hz.id}/reinspect`, { ok: true, note: '已更换' });
  assert.equal(re1.status, 200, re1.text);
  assert.equal(re1.json.status, 'rectified');
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/supervision/hazards/${hz.id}/reinspect`, { ok: true }), 409, 'hazard_closed');
  // Reading is not writing.
  expectError(await api(analyst, 'GET', '/api/v1/grassroots/supervision/sites'), 403, 'permission_denied');
});

test('disputes: a party is required, incidents must be disputes, repeats flagged, escalation needs a real case', async () => {
  const stations = (await api(cmd, 'GET', '/api/v1/grassroots/stations')).json.items;
  const shishan = stations.find((x) => x.name === '石山派出所');
  assert.equal(shishan.model, 'national');
  assert.deepEqual(stations.filter((x) => x.model === 'provincial').map((x) => x.name).sort(),
    ['中山派出所', '云龙派出所', '海甸派出所', '红岛派出所'].sort());
  const st = stations.find((x) => x.name === '海甸派出所');
  const body = { station_code: st.code, source: 'walk_in', kind: 'neighbour', risk: 'medium', address: '美兰区海甸岛某小区',
    summary: '噪音纠纷', parties: [{ name: '王五', id_number: '460108199001011234', role: 'applicant' }] };
  const idOk = '46010819900307202X';
  expectError(await api(cmd, 'POST', '/api/v1/grassroots/disputes', { ...body, parties: [] }), 422, 'party_required');
  expectError(await api(cmd, 'POST', '/api/v1/grassroots/disputes', { ...body, parties: [{ name: '王五', id_number: '460108199013011234' }] }), 422, 'invalid_id_number');
  expectError(await api(cmd, 'POST', '/api/v1/grassroots/disputes', { ...body, station_code: '999999999999', parties: [{ name: '王五' }] }), 404, 'unknown_station');
  expectError(await api(cmd, 'POST', '/api/v1/grassroots/disputes', { ...body, kind: 'war', parties: [{ name: '王五' }] }), 422, 'invalid_kind');
  // From an incident: only a dispute incident.
  const inc = await api(dispatcher, 'POST', '/api/v1/dispatch/incidents', { lat: 20.05, lon: 110.33, address: '美兰区海甸二西路',
    district_code: '460108', category: 'traffic', narrative: '追尾', priority: 3 });
  assert.equal(inc.status, 201, inc.text);
  expectError(await api(cmd, 'POST', '/api/v1/grassroots/disputes', { ...body, source: 'incident', incident_id: inc.json.id, parties: [{ name: '王五' }] }), 422, 'not_a_dispute');
  expectError(await api(cmd, 'POST', '/api/v1/grassroots/disputes', { ...body, source: 'incident', incident_id: 99999, parties: [{ name: '王五' }] }), 404, 'unknown_incident');
  const total0 = (await api(cmd, 'GET', '/api/v1/grassroots/disputes?status=all')).json.total;
  // The same person twice within six months: the second is a repeat, flagged.
  const first = await api(cmd, 'POST', '/api/v1/grassroots/disputes', { ...body, parties: [{ name: '赵六', id_number: idOk, role: 'applicant' }] });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.repeat_of, null);
  const second = await api(cmd, 'POST', '/api/v1/grassroots/disputes', { ...body, kind: 'family', address: '龙华区某街道', parties: [{ name: '赵六', id_number: idOk }] });
  assert.equal(second.json.repeat_of, first.json.id);
  assert.equal(second.json.repeat_reason, 'same_party');
  assert.equal(second.json.flagged, true);
  const flagged = (await api(cmd, 'GET', '/api/v1/grassroots/disputes?flag=repeat&page_size=500')).json.items.map((x) => x.id);
  assert.ok(flagged.includes(second.json.id));
  assert.equal((await api(cmd, 'GET', '/api/v1/grassroots/disputes?status=all')).json.total, total0 + 2);
  // The list names nobody; the dispute's page needs a purpose and is audited.
  const list = (await api(cmd, 'GET', '/api/v1/grassroots/disputes?page_size=5')).json.items[0];
  assert.equal(list.parties, undefined);
  expectError(await api(cmd, 'GET', `/api/v1/grassroots/disputes/${second.json.id}`), 400, 'purpose_required');
  const since = await lastAuditId(s, inspector);
  const one = await api(cmd, 'GET', `/api/v1/grassroots/disputes/${second.json.id}`, undefined, purpose);
  assert.equal(one.status, 200);
  assert.equal(one.json.parties[0].id_number, idOk);
  assert.equal(one.json.repeats[0].id, first.json.id);
  const audited = await auditSince(s, inspector, since, { action: 'grassroots.dispute.read' });
  assert.equal(audited.length, 1);
  assert.equal(audited[0].purpose, '矛盾纠纷化解');
  // Mediation: an agreement needs its terms; then resolved; a follow-up done once.
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/disputes/${first.json.id}/mediations`, { mediator: '李警官', outcome: 'agreement' }), 422, 'agreement_required');
  const med = await api(cmd, 'POST', `/api/v1/grassroots/disputes/${first.json.id}/mediations`, { mediator: '李警官', outcome: 'agreement', agreement: '赔偿500元' });
  assert.equal(med.json.status, 'resolved');
  const fu = await api(cmd, 'POST', `/api/v1/grassroots/disputes/${first.json.id}/followups`, { due_on: '2026-01-01' });
  const fid = fu.json.followups[0].id;
  const done = await api(cmd, 'POST', `/api/v1/grassroots/disputes/followups/${fid}/done`, { result: 'recurring', note: '又吵了' });
  assert.equal(done.json.status, 'mediating', 'a recurring dispute is back in mediation');
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/disputes/followups/${fid}/done`, { result: 'stable' }), 409, 'followup_done');
  // Escalation: only to a recorded case; then it takes no more work.
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/disputes/${second.json.id}/escalate`, { case_no: 'A0000' }), 404, 'unknown_case');
  const caseNo = truth.escalated.case_no;
  const esc = await api(cmd, 'POST', `/api/v1/grassroots/disputes/${second.json.id}/escalate`, { case_no: caseNo });
  assert.equal(esc.json.status, 'escalated');
  assert.equal(esc.json.flagged, false);
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/disputes/${second.json.id}/mediations`, { mediator: 'x', outcome: 'failed' }), 409, 'dispute_closed');
  // The station's figures follow the records.
  const after = (await api(cmd, 'GET', '/api/v1/grassroots/stations')).json.items.find((x) => x.code === st.code);
  assert.equal(after.disputes, st.disputes + 2);
  assert.equal(after.escalated, st.escalated + 1);
  assert.equal(after.repeats, st.repeats + 1);
});

test('tips: photos checked like uploads, nothing half-written; triage; reporters seen only by the handler and inspectors', async () => {
  const reg = await s.req('POST', '/api/v1/citizen/register', { body: { phone: '13900139123', password: 'citizen-pass-1', id_number: '460105198512030027', name: '林小红' } });
  assert.equal(reg.status, 201, reg.text);
  const citizen = (await s.req('POST', '/api/v1/citizen/login', { body: { phone: '13900139123', password: 'citizen-pass-1' } })).json.token;
  const tip = (b) => api(citizen, 'POST', '/api/v1/citizen/tips', b);
  const base = { category: 'hazard', text: '路边电箱门敞开', lat: 20.06, lon: 110.33 };
  const before = (await api(cmd, 'GET', '/api/v1/grassroots/tips?status=all')).json.total;
  expectError(await tip({ ...base, lat: undefined, lon: undefined }), 422, 'location_required');
  expectError(await tip({ ...base, lat: 39.9, lon: 116.4 }), 422, 'invalid_location');
  expectError(await tip({ ...base, lat: undefined, lon: undefined, address: '火星基地某某路999号' }), 422, 'location_required');
  expectError(await tip({ ...base, category: 'ufo' }), 422, 'invalid_category');
  expectError(await tip({ ...base, photos: [{ content_type: 'image/gif', data: PNG.toString('base64') }] }), 422, 'upload_type_not_allowed');
  expectError(await tip({ ...base, photos: [{ content_type: 'image/jpeg', data: PNG.toString('base64') }] }), 422, 'upload_content_mismatch');
  expectError(await tip({ ...base, photos: Array(4).fill({ content_type: 'image/png', data: PNG.toString('base64') }) }), 422, 'too_many_photos');
  const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]);
  expectError(await tip({ ...base, photos: [{ content_type: 'image/png', data: PNG.toString('base64') }, { content_type: 'image/png', data: big.toString('base64') }] }), 413, 'upload_too_large');
  expectError(await api(undefined, 'POST', '/api/v1/citizen/tips', base), 401, 'unauthenticated');
  assert.equal((await api(cmd, 'GET', '/api/v1/grassroots/tips?status=all')).json.total, before, 'no refused tip stored');
  const made = await tip({ ...base, photos: [{ content_type: 'image/png', data: PNG.toString('base64') }] });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.json.district_code, '460108');
  assert.equal(made.json.reporter.kind, 'citizen');
  // Staff see the tip and its photo, not who sent it.
  const queue = (await api(cmd, 'GET', '/api/v1/grassroots/tips')).json.items;
  const mine = queue.find((x) => x.id === made.json.id);
  assert.equal(JSON.stringify(mine).includes('13900139123'), false);
  const photo = await api(cmd, 'GET', `/api/v1/grassroots/tips/${made.json.id}/photos/0`);
  assert.equal(photo.status, 200);
  assert.equal(photo.headers['content-type'], 'image/png');
  expectError(await api(cmd, 'GET', `/api/v1/grassroots/tips/${made.json.id}/reporter`, undefined, purpose), 403, 'not_handler');
  // Triage into an incident, with feedback the reporter reads.
  const tr = await api(cmd, 'POST', `/api/v1/grassroots/tips/${made.json.id}/triage`, { action: 'incident', category: 'public_order', feedback: '已派警处理，谢谢' });
  assert.equal(tr.status, 200, tr.text);
  assert.equal(tr.json.target.type, 'incident');
  const inc = await api(dispatcher, 'GET', `/api/v1/dispatch/incidents/${tr.json.target.id}`);
  assert.equal(inc.status, 200);
  assert.ok(inc.json.narrative.includes('路边电箱门敞开'));
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/tips/${made.json.id}/triage`, { action: 'no_action', feedback: 'x' }), 409, 'tip_triaged');
  const seen = (await api(citizen, 'GET', '/api/v1/citizen/tips')).json.items.find((x) => x.id === made.json.id);
  assert.equal(seen.feedback, '已派警处理，谢谢');
  assert.equal(seen.status, 'triaged');
  // Now the handler may see the reporter, with a purpose, audited; so may an inspector; not another officer.
  const since = await lastAuditId(s, inspector);
  const who = await api(cmd, 'GET', `/api/v1/grassroots/tips/${made.json.id}/reporter`, undefined, purpose);
  assert.equal(who.status, 200, who.text);
  assert.equal(who.json.phone, '13900139123');
  assert.equal((await api(inspector, 'GET', `/api/v1/grassroots/tips/${made.json.id}/reporter`, undefined, purpose)).status, 200);
  expectError(await api(patrol, 'GET', `/api/v1/grassroots/tips/${made.json.id}/reporter`, undefined, purpose), 403, 'not_handler');
  const audited = await auditSince(s, inspector, since, { action: 'grassroots.tip.reporter' });
  assert.equal(audited.filter((e) => e.outcome === 'ok').length, 2);
  // A partner member's tip counts for the partner.
  const partners = (await api(cmd, 'GET', '/api/v1/grassroots/partners')).json.items;
  const p = partners.find((x) => x.kind === 'sanitation_team');
  const added = await api(cmd, 'POST', `/api/v1/grassroots/partners/${p.id}/members`, { name: '林小红', phone: '13900139123' });
  assert.equal(added.status, 201, added.text);
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/partners/${p.id}/members`, { name: '林小红', phone: '13900139123' }), 409, 'member_exists');
  expectError(await api(cmd, 'POST', `/api/v1/grassroots/partners/${p.id}/members`, { name: '某', phone: '123' }), 422, 'invalid_phone');
  const t2 = await tip({ category: 'suspicious_vehicle', text: '无牌面包车', lat: 20.03, lon: 110.33 });
  assert.equal(t2.json.reporter.kind, 'partner');
  assert.equal(t2.json.reporter.partner_id, p.id);
  const fig = (await api(cmd, 'GET', '/api/v1/grassroots/partners/figures')).json.by_partner.find((x) => x.partner_id === p.id);
  assert.equal(fig.tips, p.tips + 1);
});

test('mobile: the officer and car of the account, its own assignments only, phone sessions end sooner', async () => {
  const me = await api(patrol, 'GET', '/api/v1/mobile/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.officer.unit_name, '海甸派出所');
  assert.ok(me.json.officer.call_sign, 'the officer crews a car');
  expectError(await api(cmd, 'GET', '/api/v1/mobile/me'), 403, 'permission_denied');
  // The car in dispatch, an incident assigned to it and one to another car.
  const unit = await api(dispatcher, 'POST', '/api/v1/dispatch/units', { call_sign: me.json.officer.call_sign, type: 'patrol_car', station: '海甸派出所', lat: 20.05, lon: 110.33 });
  assert.equal(unit.status, 201, unit.text);
  const other = await api(dispatcher, 'POST', '/api/v1/dispatch/units', { call_sign: '琼A-TEST9', type: 'patrol_car', station: '海甸派出所', lat: 20.05, lon: 110.33 });
  const incident = async () => (await api(dispatcher, 'POST', '/api/v1/dispatch/incidents', { lat: 20.051, lon: 110.331, address: '美兰区海甸五西路',
    district_code: '460108', category: 'dispute', narrative: '邻里纠纷', priority: 2 })).json.id;
  const [mine, theirs] = [await incident(), await incident()];
  assert.equal((await api(dispatcher, 'POST', `/api/v1/dispatch/incidents/${mine}/assignments`, { unit_id: unit.json.id })).status, 200);
  assert.equal((await api(dispatcher, 'POST', `/api/v1/dispatch/incidents/${theirs}/assignments`, { unit_id: other.json.id })).status, 200);
  const list = await api(patrol, 'GET', '/api/v1/mobile/assignments');
  assert.deepEqual(list.json.items.map((x) => x.incident_id), [mine]);
  assert.ok(list.json.items[0].nav_geo.startsWith('geo:20.051'));
  const ack = await api(patrol, 'POST', `/api/v1/mobile/assignments/${mine}/state`, { state: 'acknowledged' });
  assert.equal(ack.status, 200, ack.text);
  assert.equal(ack.json.state, 'acknowledged');
  expectError(await api(patrol, 'POST', `/api/v1/mobile/assignments/${theirs}/state`, { state: 'acknowledged' }), 403, 'not_your_assignment');
  expectError(await api(patrol, 'POST', `/api/v1/mobile/assignments/${mine}/state`, { state: 'reserved' }), 422, 'invalid_state');
  // A phone session (device mobile) idles out after mobile_session_idle_seconds (300 here); a desktop one does not.
  expectError(await s.req('POST', '/api/v1/auth/login', { body: { username: 'patrol', password: 'correct-horse-battery', device: 'tablet' } }), 422, 'invalid_device');
  const phone = (await s.req('POST', '/api/v1/auth/login', { body: { username: 'cmd', password: 'correct-horse-battery', device: 'mobile' } })).json.token;
  const desk = (await s.req('POST', '/api/v1/auth/login', { body: { username: 'cmd', password: 'correct-horse-battery' } })).json.token;
  await s.advance(400);
  expectError(await api(phone, 'GET', '/api/v1/auth/me'), 401, 'session_expired');
  assert.equal((await api(desk, 'GET', '/api/v1/auth/me')).status, 200);
});

test('mobile sync: each op stored exactly once; a task closed by another officer is a conflict, not overwritten', async () => {
  [patrol, clerk] = await Promise.all(['patrol', 'clerk'].map((u) => s.login(u)));  // the clock moved: fresh sessions
  const gen1 = await api(patrol, 'POST', '/api/v1/registry/tasks/generate', { community: '' });
  assert.ok([200, 201].includes(gen1.status), gen1.text);
  // The list names the people to check: a purpose, and every read audited.
  expectError(await api(patrol, 'GET', '/api/v1/mobile/tasks'), 400, 'purpose_required');
  const sinceTasks = await lastAuditId(s, inspector);
  const tasks = (await api(patrol, 'GET', '/api/v1/mobile/tasks', undefined, purpose)).json;
  const taskReads = await auditSince(s, inspector, sinceTasks, { action: 'grassroots.mobile.tasks' });
  assert.equal(taskReads.length, 1);
  assert.equal(taskReads[0].actor, 'patrol');
  assert.equal(taskReads[0].purpose, '矛盾纠纷化解');
  const open = tasks.registry_tasks.filter((t) => t.kind === 'stale_record' || t.kind === 'new_rental');
  assert.ok(open.length >= 2, 'open verification tasks in the district');
  const [t1, t2] = open;
  const result = (t) => (t.kind === 'new_rental' ? 'confirmed' : 'confirmed');
  const ops = [
    { op_id: 'note-0001-aaaa', kind: 'note', at: new Date(Date.now() - 60e3).toISOString(), text: '巡逻至海甸五西路，无异常', lat: 20.05, lon: 110.33 },
    { op_id: 'verify-0001-aaaa', kind: 'verify_task', task_id: t1.id, result: result(t1), note: '已上门核实' },
  ];
  const r1 = await api(patrol, 'POST', '/api/v1/mobile/sync', { ops });
  assert.equal(r1.status, 200, r1.text);
  assert.deepEqual(r1.json.results.map((x) => x.status), ['stored', 'stored']);
  // Sent again (the answer was lost on a weak connection): nothing new.
  const r2 = await api(patrol, 'POST', '/api/v1/mobile/sync', { ops });
  assert.deepEqual(r2.json.results.map((x) => x.status), ['duplicate', 'duplicate']);
  const notes = (await api(patrol, 'GET', '/api/v1/mobile/notes')).json.items.filter((n) => n.op_id === 'note-0001-aaaa');
  assert.equal(notes.length, 1);
  // Another officer closes t2 first; the phone's offline verification is a conflict showing who did.
  const desk = await api(clerk, 'POST', `/api/v1/registry/tasks/${t2.id}/verify`, { result: result(t2), note: '社区民警已核实' });
  assert.equal(desk.status, 200, desk.text);
  const r3 = await api(patrol, 'POST', '/api/v1/mobile/sync', { ops: [{ op_id: 'verify-0002-bbbb', kind: 'verify_task', task_id: t2.id, result: 'not_found', note: '无人' }] });
  assert.equal(r3.json.results[0].status, 'conflict');
  assert.equal(r3.json.results[0].error.code, 'task_closed');
  assert.equal(r3.json.results[0].current.verified_by, 'clerk');
  assert.equal(r3.json.results[0].current.result, result(t2), 'not overwritten');
  // An inspection done on the phone's checklist, sent twice: one inspection.
  const site = (await api(patrol, 'GET', '/api/v1/grassroots/supervision/sites?district=460108')).json.items[0];
  const items = (await api(patrol, 'GET', '/api/v1/grassroots/supervision/checklists')).json.kinds[site.kind].items;
  const inspect = { op_id: 'inspect-0001-eeee', kind: 'inspect', site_code: site.code, checklist: items.map((item) => ({ item, ok: true })), note: '手机检查' };
  const before = (await api(patrol, 'GET', `/api/v1/grassroots/supervision/inspections?site=${site.code}`)).json.total;
  assert.equal((await api(patrol, 'POST', '/api/v1/mobile/sync', { ops: [inspect] })).json.results[0].status, 'stored');
  assert.equal((await api(patrol, 'POST', '/api/v1/mobile/sync', { ops: [inspect] })).json.results[0].status, 'duplicate');
  assert.equal((await api(patrol, 'GET', `/api/v1/grassroots/supervision/inspections?site=${site.code}`)).json.total, before + 1);
  // Bad ops are answered one by one, never dropped.
  const r4 = await api(patrol, 'POST', '/api/v1/mobile/sync', { ops: [{ op_id: 'x', kind: 'note', text: 'a' }, { op_id: 'note-0003-cccc', kind: 'teleport' }, { op_id: 'note-0004-dddd', kind: 'note', text: '' }] });
  assert.deepEqual(r4.json.results.map((x) => [x.status, x.error?.code]), [['error', 'invalid_op_id'], ['error', 'invalid_kind'], ['error', 'missing_field']]);
  expectError(await api(patrol, 'POST', '/api/v1/mobile/sync', { ops: Array(201).fill({}) }), 422, 'too_many_ops');
});
