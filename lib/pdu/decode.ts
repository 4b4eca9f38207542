/**
 * PS3.8 9.3 decoders: bytes of one PDU to a `Pdu`. Every length is checked against its container; items and
 * sub-items of unknown type are skipped (PS3.8 9.3.1); errors are DimseErrors naming the PDU type and the
 * byte offset (in the stream, when the caller says where the PDU started).
 */
import { DimseError } from '../errors';
import { ItemType, PDU_HEADER_LENGTH, pduTypeName } from './constants';
import type {
  AssociateAc,
  AssociateRj,
  AssociateRq,
  CommonExtendedNegotiation,
  Pdu,
  PData,
  Pdv,
  PresentationContextAc,
  PresentationContextRq,
  UserInformation,
} from './types';
import type { ErrorCode } from '../error-codes';

/** Where the bytes being decoded sit: the PDU type for messages, and the stream offset of `buf[0]`. */
interface Ctx {
  pduType: number;
  base: number;
}

function fail(ctx: Ctx, code: ErrorCode, at: number, message: string): never {
  const offset = ctx.base + at;
  throw new DimseError(code, `${pduTypeName(ctx.pduType)}: ${message} (at byte ${offset})`, { pduType: ctx.pduType, offset });
}

/** Trailing NULs pad odd-length UIDs on some implementations; trailing spaces too (PS3.8 leaves them non-significant). */
function readUid(buf: Buffer, start: number, end: number): string {
  let e = end;
  while (e > start && (buf[e - 1] === 0x00 || buf[e - 1] === 0x20)) e--;
  let s = start;
  while (s < e && buf[s] === 0x20) s++;
  return buf.toString('latin1', s, e);
}

/** AE titles: leading and trailing spaces are not significant (PS3.8 9.3.2). */
function readAeTitle(buf: Buffer, start: number): string {
  return buf.toString('latin1', start, start + 16).replace(/\0+$/, '').trim();
}

/** Calls `each(type, valueStart, valueEnd)` for every item with a 2-byte length between start and end. */
function forEachItem(ctx: Ctx, buf: Buffer, start: number, end: number, what: string, each: (type: number, vs: number, ve: number) => void): void {
  let off = start;
  while (off < end) {
    if (end - off < 4) fail(ctx, 'PDU_BAD_ITEM', off, `${end - off} stray bytes where a ${what} item header (4 bytes) was expected`);
    const type = buf[off];
    const len = buf.readUInt16BE(off + 2);
    const vs = off + 4;
    if (vs + len > end) {
      fail(ctx, 'PDU_BAD_ITEM', off, `${what} item 0x${type.toString(16)} length ${len} exceeds its container (${end - vs} bytes left)`);
    }
    each(type, vs, vs + len);
    off = vs + len;
  }
}

/** Reads a 2-byte length then that many bytes, inside [at, end). Returns the value's end. */
function lengthPrefixed(ctx: Ctx, buf: Buffer, at: number, end: number, what: string): { start: number; end: number } {
  if (at + 2 > end) fail(ctx, 'PDU_BAD_ITEM', at, `${what}: length field runs past its item`);
  const len = buf.readUInt16BE(at);
  if (at + 2 + len > end) fail(ctx, 'PDU_BAD_ITEM', at, `${what}: length ${len} exceeds its item (${end - at - 2} bytes left)`);
  return { start: at + 2, end: at + 2 + len };
}

export function emptyUserInformation(): UserInformation {
  return { maxPduLength: 0, implementationClassUid: '', roleSelections: [], extendedNegotiations: [], commonExtendedNegotiations: [] };
}

function decodeUserInformation(ctx: Ctx, buf: Buffer, start: number, end: number): UserInformation {
  const ui = emptyUserInformation();
  forEachItem(ctx, buf, start, end, 'user information sub-', (type, vs, ve) => {
    const len = ve - vs;
    switch (type) {
      case ItemType.MaxLength:
        if (len !== 4) fail(ctx, 'PDU_BAD_ITEM', vs - 4, `maximum length sub-item has length ${len}, expected 4`);
        ui.maxPduLength = buf.readUInt32BE(vs);
        break;
      case ItemType.ImplementationClassUid:
        ui.implementationClassUid = readUid(buf, vs, ve);
        break;
      case ItemType.ImplementationVersionName:
        ui.implementationVersionName = buf.toString('latin1', vs, ve).replace(/[\0 ]+$/, '');
        break;
      case ItemType.AsyncOpsWindow:
        if (len !== 4) fail(ctx, 'PDU_BAD_ITEM', vs - 4, `asynchronous operations window sub-item has length ${len}, expected 4`);
        ui.asyncOps = { invoked: buf.readUInt16BE(vs), performed: buf.readUInt16BE(vs + 2) };
        break;
      case ItemType.RoleSelection: {
        const uid = lengthPrefixed(ctx, buf, vs, ve, 'SCP/SCU role selection UID');
        if (uid.end + 2 !== ve) fail(ctx, 'PDU_BAD_ITEM', uid.end, `SCP/SCU role selection sub-item: ${ve - uid.end} bytes after the UID, expected 2`);
        ui.roleSelections.push({ sopClassUid: readUid(buf, uid.start, uid.end), scuRole: buf[uid.end] === 1, scpRole: buf[uid.end + 1] === 1 });
        break;
      }
      case ItemType.SopClassExtendedNegotiation: {
        const uid = lengthPrefixed(ctx, buf, vs, ve, 'SOP class extended negotiation UID');
        // A copy: this small value outlives the PDU's buffer, which may be a large socket chunk.
        ui.extendedNegotiations.push({ sopClassUid: readUid(buf, uid.start, uid.end), info: Buffer.from(buf.subarray(uid.end, ve)) });
        break;
      }
      case ItemType.SopClassCommonExtendedNegotiation:
        ui.commonExtendedNegotiations.push(decodeCommonExtended(ctx, buf, vs, ve));
        break;
      case ItemType.UserIdentityRq: {
        if (len < 2) fail(ctx, 'PDU_BAD_ITEM', vs - 4, `user identity sub-item has length ${len}, expected at least 6`);
        const primary = lengthPrefixed(ctx, buf, vs + 2, ve, 'user identity primary field');
        const secondary = lengthPrefixed(ctx, buf, primary.end, ve, 'user identity secondary field');
        if (secondary.end !== ve) fail(ctx, 'PDU_BAD_ITEM', secondary.end, `user identity sub-item: ${ve - secondary.end} stray bytes`);
        ui.userIdentityRq = {
          identityType: buf[vs],
          positiveResponseRequested: buf[vs + 1] === 1,
          primaryField: Buffer.from(buf.subarray(primary.start, primary.end)),
          secondaryField: Buffer.from(buf.subarray(secondary.start, secondary.end)),
        };
        break;
      }
      case ItemType.UserIdentityAc: {
        const resp = lengthPrefixed(ctx, buf, vs, ve, 'user identity server response');
        if (resp.end !== ve) fail(ctx, 'PDU_BAD_ITEM', resp.end, `user identity response sub-item: ${ve - resp.end} stray bytes`);
        ui.userIdentityAc = Buffer.from(buf.subarray(resp.start, resp.end));
        break;
      }
      default:
        break; // PS3.8 9.3.1: unrecognised sub-items are ignored.
    }
  });
  return ui;
}

function decodeCommonExtended(ctx: Ctx, buf: Buffer, vs: number, ve: number): CommonExtendedNegotiation {
  const sop = lengthPrefixed(ctx, buf, vs, ve, 'common extended negotiation SOP class UID');
  const svc = lengthPrefixed(ctx, buf, sop.end, ve, 'common extended negotiation service class UID');
  const rel = lengthPrefixed(ctx, buf, svc.end, ve, 'related general SOP class identification');
  const related: string[] = [];
  let at = rel.start;
  while (at < rel.end) {
    const uid = lengthPrefixed(ctx, buf, at, rel.end, 'related general SOP class UID');
    related.push(readUid(buf, uid.start, uid.end));
    at = uid.end;
  }
  return { sopClassUid: readUid(buf, sop.start, sop.end), serviceClassUid: readUid(buf, svc.start, svc.end), relatedGeneralSopClassUids: related };
}

function decodePresentationContextRq(ctx: Ctx, buf: Buffer, vs: number, ve: number): PresentationContextRq {
  if (ve - vs < 4) fail(ctx, 'PDU_BAD_ITEM', vs - 4, `presentation context item has length ${ve - vs}, expected at least 4`);
  const id = buf[vs];
  let abstractSyntax: string | undefined;
  const transferSyntaxes: string[] = [];
  forEachItem(ctx, buf, vs + 4, ve, 'presentation context sub-', (type, s, e) => {
    if (type === ItemType.AbstractSyntax) abstractSyntax = readUid(buf, s, e);
    else if (type === ItemType.TransferSyntax) transferSyntaxes.push(readUid(buf, s, e));
  });
  if (abstractSyntax === undefined) fail(ctx, 'PDU_BAD_ITEM', vs - 4, `presentation context ${id} has no abstract syntax sub-item`);
  if (transferSyntaxes.length === 0) fail(ctx, 'PDU_BAD_ITEM', vs - 4, `presentation context ${id} has no transfer syntax sub-item`);
  return { id, abstractSyntax, transferSyntaxes };
}

function decodePresentationContextAc(ctx: Ctx, buf: Buffer, vs: number, ve: number): PresentationContextAc {
  if (ve - vs < 4) fail(ctx, 'PDU_BAD_ITEM', vs - 4, `presentation context item has length ${ve - vs}, expected at least 4`);
  const pc: PresentationContextAc = { id: buf[vs], result: buf[vs + 2], transferSyntax: '' };
  forEachItem(ctx, buf, vs + 4, ve, 'presentation context sub-', (type, s, e) => {
    if (type === ItemType.TransferSyntax) pc.transferSyntax = readUid(buf, s, e);
  });
  return pc;
}

const FIXED_ASSOCIATE_LENGTH = 68; // protocol version, reserved, two AE titles, 32 reserved bytes

function decodeAssociate(ctx: Ctx, buf: Buffer, start: number, end: number): AssociateRq | AssociateAc {
  const isRq = ctx.pduType === 0x01;
  if (end - start < FIXED_ASSOCIATE_LENGTH) {
    fail(ctx, 'PDU_BAD_LENGTH', start - 4, `length ${end - start} is shorter than the fixed fields (${FIXED_ASSOCIATE_LENGTH} bytes)`);
  }
  const protocolVersion = buf.readUInt16BE(start);
  const calledAeTitle = readAeTitle(buf, start + 4);
  const callingAeTitle = readAeTitle(buf, start + 20);
  let applicationContext = '';
  let userInfo: UserInformation | undefined;
  const rqContexts: PresentationContextRq[] = [];
  const acContexts: PresentationContextAc[] = [];
  forEachItem(ctx, buf, start + FIXED_ASSOCIATE_LENGTH, end, 'variable', (type, vs, ve) => {
    switch (type) {
      case ItemType.ApplicationContext:
        applicationContext = readUid(buf, vs, ve);
        break;
      case ItemType.PresentationContextRq:
        if (isRq) rqContexts.push(decodePresentationContextRq(ctx, buf, vs, ve));
        break;
      case ItemType.PresentationContextAc:
        if (!isRq) acContexts.push(decodePresentationContextAc(ctx, buf, vs, ve));
        break;
      case ItemType.UserInformation:
        userInfo = decodeUserInformation(ctx, buf, vs, ve);
        break;
      default:
        break; // PS3.8 9.3.1: unrecognised items are ignored.
    }
  });
  const base = { protocolVersion, calledAeTitle, callingAeTitle, applicationContext, userInfo: userInfo ?? emptyUserInformation() };
  return isRq
    ? { type: 'A-ASSOCIATE-RQ', ...base, presentationContexts: rqContexts }
    : { type: 'A-ASSOCIATE-AC', ...base, presentationContexts: acContexts };
}

function decodePData(ctx: Ctx, buf: Buffer, start: number, end: number): PData {
  const pdvs: Pdv[] = [];
  let off = start;
  while (off < end) {
    if (end - off < 6) fail(ctx, 'PDU_BAD_ITEM', off, `${end - off} stray bytes where a PDV item header (6 bytes) was expected`);
    const len = buf.readUInt32BE(off);
    if (len < 2) fail(ctx, 'PDU_BAD_ITEM', off, `PDV item length ${len} is below 2`);
    if (len > end - off - 4) fail(ctx, 'PDU_BAD_ITEM', off, `PDV item length ${len} exceeds the PDU (${end - off - 4} bytes left)`);
    const mch = buf[off + 5];
    // subarray: the value stays a view of the received bytes (no copy on the fast path).
    pdvs.push({ contextId: buf[off + 4], isCommand: (mch & 0x01) !== 0, isLast: (mch & 0x02) !== 0, data: buf.subarray(off + 6, off + 4 + len) });
    off += 4 + len;
  }
  if (pdvs.length === 0) fail(ctx, 'PDU_BAD_ITEM', start, 'no presentation data value item');
  return { type: 'P-DATA-TF', pdvs };
}

function expectLength(ctx: Ctx, start: number, end: number, n: number): void {
  if (end - start !== n) fail(ctx, 'PDU_BAD_LENGTH', start - 4, `length ${end - start}, expected ${n}`);
}

/**
 * Decodes the body of a PDU (the bytes after the 6-byte header).
 * @param streamOffset where the PDU's first header byte sits in the stream, for error offsets.
 */
export function decodePduBody(type: number, body: Buffer, streamOffset = 0): Pdu {
  const ctx: Ctx = { pduType: type, base: streamOffset + PDU_HEADER_LENGTH };
  const end = body.length;
  switch (type) {
    case 0x01:
    case 0x02:
      return decodeAssociate(ctx, body, 0, end);
    case 0x03: {
      expectLength(ctx, 0, end, 4);
      const rj: AssociateRj = { type: 'A-ASSOCIATE-RJ', result: body[1], source: body[2], reason: body[3] };
      return rj;
    }
    case 0x04:
      return decodePData(ctx, body, 0, end);
    case 0x05:
      expectLength(ctx, 0, end, 4);
      return { type: 'A-RELEASE-RQ' };
    case 0x06:
      expectLength(ctx, 0, end, 4);
      return { type: 'A-RELEASE-RP' };
    case 0x07:
      expectLength(ctx, 0, end, 4);
      return { type: 'A-ABORT', source: body[2], reason: body[3] };
    default:
      throw new DimseError('PDU_UNKNOWN_TYPE', `${pduTypeName(type)} (at byte ${streamOffset})`, { pduType: type, offset: streamOffset });
  }
}

/** Decodes one whole PDU (header included); the buffer must hold exactly that PDU. */
export function decodePdu(pdu: Buffer, streamOffset = 0): Pdu {
  if (pdu.length < PDU_HEADER_LENGTH) {
    throw new DimseError('PDU_TRUNCATED', `PDU header truncated: ${pdu.length} of 6 bytes (at byte ${streamOffset})`, { offset: streamOffset });
  }
  const type = pdu[0];
  const len = pdu.readUInt32BE(2);
  if (len !== pdu.length - PDU_HEADER_LENGTH) {
    const code = len > pdu.length - PDU_HEADER_LENGTH ? 'PDU_TRUNCATED' : 'PDU_BAD_LENGTH';
    throw new DimseError(code, `${pduTypeName(type)}: length field ${len} but ${pdu.length - PDU_HEADER_LENGTH} bytes follow the header (at byte ${streamOffset + 2})`, {
      pduType: type,
      offset: streamOffset + 2,
    });
  }
  return decodePduBody(type, pdu.subarray(PDU_HEADER_LENGTH), streamOffset);
}
