// Seeded mutations of YAML texts for the fuzzer: byte-level damage, YAML-aware edits, and known-hostile
// shapes (alias bombs, deep nesting, templates, binary bytes). Deterministic for a given seed.

export type Rand = () => number;

export { rng } from '../bench/gen';

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, n: number) => Math.floor(r() * n);

const TOKENS = [
  '---\n', '...\n', ': ', '- ', '[', ']', '{', '}', '"', "'", '|', '>', '&a ', '*a', '!!binary ', '!custom ', '\t', '\r\n',
  '\0', '\uFFFD', '\uFEFF', '{{ .Values.x }}', '{% if x %}', '#', '%YAML 1.2\n', '? ', ',', '\\', '\u2028', 'null', '~',
  'apiVersion: getambassador.io/v3alpha1\n', 'kind: Mapping\n', 'prefix: ', 'hostname: "*"', 'weight: 200', 'precedence: -1',
  'getambassador.io/config: |\n  ', 'metadata:\n  name: x\n', '\n  - ', '0x', '1e999', '-.inf', '<<: *a\n',
];

function lines(t: string): string[] {
  return t.split('\n');
}

const MUTATORS: Array<(t: string, r: Rand, other: string) => string> = [
  // delete a range
  (t, r) => {
    const a = int(r, t.length + 1);
    return t.slice(0, a) + t.slice(Math.min(t.length, a + 1 + int(r, 40)));
  },
  // insert a token
  (t, r) => {
    const a = int(r, t.length + 1);
    return t.slice(0, a) + pick(r, TOKENS) + t.slice(a);
  },
  // random bytes (as latin-1 chars, including control characters)
  (t, r) => {
    const a = int(r, t.length + 1);
    let s = '';
    for (let i = int(r, 16) + 1; i > 0; i--) s += String.fromCharCode(int(r, 256));
    return t.slice(0, a) + s + t.slice(a);
  },
  // duplicate a line (duplicate keys, repeated documents)
  (t, r) => {
    const ls = lines(t);
    const i = int(r, ls.length);
    ls.splice(i, 0, ls[i]);
    return ls.join('\n');
  },
  // swap two lines
  (t, r) => {
    const ls = lines(t);
    const i = int(r, ls.length);
    const j = int(r, ls.length);
    [ls[i], ls[j]] = [ls[j], ls[i]];
    return ls.join('\n');
  },
  // change a line's indentation
  (t, r) => {
    const ls = lines(t);
    const i = int(r, ls.length);
    ls[i] = ' '.repeat(int(r, 9)) + ls[i].trimStart();
    return ls.join('\n');
  },
  // truncate
  (t, r) => t.slice(0, int(r, t.length + 1)),
  // splice with another corpus file
  (t, r, other) => t.slice(0, int(r, t.length + 1)) + other.slice(int(r, other.length + 1)),
  // replace a scalar value with something extreme
  (t, r) => t.replace(/: ([^\n]{1,40})/, () => ': ' + pick(r, ['9'.repeat(400), 'x'.repeat(5000), '""', '[]', '{}', '*a', '!!int "x"', '"\\uD800"', '(?=a)(\\1)[', `/${'a/'.repeat(300)}`])),
  // CRLF, BOM, tabs
  (t, r) => pick(r, [(s: string) => s.replace(/\n/g, '\r\n'), (s: string) => '\uFEFF' + s, (s: string) => s.replace(/ {2}/g, '\t')])(t),
  // repeat a chunk
  (t, r) => {
    const a = int(r, t.length + 1);
    const chunk = t.slice(a, a + int(r, 200));
    return t.slice(0, a) + chunk.repeat(int(r, 20) + 1) + t.slice(a);
  },
];

/** Hostile shapes that are not small mutations of a corpus file. */
export function hostile(r: Rand): string {
  switch (int(r, 6)) {
    case 0: { // billion laughs
      let s = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
      for (let i = 1; i < 10; i++) s += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
      return 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: bomb}\nspec:\n  prefix: /\n  service: s\n  x:\n' + s.replace(/^/gm, '    ');
    }
    case 1: // deep nesting
      return 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nspec: ' + '['.repeat(2000 + int(r, 3000)) + ']'.repeat(int(r, 2));
    case 2: // deep block nesting
      return 'spec:\n' + Array.from({ length: 800 }, (_, i) => ' '.repeat(i + 2) + `k${i}:`).join('\n');
    case 3: // binary
      return Array.from({ length: 2000 }, () => String.fromCharCode(int(r, 256))).join('');
    case 4: // template
      return 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  prefix: {{ .Values.prefix | quote }}\n{{- if .Values.tls }}\n  tls: true\n{{- end }}\n';
    default: // many documents
      return Array.from({ length: 3000 }, (_, i) => `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: m${i % 7}}\nspec: {prefix: /a/, service: s}`).join('\n---\n');
  }
}

export function mutate(text: string, other: string, r: Rand): string {
  if (r() < 0.04) return hostile(r);
  let t = text;
  for (let n = 1 + int(r, 4); n > 0; n--) t = pick(r, MUTATORS)(t, r, other);
  return t;
}
