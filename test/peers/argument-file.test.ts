/**
 * `@FILE` argument files against DCMTK 3.6.7's movescu: the expansion (quotes, no comments, no nesting, empty
 * arguments) seen through --arguments and the messages that follow, and a whole retrieval from dcmqrscp driven by
 * an argument file, files compared.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { compareDirs, formatDirDiff, runMovescu, tempDir } from '../helpers/peers';
import { cleanupsAfter } from '../helpers/cleanups';
import { serveStudy } from '../helpers/served-study';

const cleanups = cleanupsAfter();

peerTest('@file expansion: --arguments and the following message as DCMTK\'s (quotes, #, nested @, empty values)', ['movescu'], async () => {
  const tmp = tempDir('argfile');
  cleanups.push(() => tmp.cleanup());
  const file = (name: string, text: string): string => { const f = join(tmp.path, name); writeFileSync(f, text); return f; };
  const inner = file('inner', '-aet INNER\n');
  const contents = [
    `--arguments -aet 'my title' "x"""\n-k\t0010,0020=A  localhost 104\n`,
    `--arguments # a comment?\nlocalhost 104 -k PatientName=X\n`,
    `--arguments @${inner} localhost 104 -k PatientName=X\n`,
    `--arguments -k "PatientName=Doe^John" -k 'StudyDescription=it"s' localhost\r\n104\r\n`,
    `--arguments -aec "multi\nline" '' localhost 104 -k PatientName=X`,
    `--arguments -k "unclosed localhost 104`,
    '',
  ];
  for (const [i, text] of contents.entries()) {
    const f = file(`args-${i}`, text);
    // -pdu 1: every run ends before a connection, with DCMTK's message after the --arguments line
    for (const argv of [[`@${f}`, '-pdu', '1'], ['-q', `@${f}`, '-pdu', '1']]) {
      const [dcmtk, ours] = [await runMovescu('dcmtk', argv), await runMovescu('ours', argv)];
      const body = (t: string): string => t.split('\n').filter((l) => !/^\$(dcmtk|dimse-stream): movescu/.test(l)).join('\n');
      assert.equal(ours.code, dcmtk.code, `${JSON.stringify(text)}: ${ours.stderr}`);
      assert.equal(body(ours.stderr), body(dcmtk.stderr), JSON.stringify(text));
      if (dcmtk.code !== 0) assert.equal(ours.stdout, dcmtk.stdout);
    }
  }
});

peerTest('@file: a retrieval from dcmqrscp driven by an argument file gives DCMTK\'s files and log', ['dcmqridx', 'dcmqrscp', 'movescu'], async () => {
  const { tmp, qr, storePort, study } = await serveStudy('argfile-retrieve',
    { patientId: 'AF1', series: [{ sopClass: 'ct', count: 2, rows: 16, cols: 16, transferSyntax: 'explicit' }] }, cleanups);
  const run = async (which: 'dcmtk' | 'ours') => {
    const out = join(tmp.path, which);
    mkdirSync(out);
    const f = join(tmp.path, `${which}.args`);
    writeFileSync(f, `# options\n-S -aec ARCHIVE\t-aem "MOVESCU"\n+P ${storePort} -od '${out}'\n`
      + `-k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=${study.studyUid}"\n127.0.0.1 ${qr.port}\n`);
    return { r: await runMovescu(which, ['-v', `@${f}`]), out };
  };
  const dcmtk = await run('dcmtk');
  const ours = await run('ours');
  // no comments: "#" is the peer and "options" the port, for DCMTK as for us
  assert.equal(dcmtk.r.code, 1, dcmtk.r.stderr);
  assert.match(dcmtk.r.stderr, /error: Invalid parameter value options/);
  assert.equal(ours.r.code, dcmtk.r.code);
  assert.equal(ours.r.stderr.split('\n').slice(1).join('\n'), dcmtk.r.stderr.split('\n').slice(1).join('\n'));
  // without the comment line, the retrieval runs
  const again = async (which: 'dcmtk' | 'ours') => {
    const out = join(tmp.path, `${which}-2`);
    mkdirSync(out);
    const f = join(tmp.path, `${which}-2.args`);
    writeFileSync(f, `-S -aec ARCHIVE\t-aem "MOVESCU"\n+P ${storePort} -od '${out}'\n`
      + `-k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=${study.studyUid}"\n127.0.0.1 ${qr.port}\n`);
    return { r: await runMovescu(which, [`@${f}`]), out };
  };
  const a = await again('dcmtk');
  const b = await again('ours');
  assert.equal(a.r.code, 0, a.r.stderr);
  assert.equal(b.r.code, 0, b.r.stderr);
  assert.equal(b.r.stderr, a.r.stderr);
  const d = await compareDirs(a.out, b.out);
  assert.ok(d.identical, formatDirDiff(d));
  assert.equal(d.compared, 2);
});
