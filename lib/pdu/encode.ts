/**
 * PS3.8 9.3 encoders: a `Pdu` to the one Buffer that goes to the socket in one write.
 * AE titles are space-padded to 16 bytes; UIDs are written as given (PS3.8 9.3.2.2: no padding).
 */
import { DimseError } from '../errors';
import { ItemType, PDU_HEADER_LENGTH } from './constants';
import type { AssociateAc, AssociateRq, Pdu, PData, PresentationContextAc, PresentationContextRq, UserInformation } from './types';

const ITEM_LIMIT = 0xffff;

function bad(pduType: number, message: string): never {
  throw new DimseError('PDU_BAD_VALUE', message, { pduType });
}

function ascii(pduType: number, s: string, what: string): Buffer {
  // latin1 keeps one byte per character; anything outside printable ASCII is a caller's mistake.
  if (!/^[\x20-\x7e]*$/.test(s)) bad(pduType, `${what} ${JSON.stringify(s)} has characters outside printable ASCII`);
  return Buffer.from(s, 'latin1');
}

/** An item: type, reserved byte, 2-byte length, value. */
function item(pduType: number, type: number, value: Buffer, reserved = 0): Buffer {
  if (value.length > ITEM_LIMIT) bad(pduType, `item 0x${type.toString(16)} value of ${value.length} bytes exceeds 65535`);
  const head = Buffer.alloc(4);
  head[0] = type;
  head[1] = reserved;
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** A value preceded by its 2-byte length (used inside Annex D sub-items). */
function prefixed(value: Buffer): Buffer {
  return Buffer.concat([u16(value.length), value]);
}

function encodeUserInformation(t: number, ui: UserInformation): Buffer {
  const parts: Buffer[] = [];
  const max = Buffer.alloc(4);
  max.writeUInt32BE(ui.maxPduLength >>> 0);
  parts.push(item(t, ItemType.MaxLength, max));
  if (ui.implementationClassUid) parts.push(item(t, ItemType.ImplementationClassUid, ascii(t, ui.implementationClassUid, 'implementation class UID')));
  if (ui.asyncOps) parts.push(item(t, ItemType.AsyncOpsWindow, Buffer.concat([u16(ui.asyncOps.invoked), u16(ui.asyncOps.performed)])));
  for (const r of ui.roleSelections) {
    parts.push(item(t, ItemType.RoleSelection, Buffer.concat([prefixed(ascii(t, r.sopClassUid, 'role selection UID')), Buffer.from([r.scuRole ? 1 : 0, r.scpRole ? 1 : 0])])));
  }
  if (ui.implementationVersionName !== undefined) {
    parts.push(item(t, ItemType.ImplementationVersionName, ascii(t, ui.implementationVersionName, 'implementation version name')));
  }
  for (const e of ui.extendedNegotiations) {
    parts.push(item(t, ItemType.SopClassExtendedNegotiation, Buffer.concat([prefixed(ascii(t, e.sopClassUid, 'extended negotiation UID')), e.info])));
  }
  for (const c of ui.commonExtendedNegotiations) {
    const related = Buffer.concat(c.relatedGeneralSopClassUids.map((u) => prefixed(ascii(t, u, 'related general SOP class UID'))));
    parts.push(
      item(
        t,
        ItemType.SopClassCommonExtendedNegotiation,
        Buffer.concat([prefixed(ascii(t, c.sopClassUid, 'SOP class UID')), prefixed(ascii(t, c.serviceClassUid, 'service class UID')), prefixed(related)]),
      ),
    );
  }
  if (ui.userIdentityRq) {
    const u = ui.userIdentityRq;
    parts.push(
      item(t, ItemType.UserIdentityRq, Buffer.concat([Buffer.from([u.identityType, u.positiveResponseRequested ? 1 : 0]), prefixed(u.primaryField), prefixed(u.secondaryField)])),
    );
  }
  if (ui.userIdentityAc) parts.push(item(t, ItemType.UserIdentityAc, prefixed(ui.userIdentityAc)));
  return item(t, ItemType.UserInformation, Buffer.concat(parts));
}

function encodePcRq(t: number, pc: PresentationContextRq): Buffer {
  const subs = [item(t, ItemType.AbstractSyntax, ascii(t, pc.abstractSyntax, 'abstract syntax'))];
  for (const ts of pc.transferSyntaxes) subs.push(item(t, ItemType.TransferSyntax, ascii(t, ts, 'transfer syntax')));
  return item(t, ItemType.PresentationContextRq, Buffer.concat([Buffer.from([pc.id, 0, 0, 0]), ...subs]));
}

function encodePcAc(t: number, pc: PresentationContextAc): Buffer {
  const ts = item(t, ItemType.TransferSyntax, ascii(t, pc.transferSyntax, 'transfer syntax'));
  return item(t, ItemType.PresentationContextAc, Buffer.concat([Buffer.from([pc.id, 0, pc.result, 0]), ts]));
}

function aeTitle(t: number, s: string, what: string): Buffer {
  const trimmed = s.trim();
  if (trimmed.length === 0 || trimmed.length > 16) bad(t, `${what} ${JSON.stringify(s)} must have 1 to 16 characters`);
  if (trimmed.includes('\\')) bad(t, `${what} ${JSON.stringify(s)} contains a backslash`);
  return ascii(t, trimmed.padEnd(16, ' '), what);
}

function header(type: number, length: number): Buffer {
  const h = Buffer.alloc(PDU_HEADER_LENGTH);
  h[0] = type;
  h.writeUInt32BE(length, 2);
  return h;
}

function encodeAssociate(pdu: AssociateRq | AssociateAc): Buffer {
  const t = pdu.type === 'A-ASSOCIATE-RQ' ? 0x01 : 0x02;
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(pdu.protocolVersion);
  aeTitle(t, pdu.calledAeTitle, 'called AE title').copy(fixed, 4);
  aeTitle(t, pdu.callingAeTitle, 'calling AE title').copy(fixed, 20);
  const items: Buffer[] = [item(t, ItemType.ApplicationContext, ascii(t, pdu.applicationContext, 'application context name'))];
  if (pdu.type === 'A-ASSOCIATE-RQ') for (const pc of pdu.presentationContexts) items.push(encodePcRq(t, pc));
  else for (const pc of pdu.presentationContexts) items.push(encodePcAc(t, pc));
  items.push(encodeUserInformation(t, pdu.userInfo));
  const body = Buffer.concat([fixed, ...items]);
  return Buffer.concat([header(t, body.length), body]);
}

/** One allocation for the whole PDU; each PDV value is copied once, into it. */
function encodePData(pdu: PData): Buffer {
  let length = 0;
  for (const v of pdu.pdvs) length += 6 + v.data.length;
  if (length > 0xffffffff) bad(0x04, `P-DATA-TF of ${length} bytes exceeds the 32-bit length field`);
  const out = Buffer.allocUnsafe(PDU_HEADER_LENGTH + length);
  out[0] = 0x04;
  out[1] = 0;
  out.writeUInt32BE(length, 2);
  let off = PDU_HEADER_LENGTH;
  for (const v of pdu.pdvs) {
    if (!(v.contextId >= 1 && v.contextId <= 255)) bad(0x04, `PDV presentation context id ${v.contextId} is not in 1..255`);
    out.writeUInt32BE(v.data.length + 2, off);
    out[off + 4] = v.contextId;
    out[off + 5] = (v.isCommand ? 0x01 : 0) | (v.isLast ? 0x02 : 0);
    v.data.copy(out, off + 6);
    off += 6 + v.data.length;
  }
  return out;
}

function fixed4(type: number, b2: number, b3: number, b4: number): Buffer {
  return Buffer.from([type, 0, 0, 0, 0, 4, 0, b2, b3, b4]);
}

export function encodePdu(pdu: Pdu): Buffer {
  switch (pdu.type) {
    case 'A-ASSOCIATE-RQ':
    case 'A-ASSOCIATE-AC':
      return encodeAssociate(pdu);
    case 'A-ASSOCIATE-RJ':
      return fixed4(0x03, pdu.result, pdu.source, pdu.reason);
    case 'P-DATA-TF':
      return encodePData(pdu);
    case 'A-RELEASE-RQ':
      return fixed4(0x05, 0, 0, 0);
    case 'A-RELEASE-RP':
      return fixed4(0x06, 0, 0, 0);
    case 'A-ABORT':
      return Buffer.from([0x07, 0, 0, 0, 0, 4, 0, 0, pdu.source, pdu.reason]);
  }
}
