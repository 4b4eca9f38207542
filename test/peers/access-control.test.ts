/**
 * +ac against DCMTK 3.6.7's movescu (built with libwrap on Debian): the same hosts.allow / hosts.deny, the same
 * archive (dcmqrscp), compared by exit code, log lines (-v) and files. DCMTK reads /etc/hosts.allow and
 * /etc/hosts.deny only, so it runs in a private mount namespace (`unshare -rm`) where the test's files are
 * bind-mounted over them; ours reads them under $DIMSE_HOSTS_ACCESS_ROOT.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest, peersRequired } from '../helpers/peer-gate';
import { byAssociation, runMovescu, runProcess } from '../helpers/peers';
import { cleanupsAfter } from '../helpers/cleanups';
import { serveStudy, type ServedStudy } from '../helpers/served-study';

const NEEDS = ['dcmqridx', 'dcmqrscp', 'movescu', 'unshare', 'mount'];

let setup: Promise<ServedStudy> | undefined;
const cleanups = cleanupsAfter();

function archive(): Promise<ServedStudy> {
  setup ??= serveStudy('access-control', { patientId: 'AC1', series: [{ sopClass: 'ct', count: 2, rows: 16, cols: 16, transferSyntax: 'explicit' }] }, cleanups);
  return setup;
}

/** Whether this machine lets us bind-mount over /etc/hosts.* in a user namespace. */
function canUnshare(): boolean {
  return spawnSync('unshare', ['-rm', 'sh', '-c', 'mount --bind /dev/null /etc/hosts.allow']).status === 0;
}

let runs = 0;
async function both(s: ServedStudy, allow: string, deny: string, extra: string[] = []) {
  const n = ++runs;
  const root = join(s.tmp.path, `root-${n}`);
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'hosts.allow'), allow);
  writeFileSync(join(root, 'etc', 'hosts.deny'), deny);
  const out = { dcmtk: join(s.tmp.path, `dcmtk-${n}`), ours: join(s.tmp.path, `ours-${n}`) };
  mkdirSync(out.dcmtk);
  mkdirSync(out.ours);
  const args = (dir: string) => ['-v', '+ac', ...extra, '-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(s.storePort),
    '-od', dir, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.study.studyUid}`, '127.0.0.1', String(s.qr.port)];
  const script = 'mount --bind "$1" /etc/hosts.allow && mount --bind "$2" /etc/hosts.deny && shift 2 && exec movescu "$@"';
  const dcmtk = await runProcess('unshare', ['-rm', 'sh', '-c', script, 'sh', join(root, 'etc', 'hosts.allow'),
    join(root, 'etc', 'hosts.deny'), ...args(out.dcmtk)], { env: { ...process.env, TCP_NODELAY: '1' } });
  const ours = await runMovescu('ours', args(out.ours), { env: { DIMSE_HOSTS_ACCESS_ROOT: root } });
  const norm = (t: string, dir: string): string[] => t.replaceAll(dir, 'OUT').split('\n');
  return {
    dcmtk, ours, files: { dcmtk: readdirSync(out.dcmtk).sort(), ours: readdirSync(out.ours).sort() },
    lines: { dcmtk: norm(dcmtk.stderr, out.dcmtk), ours: norm(ours.stderr, out.ours) },
  };
}

/** The main association's lines and the sub-associations' apart (they interleave by timing; see log-lines.test.ts). */
/** The sub-association's lines, with the TCP wrapper's refusal of one. */
const SUB_LINE = /^(I: (Sub-Association|Received Store Request)|E: 0006:0324 TCP wrapper)/;

const CASES: { name: string; allow: string; deny: string; extra?: string[]; denied: boolean }[] = [
  { name: 'deny movescu: ALL', allow: '', deny: 'movescu: ALL\n', denied: true },
  { name: 'allow 127.0.0.1, deny ALL: ALL', allow: 'movescu: 127.0.0.1\n', deny: 'ALL: ALL\n', denied: false },
  { name: 'deny ALL EXCEPT 127.', allow: '', deny: 'movescu: ALL EXCEPT 127.\n', denied: false },
  { name: 'deny 127.0.0.0/255.0.0.0 (net/mask)', allow: '', deny: 'movescu: 127.0.0.0/255.0.0.0\n', denied: true },
  { name: 'deny LOCAL: the looked-up name "localhost" has no dot', allow: '', deny: 'movescu: LOCAL\n', denied: true },
  { name: 'deny UNKNOWN with -dhl: no name looked up', allow: '', deny: 'movescu: UNKNOWN\n', extra: ['-dhl'], denied: true },
  { name: 'deny UNKNOWN without -dhl: the name is known', allow: '', deny: 'movescu: UNKNOWN\n', denied: false },
  { name: 'other daemon only', allow: '', deny: 'storescp: ALL\n', denied: false },
];

for (const c of CASES) {
  peerTest(`+ac ${c.name}: exit code, log lines and files as DCMTK's movescu`, NEEDS, async (t) => {
    if (!canUnshare()) {
      if (peersRequired()) assert.fail('DIMSE_REQUIRE_PEERS=1 but unshare -rm cannot bind-mount over /etc/hosts.allow');
      t.skip('unshare -rm cannot bind-mount over /etc/hosts.allow here');
      return;
    }
    const s = await archive();
    const r = await both(s, c.allow, c.deny, c.extra);
    assert.equal(r.ours.code, r.dcmtk.code, `${r.dcmtk.stderr}\n---\n${r.ours.stderr}`);
    assert.deepEqual(byAssociation(r.lines.ours, SUB_LINE), byAssociation(r.lines.dcmtk, SUB_LINE));
    assert.deepEqual(r.files.ours, r.files.dcmtk);
    const refused = r.lines.dcmtk.filter((l) => l.includes('TCP wrapper: denied connection'));
    assert.equal(refused.length > 0, c.denied, r.dcmtk.stderr);
    assert.equal(r.files.dcmtk.length, c.denied ? 0 : 2);
  });
}
