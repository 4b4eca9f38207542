/** OFStandard::ftoa: DCMTK's own float formatting, digit for digit (dcmdata prints FL and FD with it). */
const FTOA_BUFSIZE = 308 + 39 + 1;
const CH0 = 0x30;
const CH9 = 0x39;
const DOT = 0x2e;

/** C's modf: [fraction, integer part]. */
function modf(x: number): [number, number] {
  const i = Math.trunc(x);
  return [x - i, i];
}

/**
 * ftoa_round: rounds the digits buf[start..end] up when the next digit is 5 or more (the carry may add a digit
 * before start, returned as the new start), and drops the sign of a value that rounds to zero.
 */
function ftoaRound(b: Uint8Array, fract: number, expon: { v: number } | null, start: number, end: number, ch: number, sign: { neg: boolean }): number {
  const next = fract ? modf(fract * 10)[1] : ch - CH0;
  if (next > 4) {
    for (;; --end) {
      if (b[end] === DOT) --end;
      b[end] = (b[end] as number) + 1;
      if ((b[end] as number) <= CH9) break;
      b[end] = CH0;
      if (end === start) {
        if (expon) {
          b[end] = CH0 + 1;
          expon.v++;
        } else {
          b[--end] = CH0 + 1;
          --start;
        }
        break;
      }
    }
  } else if (sign.neg) {
    for (;; --end) {
      if (b[end] === DOT) --end;
      if (b[end] !== CH0) break;
      if (end === start) sign.neg = false;
    }
  }
  return start;
}

/**
 * OFStandard::ftoa(val, flags 0, width 0, prec): DCMTK's own "%g" (from BSD's vfprintf), which is what dcmdata
 * prints FL (prec 9) and FD (prec 17) with. It builds the digits by repeated modf() on doubles, so it is not the
 * C library's correctly rounded "%.17g" (1e300 prints as 1.0000000000000007e+300): the same double operations
 * are done here, in the same order, to print the same digits.
 */
export function ftoaG(value: number, precision: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value < 0 ? '-inf' : 'inf';
  const sign = { neg: value < 0 };
  let val = sign.neg ? -value : value;
  let prec = Math.min(precision, 39);
  const b = new Uint8Array(FTOA_BUFSIZE);
  const endp = FTOA_BUFSIZE;
  let [fract, integer] = modf(val);
  val = 0;
  let startp = 1; // slot 0 is kept for a carry out of rounding
  let t = startp;
  let p = endp - 1;
  const expcnt = { v: 0 };
  // Integer digits into the end of the buffer, last digit first (the .01 makes up for modf(356.0 / 10) = .5999...).
  for (; integer; ++expcnt.v) {
    const [frac, rest] = modf(integer / 10);
    integer = rest;
    b[p--] = CH0 + Math.trunc((frac + 0.01) * 10);
  }
  let tmp = 0;
  if (!prec) ++prec;
  const eFormat = expcnt.v > prec || (!expcnt.v && fract !== 0 && fract < 0.0001);
  if (!eFormat) {
    if (expcnt.v) {
      for (; ++p < endp; --prec) b[t++] = b[p] as number;
    } else {
      b[t++] = CH0;
    }
    const dotrim = prec !== 0;
    if (dotrim) b[t++] = DOT;
    if (fract) {
      if (prec) {
        do {
          [fract, tmp] = modf(fract * 10);
          b[t++] = CH0 + tmp;
        } while (!tmp);
        while (--prec && fract) {
          [fract, tmp] = modf(fract * 10);
          b[t++] = CH0 + tmp;
        }
      }
      if (fract) startp = ftoaRound(b, fract, null, startp, t - 1, 0, sign);
    }
    if (dotrim) {
      while (t > startp && b[--t] === CH0) { /* trim trailing zeros */ }
      if (b[t] !== DOT) ++t;
    }
  } else {
    --prec; // %g counts significant digits, %e the digits after the point
    if (expcnt.v) {
      b[t++] = b[++p] as number;
      if (prec) b[t++] = DOT;
      for (; prec && ++p < endp; --prec) b[t++] = b[p] as number;
      if (!prec && ++p < endp) {
        fract = 0;
        startp = ftoaRound(b, 0, expcnt, startp, t - 1, b[p] as number, sign);
      }
      --expcnt.v;
    } else if (fract) {
      for (expcnt.v = -1; ; --expcnt.v) {
        [fract, tmp] = modf(fract * 10);
        if (tmp) break;
      }
      b[t++] = CH0 + tmp;
      if (prec) b[t++] = DOT;
    } else {
      b[t++] = CH0;
      if (prec) b[t++] = DOT;
    }
    if (fract) {
      if (prec) {
        do {
          [fract, tmp] = modf(fract * 10);
          b[t++] = CH0 + tmp;
        } while (--prec && fract);
      }
      if (fract) startp = ftoaRound(b, fract, expcnt, startp, t - 1, 0, sign);
    }
    for (; prec > 0; prec--) b[t++] = CH0;
    while (t > startp && b[--t] === CH0) { /* trim trailing zeros */ }
    if (b[t] === DOT) --t;
    ++t;
    let e = expcnt.v;
    b[t++] = 0x65; // 'e'
    b[t++] = e < 0 ? 0x2d : 0x2b;
    if (e < 0) e = -e;
    const digits = e > 9 ? String(e) : `0${e}`;
    for (const d of digits) b[t++] = d.charCodeAt(0);
  }
  const text = Buffer.from(b.subarray(startp, t)).toString('latin1');
  return sign.neg ? `-${text}` : text;
}
