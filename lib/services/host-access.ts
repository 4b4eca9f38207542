/**
 * TCP-wrapper host access control (`+ac`), as DCMTK 3.6.7 asks libwrap (7.6, Debian's) for it in
 * dcmnet/libsrc/dul.cc: for each incoming connection, a request of daemon `movescu`, client name (the reverse
 * lookup, or "unknown" with -dhl), client address and user "unknown", judged by hosts_access(5):
 *   access is granted when a rule of hosts.allow matches, denied when one of hosts.deny matches, granted otherwise;
 *   a rule is `daemon_list : client_list [: option : ...]`, the lists of patterns separated by blanks or commas,
 *   with `EXCEPT`; a matching rule's `allow` / `deny` option decides (hosts_options(5)).
 * Patterns: ALL, LOCAL, KNOWN, UNKNOWN, PARANOID, `.suffix` of a name, `prefix.` of an address, `n.n.n.n/m.m.m.m`
 * and `n.n.n.n/len`, `[v6net]/len`, `*` and `?` wildcards, `/file` of patterns, `user@host`, `daemon@host`. Each detail was checked against libwrap's own hosts_access (test/unit/host-access.test.ts).
 * The evaluation is a pure function of the two files' texts (`evaluate`); reading them is separate.
 *
 * Refused (a HostAccessError naming the file and line): NIS `@netgroup` patterns and every option that would run
 * something or change the process (spawn, twist, setenv, user, ...): what libwrap would do there we cannot.
 */
import { readFile } from 'node:fs/promises';
import { BlockList, isIPv6 } from 'node:net';
import { lookupService } from 'node:dns/promises';
import { join } from 'node:path';

export interface HostRequest {
  readonly daemon: string;
  /** The client's host name, or "unknown". */
  readonly clientName: string;
  /** The client's address (dotted quad or IPv6), or "unknown". */
  readonly clientAddr: string;
  /** DCMTK sets the user to "unknown" (no ident lookup). */
  readonly user?: string;
}

export interface HostTables {
  /** hosts.allow's text, or null when there is no such file. */
  readonly allow: { readonly path: string; readonly text: string } | null;
  readonly deny: { readonly path: string; readonly text: string } | null;
  /**
   * Content of a `/file` pattern's file, or null when it cannot be read (such a pattern then matches nothing).
   * Called while a connection is judged: readHostTables gives one that reads nothing then.
   */
  readonly readPatternFile?: (path: string) => string | null;
}

export class HostAccessError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
  }
}

export interface Verdict {
  readonly allowed: boolean;
  /** The rule that decided ("/etc/hosts.deny:3"), or null when no rule matched (granted). */
  readonly rule: string | null;
}

const UNKNOWN = 'unknown';
const PARANOID = 'paranoid';
const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase(); // STR_EQ is strcasecmp
const hostnameKnown = (s: string): boolean => !eq(s, UNKNOWN) && !eq(s, PARANOID);

interface Rule { readonly daemons: string; readonly clients: string; readonly options: string | null; readonly line: number }

/**
 * table_match's reading: "\\" joins lines; comments and blank lines skipped; a line without ':' skipped.
 * `incomplete`: the text does not end with a newline. Debian's libwrap then ends the table with an error after
 * its complete lines, which hosts_access counts as "no match" in hosts.allow and as a match in hosts.deny (seen with
 * libwrap0 7.6.q-32: "ALL: ALL" without a final newline in hosts.deny denies everyone, even a comment there does).
 */
export function parseTable(text: string): Rule[] & { incomplete?: boolean } {
  const rules: Rule[] & { incomplete?: boolean } = [];
  const raw = text.split('\n');
  if (raw[raw.length - 1] !== '') rules.incomplete = true;
  const complete = raw.slice(0, -1);
  for (let i = 0; i < complete.length; i++) {
    const first = i + 1;
    let line = complete[i]!;
    while (line.endsWith('\\') && i + 1 < complete.length) line = line.slice(0, -1) + complete[++i]!;
    if (line.startsWith('#') || line.replace(/[ \t\r]/g, '') === '') continue;
    const c1 = colon(line);
    if (c1 === -1) continue;
    const rest = line.slice(c1 + 1);
    const c2 = colon(rest);
    rules.push({
      daemons: line.slice(0, c1), clients: c2 === -1 ? rest : rest.slice(0, c2),
      options: c2 === -1 ? null : rest.slice(c2 + 1), line: first,
    });
  }
  return rules;
}

/** split_at(':') as Debian's libwrap has it: a ':' inside [...] (an IPv6 address) does not split. */
function colon(s: string): number {
  let inBrackets = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '[') inBrackets = true;
    else if (s[i] === ']') inBrackets = false;
    else if (s[i] === ':' && !inBrackets) return i;
  }
  return -1;
}

const tokens = (list: string): string[] => list.split(/[, \t\r\n]+/).filter((t) => t !== '');

/** list_match: the first pattern that matches decides, unless what follows its EXCEPT matches too. */
function listMatch(toks: readonly string[], match: (tok: string) => boolean): boolean {
  for (let i = 0; i < toks.length; i++) {
    if (eq(toks[i]!, 'EXCEPT')) return false;
    if (match(toks[i]!)) {
      const ex = toks.findIndex((t, k) => k > i && eq(t, 'EXCEPT'));
      return ex === -1 || !listMatch(toks.slice(ex + 1), match);
    }
  }
  return false;
}

/** match_pattern_ylo: '*' any run, '?' one character. */
function wildcard(pattern: string, s: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return re.test(s);
}

function stringMatch(tok: string, s: string): boolean {
  if (tok.includes('*') || tok.includes('?')) return wildcard(tok, s);
  if (tok.startsWith('.')) {
    const n = s.length - tok.length;
    return n > 0 && eq(tok, s.slice(n));
  }
  if (eq(tok, 'ALL')) return true;
  if (eq(tok, 'KNOWN')) return !eq(s, UNKNOWN);
  if (tok.endsWith('.')) return s.slice(0, tok.length).toLowerCase() === tok.toLowerCase();
  return eq(tok, s);
}

/** dot_quad_addr: four decimal fields; 255.255.255.255 is INADDR_NONE, so never a valid net or mask. */
function dotQuad(s: string): number | null {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(s)) return null;
  const p = s.split('.').map(Number);
  if (p.some((n) => n > 255)) return null;
  const v = ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
  return v === 0xffffffff ? null : v;
}

/** masked_match: dotted quads only; a mask as a dotted quad or a prefix length. */
function maskedMatch(netTok: string, maskTok: string, addr: string): boolean {
  const a = dotQuad(addr);
  if (a === null) return false;
  const net = dotQuad(netTok);
  let mask = dotQuad(maskTok);
  if (mask === null && /^\d+$/.test(maskTok) && Number(maskTok) >= 1 && Number(maskTok) <= 32) {
    mask = (0xffffffff << (32 - Number(maskTok))) >>> 0; // cidr_mask_addr: 1..32 (/0 is refused by libwrap)
  }
  if (net === null || mask === null) return false; // libwrap: "bad net/mask expression", no match
  return ((a & mask) >>> 0) === net;
}

interface Host { readonly name: string; readonly addr: string }

function hostMatch(tok: string, host: Host, tables: HostTables, where: { file: string; line: number }, files: readonly string[] = []): boolean {
  if (tok.startsWith('@')) throw new HostAccessError(where.file, where.line, `NIS netgroup pattern ${tok} is not supported by dimse-stream`);
  if (tok.startsWith('/')) {
    // A file that names itself, directly or not: libwrap recurses until fopen fails (or its stack overflows, where
    // the limit of open files is high); here that pattern matches nothing and the file's other patterns still count.
    if (files.includes(tok)) return false;
    const text = tables.readPatternFile?.(tok) ?? null;
    return text !== null && tokens(text).some((t) => hostMatch(t, host, tables, where, [...files, tok]));
  }
  if (eq(tok, 'KNOWN')) return !eq(host.addr, UNKNOWN) && hostnameKnown(host.name);
  if (eq(tok, 'LOCAL')) return !host.name.includes('.') && hostnameKnown(host.name);
  if (tok.startsWith('[')) {
    const m = /^\[([0-9a-fA-F:.]+)\](?:\/(\d+))?$/.exec(tok);
    if (m === null || !isIPv6(m[1]!) || !isIPv6(host.addr)) return false;
    const list = new BlockList();
    list.addSubnet(m[1]!, m[2] === undefined ? 128 : Math.min(Number(m[2]), 128), 'ipv6');
    return list.check(host.addr, 'ipv6');
  }
  const slash = tok.indexOf('/');
  if (slash !== -1) return maskedMatch(tok.slice(0, slash), tok.slice(slash + 1), host.addr);
  const notInaddr = /[^0-9./]/.test(tok);
  return stringMatch(tok, host.addr) || (notInaddr && stringMatch(tok, host.name));
}

/** The options of a matching rule (hosts_options(5)): `allow` or `deny` decide; the rest is refused. */
function optionVerdict(options: string, where: { file: string; line: number }): boolean | null {
  let verdict: boolean | null = null;
  for (const opt of options.split(':').map((o) => o.trim()).filter((o) => o !== '')) {
    const key = opt.split(/[ \t=]/)[0]!.toLowerCase();
    if (key === 'allow') verdict = true;
    else if (key === 'deny') verdict = false;
    else throw new HostAccessError(where.file, where.line, `option "${key}" is not supported by dimse-stream (only allow and deny)`);
  }
  return verdict;
}

/**
 * hosts_access(): the verdict for `req` under the two tables. Throws HostAccessError for a construct we refuse
 * (the caller denies then: when the rules cannot be read as written, nobody gets in).
 */
export function evaluate(req: HostRequest, tables: HostTables): Verdict {
  const client: Host = { name: req.clientName, addr: req.clientAddr };
  const server: Host = { name: UNKNOWN, addr: UNKNOWN }; // DCMTK gives libwrap no server endpoint
  const user = req.user ?? UNKNOWN;
  type Match = { rule: string; options: string | null; where: { file: string; line: number } };
  const tableMatch = (t: HostTables['allow']): Match | 'error' | null => {
    if (t === null) return null;
    const rules = parseTable(t.text);
    for (const r of rules) {
      const where = { file: t.path, line: r.line };
      const daemonOk = listMatch(tokens(r.daemons), (tok) => {
        const at = tok.indexOf('@', 1);
        return at === -1 ? stringMatch(tok, req.daemon)
          : stringMatch(tok.slice(0, at), req.daemon) && hostMatch(tok.slice(at + 1), server, tables, where);
      });
      if (!daemonOk) continue;
      const clientOk = listMatch(tokens(r.clients), (tok) => {
        const at = tok.indexOf('@', 1);
        return at === -1 ? hostMatch(tok, client, tables, where)
          : hostMatch(tok.slice(at + 1), client, tables, where) && stringMatch(tok.slice(0, at), user);
      });
      if (clientOk) return { rule: `${t.path}:${r.line}`, options: r.options, where };
    }
    return rules.incomplete ? 'error' : null;
  };
  const allow = tableMatch(tables.allow);
  if (allow !== null && allow !== 'error') {
    return { allowed: allow.options === null || (optionVerdict(allow.options, allow.where) ?? true), rule: allow.rule };
  }
  const deny = tableMatch(tables.deny);
  if (deny === 'error') return { allowed: false, rule: `${tables.deny!.path} (no newline at its end)` };
  if (deny !== null) {
    return { allowed: deny.options !== null && (optionVerdict(deny.options, deny.where) ?? false), rule: deny.rule };
  }
  return { allowed: true, rule: null };
}

/**
 * Every rule of both tables checked for what we refuse, without a request: lets the CLI refuse `+ac` at start
 * rather than deny every connection later. Returns the first problem or null.
 */
export function checkTables(tables: HostTables): HostAccessError | null {
  for (const t of [tables.allow, tables.deny]) {
    if (t === null) continue;
    for (const r of parseTable(t.text)) {
      const where = { file: t.path, line: r.line };
      try {
        for (const tok of [...tokens(r.daemons), ...tokens(r.clients)]) {
          const host = tok.includes('@', 1) ? tok.slice(tok.indexOf('@', 1) + 1) : tok;
          if (host.startsWith('@')) throw new HostAccessError(where.file, where.line, `NIS netgroup pattern ${host} is not supported by dimse-stream`);
        }
        if (r.options !== null) optionVerdict(r.options, where);
      } catch (e) {
        if (e instanceof HostAccessError) return e;
        throw e;
      }
    }
  }
  return null;
}

/** Where the tables live: `${root}/etc/hosts.allow` and `${root}/etc/hosts.deny`; root "/" on a real system. */
export async function readHostTables(root: string): Promise<HostTables> {
  const read = async (name: string): Promise<{ path: string; text: string } | null> => {
    const path = join(root, 'etc', name);
    try {
      return { path, text: await readFile(path, 'latin1') };
    } catch {
      return null; // libwrap: a missing (or unreadable) table has no rules
    }
  };
  const [allow, deny] = await Promise.all([read('hosts.allow'), read('hosts.deny')]);
  // Every `/file` pattern is read here, and the files those name, so that judging a connection reads nothing
  // (no synchronous file call on the path that serves connections).
  const files = new Map<string, string | null>();
  let lists = [allow, deny].flatMap((t) => (t === null ? [] : parseTable(t.text).flatMap((r) => [r.daemons, r.clients])));
  while (lists.length > 0) {
    const names = [...new Set(lists.flatMap(patternFiles))].filter((n) => !files.has(n));
    const texts = await Promise.all(names.map((n) => readFile(join(root, n), 'latin1').catch(() => null)));
    names.forEach((n, i) => files.set(n, texts[i] ?? null));
    lists = texts.filter((t): t is string => t !== null);
  }
  return { allow, deny, readPatternFile: (p) => files.get(p) ?? null };
}

/** The `/file` patterns of a list (the host part of `user@host` too). */
function patternFiles(list: string): string[] {
  return tokens(list).map((t) => t.slice(t.indexOf('@', 1) + 1)).filter((t) => t.startsWith('/'));
}

/** What +ac needs: the daemon name, where etc/hosts.allow and etc/hosts.deny are, and whether to look names up. */
export interface HostAccessPolicy {
  readonly daemon: string;
  /** "/" on a real system; tests point it at a temporary root. */
  readonly root: string;
  /** DCMTK looks the client's name up unless -dhl; "unknown" otherwise. */
  readonly reverseLookup: boolean;
}

/** IPv4 as Node reports it on a dual-stack socket ("::ffff:127.0.0.1"), as DCMTK prints it. */
function plainAddress(a: string | undefined): string {
  if (a === undefined || a === '') return UNKNOWN;
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/**
 * The check of a new connection (dul.cc, WITH_TCPWRAPPER): true to go on; false after closing the socket with
 * DCMTK's error line. The tables are read for each connection, as libwrap reads them. A rule we refuse denies
 * the connection, with its file and line in the log.
 */
export async function admitHost(
  socket: { readonly remoteAddress?: string; destroy(): void }, policy: HostAccessPolicy,
  log: { error(message: string): void },
): Promise<boolean> {
  const addr = plainAddress(socket.remoteAddress);
  let name = UNKNOWN;
  if (policy.reverseLookup && addr !== UNKNOWN) {
    // getnameinfo, as DCMTK's gethostbyaddr: /etc/hosts and DNS; a numeric answer is no name
    const found = await lookupService(addr, 0).then((r) => r.hostname, () => '');
    if (found !== '' && found !== addr) name = found;
  }
  let allowed: boolean;
  try {
    allowed = evaluate({ daemon: policy.daemon, clientName: name, clientAddr: addr }, await readHostTables(policy.root)).allowed;
  } catch (e) {
    if (!(e instanceof HostAccessError)) throw e;
    log.error(`TCP wrapper: ${e.message}: denying the connection`);
    allowed = false;
  }
  if (allowed) return true;
  socket.destroy();
  // DCMTK: ASC_receiveAssociation fails with DULC_TCPWRAPPER (0006:0324) and movescu logs the condition.
  log.error(`0006:0324 TCP wrapper: denied connection from ${name} (${addr})`);
  return false;
}
