/**
 * A small data set printed as DCMTK's DcmObject::print prints it in logs ("Request Identifiers:"):
 *   (0008,0052) CS [STUDY]                                  #   6, 1 QueryRetrieveLevel
 * Value column 40 wide, length right-aligned in 3, VM in 2, then the keyword; long values shortened to 70.
 */
import { formatTag } from '../errors';
import { lookupTag } from './dictionary';
import { isItems, type DataElement } from './element';
import { bytesToString, decodeNumbers, decodeTags, type NumberVr } from './values';
import { isStringVr, valueWidth } from './vr';

const VALUE_COLUMN = 40;
const LINE_LENGTH = 70;

function line(depth: number, el: DataElement, text: string, length: number | 'u/l', vm: number): string {
  const keyword = lookupTag(el.tag)?.keyword ?? 'Unknown Tag & Data';
  const pad = text.length < VALUE_COLUMN ? ' '.repeat(VALUE_COLUMN - text.length) : '';
  const len = length === 'u/l' ? 'u/l' : String(length).padStart(3);
  return `${'  '.repeat(depth)}${formatTag(el.tag)} ${el.vr} ${text}${pad} # ${len},${String(vm).padStart(2)} ${keyword}`;
}

function shorten(text: string): string {
  return text.length > LINE_LENGTH ? `${text.slice(0, LINE_LENGTH - 4)}...` : text;
}

function describeValue(el: DataElement, value: Buffer): { text: string; vm: number } {
  if (value.length === 0) return { text: '(no value available)', vm: 0 };
  if (isStringVr(el.vr)) {
    const s = bytesToString(value, el.vr, 'latin1');
    return { text: shorten(`[${s}]`), vm: s.split('\\').length };
  }
  if (el.vr === 'AT') {
    const tags = decodeTags(value);
    return { text: shorten(tags.map(formatTag).join('\\')), vm: tags.length };
  }
  const width = valueWidth(el.vr);
  if (['US', 'SS', 'UL', 'SL', 'FL', 'FD'].includes(el.vr)) {
    const nums = decodeNumbers(el.vr as NumberVr, value);
    return { text: shorten(nums.join('\\')), vm: nums.length };
  }
  const hex = [...value.subarray(0, 32)].map((b) => b.toString(16).padStart(2, '0')).join('\\');
  return { text: shorten(hex), vm: width > 0 ? 1 : 1 };
}

function dumpList(elements: readonly DataElement[], depth: number, out: string[]): void {
  for (const el of elements) {
    if (isItems(el.value)) {
      out.push(line(depth, el, `(Sequence with explicit length #=${el.value.length})`, 'u/l', 1));
      for (const item of el.value) {
        out.push(`${'  '.repeat(depth + 1)}(fffe,e000) na (Item with explicit length #=${item.length})`);
        dumpList(item, depth + 2, out);
      }
    } else if (Buffer.isBuffer(el.value)) {
      const { text, vm } = describeValue(el, el.value);
      out.push(line(depth, el, text, el.value.length + (el.value.length % 2), vm));
    }
  }
}

export function dumpDataset(elements: readonly DataElement[], transferSyntaxName = 'Little Endian Explicit'): string {
  const out = ['', '# Dicom-Data-Set', `# Used TransferSyntax: ${transferSyntaxName}`];
  dumpList(elements, 0, out);
  out.push('');
  return out.join('\n');
}
