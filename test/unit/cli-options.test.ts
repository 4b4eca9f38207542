/** The option table: complete (79 options of DCMTK 3.6.7's movescu --help), unique, and each naming its DCMTK comparison. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { OPTIONS, OUR_OPTIONS, findOption, optionTableMarkdown } from '../../lib/cli/options';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

test('79 options, names unique, each findable by short and long name', () => {
  assert.equal(OPTIONS.length, 79);
  const names = OPTIONS.flatMap((o) => (o.short === null ? [o.long] : [o.short, o.long]));
  assert.equal(new Set(names).size, names.length);
  for (const o of OPTIONS) {
    assert.equal(findOption(o.long), o);
    if (o.short !== null) assert.equal(findOption(o.short), o);
  }
});

test('every option, DCMTK\'s and ours, names at least one test that compares it with DCMTK', () => {
  const without = [...OPTIONS, ...OUR_OPTIONS].filter((o) => o.tests.length === 0).map((o) => o.long);
  assert.deepEqual(without, []);
});

test('each test an option names exists and passes that option to a movescu', () => {
  const root = join(__dirname, '..', '..', '..', 'test');
  for (const o of [...OPTIONS, ...OUR_OPTIONS]) {
    for (const t of o.tests) {
      const text = readFileSync(join(root, t), 'utf8');
      const names = [o.long, ...(o.short === null ? [] : [o.short])];
      assert.ok(names.some((n) => text.includes(`'${n}'`) || text.includes(`"${n}"`) || text.includes(` ${n} `)), `${t} does not use ${o.long}`);
    }
  }
});

test('value specs carry DCMTK\'s ranges', () => {
  assert.deepEqual(findOption('-pdu')?.values, [{ name: 'number of bytes', type: 'integer', signed: false, min: 4096, max: 131072 }]);
  assert.deepEqual(findOption('+P')?.values, [{ name: 'number', type: 'integer', signed: false, min: 1, max: 65535 }]);
  assert.deepEqual(findOption('-to')?.values, [{ name: 'seconds', type: 'integer', signed: true, min: 1 }]);
  assert.equal(findOption('+p')?.values.length, 2);
  assert.deepEqual(findOption('+cl')?.values, [{ name: 'level', type: 'integer', signed: false, min: 0, max: 9 }]);
});

test('markdown table: one row per option plus headings, the column naming the tests', () => {
  const md = optionTableMarkdown();
  const rows = md.trimEnd().split('\n');
  // DCMTK's 79, then ours.
  assert.equal(rows.filter((r) => /^\| (`[^`]+`)? \| `--/.test(r)).length, 79 + OUR_OPTIONS.length);
  assert.ok(rows.includes('| **dimse-stream options output to a stream (-od - standard output)** | | | | | |'));
  assert.ok(rows.includes('|  | `--output-format` | [f]ormat: part10, tar, multipart, json | format written to -od - (default: part10); json also with a directory (NAME.json) | `part10` | `peers/stream-outputs.test.ts` |'));
  assert.ok(rows.includes('| `-pdu` | `--max-pdu` | [n]umber of bytes: integer (4096..131072) | set max receive pdu to n bytes (default: 16384) | `16384` | `peers/retrieve-dcmqrscp.test.ts` `peers/cli-errors.test.ts` |'));
  assert.ok(rows.includes('| `-lc` | `--log-config` | [f]ilename: string | use config file f for the logger |  | `peers/log-config.test.ts` |'));
  assert.ok(rows.includes('| **network options override matching keys** | | | | | |'));
});
