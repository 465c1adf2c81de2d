/**
 * The escape and unescape functions, as Apache Commons Text's StringEscapeUtils (which NiFi
 * uses): ESCAPE_JSON, ESCAPE_XML10, ESCAPE_CSV, ESCAPE_HTML3 and the matching unescapers.
 * Each is one linear pass over the text.
 */

const hex4 = (c: number): string => c.toString(16).toUpperCase().padStart(4, "0");

/** ESCAPE_JSON: `"` `\` `/` and control characters escaped; everything outside ASCII 32..127 as `\uXXXX`. */
export function escapeJson(s: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 34) rep = '\\"';
    else if (c === 92) rep = "\\\\";
    else if (c === 47) rep = "\\/";
    else if (c === 8) rep = "\\b";
    else if (c === 10) rep = "\\n";
    else if (c === 9) rep = "\\t";
    else if (c === 12) rep = "\\f";
    else if (c === 13) rep = "\\r";
    else if (c < 32 || c > 0x7f) rep = "\\u" + hex4(c);
    if (rep !== undefined) {
      out += s.slice(from, i) + rep;
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

const JAVA_UNESCAPES: Record<string, string> = { b: "\b", n: "\n", t: "\t", f: "\f", r: "\r", "\\": "\\", '"': '"', "'": "'" };

/** UNESCAPE_JSON (UNESCAPE_JAVA): `\uXXXX`, octal `\0`..`\377`, `\n` and friends; a backslash before anything else is dropped. */
export function unescapeJson(s: string): string {
  if (!s.includes("\\")) return s;
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== "\\" || i + 1 >= s.length) {
      out += c === "\\" ? "" : c;
      i++;
      continue;
    }
    const n = s[i + 1];
    if (n === "u") {
      let j = i + 1;
      while (s[j] === "u") j++;
      if (s[j] === "+") j++;
      const h = s.slice(j, j + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(h)) throw new Error(`Less than 4 hex digits in unicode value: '${s.slice(i, j + 4)}'`);
      out += String.fromCharCode(parseInt(h, 16));
      i = j + 4;
      continue;
    }
    if (n >= "0" && n <= "7") {
      const m = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4)) as RegExpExecArray;
      let digits = m[0];
      if (digits.length === 3 && digits[0] > "3") digits = digits.slice(0, 2);
      out += String.fromCharCode(parseInt(digits, 8));
      i += 1 + digits.length;
      continue;
    }
    out += JAVA_UNESCAPES[n] ?? n;
    i += 2;
  }
  return out;
}

const XML_BASIC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** ESCAPE_XML10: the five XML entities; characters XML 1.0 forbids are removed, 0x7F-0x84 and 0x86-0x9F become `&#n;`. */
export function escapeXml(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    const basic = XML_BASIC[ch];
    if (basic !== undefined) out += basic;
    else if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffe || c === 0xffff) continue;
    else if ((c >= 0x7f && c <= 0x84) || (c >= 0x86 && c <= 0x9f)) out += `&#${c};`;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) out += ch + s[++i];
    } else if (c >= 0xdc00 && c <= 0xdfff) continue;
    else out += ch;
  }
  return out;
}

// ISO-8859-1 entity names for U+00A0..U+00FF, in order (HTML 3.2 / HTML 4).
const ISO_NAMES = (
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot " +
  "cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml " +
  "Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig " +
  "agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute " +
  "ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml"
).split(" ");

// HTML 4's further entities (symbols, Greek, special): name, code point.
const HTML4_EXTRA: ReadonlyArray<readonly [string, number]> = (
  "fnof:402 Alpha:913 Beta:914 Gamma:915 Delta:916 Epsilon:917 Zeta:918 Eta:919 Theta:920 Iota:921 Kappa:922 Lambda:923 Mu:924 " +
  "Nu:925 Xi:926 Omicron:927 Pi:928 Rho:929 Sigma:931 Tau:932 Upsilon:933 Phi:934 Chi:935 Psi:936 Omega:937 alpha:945 beta:946 " +
  "gamma:947 delta:948 epsilon:949 zeta:950 eta:951 theta:952 iota:953 kappa:954 lambda:955 mu:956 nu:957 xi:958 omicron:959 pi:960 " +
  "rho:961 sigmaf:962 sigma:963 tau:964 upsilon:965 phi:966 chi:967 psi:968 omega:969 thetasym:977 upsih:978 piv:982 bull:8226 " +
  "hellip:8230 prime:8242 Prime:8243 oline:8254 frasl:8260 weierp:8472 image:8465 real:8476 trade:8482 alefsym:8501 larr:8592 " +
  "uarr:8593 rarr:8594 darr:8595 harr:8596 crarr:8629 lArr:8656 uArr:8657 rArr:8658 dArr:8659 hArr:8660 forall:8704 part:8706 " +
  "exist:8707 empty:8709 nabla:8711 isin:8712 notin:8713 ni:8715 prod:8719 sum:8721 minus:8722 lowast:8727 radic:8730 prop:8733 " +
  "infin:8734 ang:8736 and:8743 or:8744 cap:8745 cup:8746 int:8747 there4:8756 sim:8764 cong:8773 asymp:8776 ne:8800 equiv:8801 " +
  "le:8804 ge:8805 sub:8834 sup:8835 nsub:8836 sube:8838 supe:8839 oplus:8853 otimes:8855 perp:8869 sdot:8901 lceil:8968 " +
  "rceil:8969 lfloor:8970 rfloor:8971 lang:9001 rang:9002 loz:9674 spades:9824 clubs:9827 hearts:9829 diams:9830 OElig:338 " +
  "oelig:339 Scaron:352 scaron:353 Yuml:376 circ:710 tilde:732 ensp:8194 emsp:8195 thinsp:8201 zwnj:8204 zwj:8205 lrm:8206 " +
  "rlm:8207 ndash:8211 mdash:8212 lsquo:8216 rsquo:8217 sbquo:8218 ldquo:8220 rdquo:8221 bdquo:8222 dagger:8224 Dagger:8225 " +
  "permil:8240 lsaquo:8249 rsaquo:8250 euro:8364"
)
  .split(" ")
  .map((e) => {
    const [name, code] = e.split(":");
    return [name, Number(code)] as const;
  });

const BASIC_HTML: ReadonlyArray<readonly [string, number]> = [["quot", 34], ["amp", 38], ["lt", 60], ["gt", 62]];

function table(extra: boolean): { byCode: Map<number, string>; byName: Map<string, number> } {
  const entries: Array<readonly [string, number]> = [...BASIC_HTML, ...ISO_NAMES.map((n, i) => [n, 0xa0 + i] as const)];
  if (extra) entries.push(...HTML4_EXTRA);
  return { byCode: new Map(entries.map(([n, c]) => [c, n])), byName: new Map(entries) };
}

const HTML3 = table(false);
const HTML4 = table(true);

function escapeHtml(s: string, t: { byCode: Map<number, string> }): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const name = t.byCode.get(s.charCodeAt(i));
    if (name !== undefined) {
      out += s.slice(from, i) + "&" + name + ";";
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

function unescapeEntities(s: string, byName: ReadonlyMap<string, number>): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]+|#\d+|[A-Za-z][A-Za-z0-9]*);/g, (m, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    const code = byName.get(body);
    return code === undefined ? m : String.fromCharCode(code);
  });
}

/** ESCAPE_HTML3: `" & < >` and the ISO-8859-1 entities (`&nbsp;` .. `&yuml;`). */
export const escapeHtml3 = (s: string): string => escapeHtml(s, HTML3);
/** ESCAPE_HTML4: ESCAPE_HTML3 plus HTML 4's symbol, Greek and special entities. */
export const escapeHtml4 = (s: string): string => escapeHtml(s, HTML4);
/** UNESCAPE_HTML3: the HTML 3 entities and numeric references. */
export const unescapeHtml3 = (s: string): string => unescapeEntities(s, HTML3.byName);
/** UNESCAPE_HTML4: the HTML 4 entities and numeric references. */
export const unescapeHtml4 = (s: string): string => unescapeEntities(s, HTML4.byName);

const XML_NAMES = new Map([["quot", 34], ["amp", 38], ["lt", 60], ["gt", 62], ["apos", 39]]);
/** UNESCAPE_XML: the five XML entities and numeric references. */
export const unescapeXml = (s: string): string => unescapeEntities(s, XML_NAMES);

const CSV_SPECIAL = /[,"\r\n]/;

/** ESCAPE_CSV: text with `,` `"` CR or LF is quoted, its quotes doubled; other text is unchanged. */
export function escapeCsv(s: string): string {
  return CSV_SPECIAL.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}

/** UNESCAPE_CSV: a quoted value that needed quoting loses its quotes and undoubles its inner quotes. */
export function unescapeCsv(s: string): string {
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return s;
  const inner = s.slice(1, -1);
  return CSV_SPECIAL.test(inner) ? inner.replaceAll('""', '"') : s;
}
