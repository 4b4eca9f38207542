#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * Retrieve a study and pseudonymise it on the way to disk: the patient's name is replaced, the patient ID becomes
 * a short keyed SHA-256 pseudonym (the same ID always gives the same pseudonym under the same key, so studies of
 * one patient stay together), and a few other identifying attributes are removed. Pixel data streams through
 * untouched.
 *
 *   node dist/examples/anonymise.js --study UID --out DIR [--host 127.0.0.1] [--port 104] [--aec ANY-SCP]
 *     [--aet MOVESCU] [--listen 11113] [--key SECRET]
 *
 * Not a full de-identification (PS3.15 annex E): UIDs, dates and private elements are kept, and identifying text
 * burnt into the pixels is not looked at. Without --key the pseudonym is a plain hash, which anyone who can guess
 * the IDs can reverse: use a secret key.
 */
import { createHmac } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { directorySink, rewriteAttributes, tapObjects } from '../lib/index';
import { archiveOutcome, connection, CONNECTION_USAGE, exampleArgs, retrieveStudy, runExample } from './cli';

const USAGE = `usage: anonymise --study UID --out DIR ${CONNECTION_USAGE} [--key SECRET]`;

/** 16 hex digits of HMAC-SHA256: short enough for PatientID (LO, 64 characters) and AccessionNumber (SH, 16). */
function pseudonym(key: string, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex').slice(0, 16).toUpperCase();
}

async function main(): Promise<number> {
  const a = exampleArgs(USAGE, ['out', 'key'], ['out'], { key: '' });
  connection(a);
  const key = a.key as string;
  // A function gets the old value as text (undefined when absent) and returns the new one; null removes the element.
  const hide = (v: string | undefined): string | undefined => (v === undefined || v === '' ? v : pseudonym(key, v));

  await mkdir(a.out as string, { recursive: true });
  const retrieval = await retrieveStudy(a);
  let stored = 0;
  await pipeline(
    retrieval,
    rewriteAttributes({
      PatientName: 'ANONYMOUS',
      PatientID: hide,
      AccessionNumber: hide,
      PatientBirthDate: null,
      PatientBirthTime: null,
      PatientSex: null,
      PatientAddress: null,
      PatientTelephoneNumbers: null,
      OtherPatientIDs: null,
      OtherPatientNames: null,
      OtherPatientIDsSequence: null,
      InstitutionName: null,
      InstitutionAddress: null,
      ReferringPhysicianName: null,
    }),
    // Count what the sink really kept: an object it could not write is rejected, and the archive hears so.
    tapObjects((o) => void o.settled.then((s) => { if (s.stored) stored++; })),
    directorySink({ directory: a.out as string }),
  );
  const archive = await archiveOutcome(retrieval);
  console.log(`anonymised ${stored} objects into ${a.out}; ${archive.text}`);
  return archive.code;
}

runExample('anonymise', main);
