/**
 * +ac: our hosts_access(5) evaluation against libwrap's own (the library DCMTK's movescu calls), case by case: a
 * small C program compiled here calls hosts_access() with the same tables and the request DCMTK builds (daemon
 * movescu, client name, client address, user "unknown"). Needs a C compiler and libwrap0-dev; skips visibly
 * otherwise (fails under DIMSE_REQUIRE_PEERS=1).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { checkTables, evaluate, HostAccessError, parseTable, readHostTables, type HostTables } from '../../lib/services/host-access';

const ORACLE = String.raw`#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <tcpd.h>
int allow_severity = LOG_INFO, deny_severity = LOG_WARNING;
int main(void) {
  char line[8192];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *f[5]; int n = 0; char *save;
    for (char *t = strtok_r(line, "\t", &save); t && n < 5; t = strtok_r(NULL, "\t", &save)) f[n++] = t;
    if (n < 5) { puts("?"); continue; }
    hosts_allow_table = f[0]; hosts_deny_table = f[1];
    struct request_info req;
    request_init(&req, RQ_CLIENT_NAME, f[3], 0);
    request_set(&req, RQ_CLIENT_ADDR, f[4], 0);
    request_set(&req, RQ_USER, STRING_UNKNOWN, 0);
    request_set(&req, RQ_DAEMON, f[2], 0);
    printf("%d\n", hosts_access(&req));
    fflush(stdout);
  }
  return 0;
}
`;

const CLIENTS = [
  'ALL', 'LOCAL', 'KNOWN', 'UNKNOWN', 'PARANOID', '.example.org', '.EXAMPLE.org', 'example.org', '192.168.', '192.168.1.',
  '10.', '127.0.0.1', '127.0.0.', '192.168.0.0/255.255.0.0', '192.168.1.0/24', '192.168.1.0/255.255.255.0', '10.0.0.0/8',
  '192.168.1.20/255.255.255.255', '192.168.1.20/32', '192.168.1.0/33', '192.168.1/24', '0.0.0.0/0', '0.0.0.0/0.0.0.0', '127.0.0.1/255.255.255.255', '[::1]', '[2001:db8::]/32',
  '[2001:db8:1::]/48', '*.example.org', '192.168.?.*', 'host?', '*', 'localhost', 'LOCALHOST', 'pacs.example.org',
  'ALL EXCEPT 127.0.0.1', 'ALL EXCEPT .example.org EXCEPT pacs.example.org', '192.168. EXCEPT 192.168.1.20',
  '10.,127.0.0.1', '10. , localhost', 'unknown@ALL', 'ALL@ALL', 'foo@ALL', 'unknown@127.0.0.1', 'KNOWN EXCEPT LOCAL',
  '192.168.1.0/255.255.255.0 EXCEPT 192.168.1.20/32', 'EXCEPT ALL', '2001:db8::5', '::1', 'FILE', 'NESTED',
];
const DAEMONS = ['movescu', 'MOVESCU', 'ALL', 'ALL EXCEPT movescu', 'storescp', 'movescu@ALL', 'movescu@unknown',
  'movescu@KNOWN', 'mov*', 'storescp,movescu', 'ALL EXCEPT storescp'];
const REQUESTS: [string, string][] = [
  ['unknown', '127.0.0.1'], ['localhost', '127.0.0.1'], ['host1', '10.1.2.3'], ['pacs.example.org', '192.168.1.20'],
  ['PACS.Example.ORG', '192.168.2.1'], ['unknown', 'unknown'], ['ws.example.org', 'unknown'], ['localhost', '::1'],
  ['unknown', '2001:db8::5'], ['paranoid', '10.9.9.9'], ['a.b', '192.168.1.200'],
];

peerTest('hosts_access(5) rules: our verdict is libwrap\'s for every pattern, daemon list, option and request', ['cc', '/usr/include/tcpd.h'], () => {
  const dir = mkdtempSync(join(tmpdir(), 'host-access-'));
  writeFileSync(join(dir, 'oracle.c'), ORACLE);
  execFileSync('cc', ['-o', join(dir, 'oracle'), join(dir, 'oracle.c'), '-lwrap']);
  const patternFile = join(dir, 'patterns');
  writeFileSync(patternFile, '10.\n  .example.org localhost\n');
  // A pattern file naming another. Not one naming itself: libwrap recurses until fopen fails, or, where the limit
  // of open files is high, until its stack overflows (the oracle crashed here); ours takes that pattern as no match.
  const nestedFile = join(dir, 'nested');
  writeFileSync(nestedFile, `192.168.1. ${patternFile}\n`);
  const files: Record<string, string> = { FILE: patternFile, NESTED: nestedFile };
  const tables: { allow: string; deny: string }[] = [];
  const table = (allow: string, deny: string): void => { tables.push({ allow, deny }); };
  for (const c of CLIENTS) {
    const client = files[c] ?? c;
    table(`movescu: ${client}\n`, 'ALL: ALL\n');
    table('', `movescu : ${client}\n`);
  }
  for (const d of DAEMONS) table(`${d}: 127.0.0.1, .example.org\n`, 'ALL: ALL\n');
  table('movescu: ALL: deny\n', '');
  table('', 'movescu: 10. : allow\nALL: ALL\n');
  table('movescu: 10.\\\n  127.0.0.1\n', 'ALL: ALL\n'); // continued line
  table('# movescu: ALL\n\nmovescu 127.0.0.1\nmovescu: 10.\n', 'ALL: ALL\n'); // comment, blank, no ':'
  table('movescu: ALL', 'ALL: ALL'); // no final newline: an error, "no match" in allow, a match in deny
  table('movescu: 10.', ''); table('', '# c'); table('', 'movescu: 10.\nfoo');
  table('movescu: 10.\nmovescu: ALL EXCEPT 10.\n', 'ALL: ALL\n');

  const lines: string[] = [];
  const ours: boolean[] = [];
  tables.forEach((t, i) => {
    const allow = join(dir, `allow-${i}`);
    const deny = join(dir, `deny-${i}`);
    writeFileSync(allow, t.allow);
    writeFileSync(deny, t.deny);
    const ht: HostTables = {
      allow: { path: allow, text: t.allow }, deny: { path: deny, text: t.deny }, readPatternFile: (p) => readFileSync(p, 'latin1'),
    };
    for (const [name, addr] of REQUESTS) {
      lines.push([allow, deny, 'movescu', name, addr].join('\t'));
      ours.push(evaluate({ daemon: 'movescu', clientName: name, clientAddr: addr }, ht).allowed);
    }
  });
  const theirs = execFileSync(join(dir, 'oracle'), { input: lines.join('\n') + '\n' }).toString().trim().split('\n').map((v) => v === '1');
  assert.equal(theirs.length, ours.length);
  const diffs = lines.map((l, i) => ({ l, ours: ours[i], theirs: theirs[i] })).filter((d) => d.ours !== d.theirs)
    .map((d) => `${JSON.stringify(readFileSync(d.l.split('\t')[0]!, 'utf8'))} / ${JSON.stringify(readFileSync(d.l.split('\t')[1]!, 'utf8'))} ${d.l.split('\t').slice(3).join(' ')}: ours ${d.ours}, libwrap ${d.theirs}`);
  assert.deepEqual(diffs, []);
  assert.ok(ours.filter((x) => x).length > 100 && ours.filter((x) => !x).length > 100); // both verdicts exercised
});

test('refused: NIS netgroups and options other than allow/deny, with the file and line', () => {
  const t = (allow: string): HostTables => ({ allow: { path: '/r/etc/hosts.allow', text: allow }, deny: null });
  assert.match(checkTables(t('# x\nmovescu: @trusted\n'))?.message ?? '', /^\/r\/etc\/hosts\.allow:2: NIS netgroup pattern @trusted/);
  assert.match(checkTables(t('movescu: ALL: spawn (echo %h)\n'))?.message ?? '', /:1: option "spawn" is not supported/);
  assert.equal(checkTables(t('movescu: 10. EXCEPT 10.1.: allow\n')), null);
  assert.throws(() => evaluate({ daemon: 'movescu', clientName: 'unknown', clientAddr: '1.2.3.4' }, t('movescu: ALL: twist /bin/false\n')), HostAccessError);
  assert.deepEqual(parseTable('a: b\\\n c : deny\n').map((r) => [r.daemons, r.clients.trim(), r.options?.trim(), r.line]), [['a', 'b c', 'deny', 1]]);
});

test('readHostTables reads every /file pattern, and the files those name, before a connection is judged', async () => {
  const root = mkdtempSync(join(tmpdir(), 'host-access-root-'));
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc', 'hosts.allow'), 'movescu: /etc/outer, unknown@/etc/self\n');
  writeFileSync(join(root, 'etc', 'hosts.deny'), 'ALL: ALL\n');
  writeFileSync(join(root, 'etc', 'outer'), '/etc/inner /etc/missing\n');
  writeFileSync(join(root, 'etc', 'inner'), '10.\n');
  writeFileSync(join(root, 'etc', 'self'), '/etc/self 127.0.0.1\n');
  const tables = await readHostTables(root);
  // Judging reads nothing: the verdicts hold with the pattern files gone.
  for (const f of ['outer', 'inner', 'self']) rmSync(join(root, 'etc', f));
  const allowed = (addr: string): boolean => evaluate({ daemon: 'movescu', clientName: 'unknown', clientAddr: addr }, tables).allowed;
  assert.equal(allowed('10.1.2.3'), true, 'named by a file that /etc/outer names');
  assert.equal(allowed('127.0.0.1'), true, 'named by a file that names itself');
  assert.equal(allowed('192.168.1.1'), false);
  assert.equal(tables.readPatternFile?.('/etc/missing'), null);
  rmSync(root, { recursive: true });
});
