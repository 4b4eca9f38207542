/** DCMTK's log lines: "X: message" on stderr, every line of a message prefixed. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createConsoleLogger, formatLogMessage } from '../../lib/cli/logger';

test('one prefix letter per level, each line prefixed', () => {
  assert.equal(formatLogMessage('info', 'Requesting Association'), 'I: Requesting Association\n');
  assert.equal(formatLogMessage('fatal', 'Association Request Failed:\n0006:031c TCP Initialization Error'),
    'F: Association Request Failed:\nF: 0006:031c TCP Initialization Error\n');
  assert.equal(formatLogMessage('debug', 'x\n'), 'D: x\nD: \n');
  assert.equal(formatLogMessage('trace', 't') + formatLogMessage('warn', 'w') + formatLogMessage('error', 'e'),
    'T: t\nW: w\nE: e\n');
});

test('thresholds', () => {
  const out: string[] = [];
  const log = createConsoleLogger('warn', (s) => out.push(s));
  log.info('no');
  log.debug('no');
  log.warn('w');
  log.error('e');
  log.fatal('f');
  assert.deepEqual(out, ['W: w\n', 'E: e\n', 'F: f\n']);
  assert.equal(log.enabled('info'), false);
  assert.equal(log.enabled('warn'), true);
  const off: string[] = [];
  const silent = createConsoleLogger('off', (s) => off.push(s));
  silent.fatal('x');
  assert.deepEqual(off, []);
  assert.equal(createConsoleLogger('trace', () => {}).enabled('trace'), true);
});
