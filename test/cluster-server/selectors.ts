// Label and field selectors with the operators the Kubernetes API accepts.

export class SelectorError extends Error {}

type LabelReq =
  | { op: 'exists' | '!exists'; key: string }
  | { op: '=' | '!='; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(k: string): string {
  if (!KEY.test(k)) throw new SelectorError(`unable to parse requirement: invalid label key "${k}"`);
  return k;
}
function checkValue(v: string): string {
  if (!VALUE.test(v) || v.length > 63) throw new SelectorError(`unable to parse requirement: invalid label value: "${v}"`);
  return v;
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

export function parseLabelSelector(s: string): LabelReq[] {
  const reqs: LabelReq[] = [];
  for (const part of splitTop(s)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^(\S+)\s+(in|notin)\s*\((.*)\)$/))) {
      const values = m[3]!.split(',').map((v) => checkValue(v.trim()));
      reqs.push({ op: m[2] as 'in' | 'notin', key: checkKey(m[1]!), values });
    } else if ((m = part.match(/^!\s*(\S+)$/))) {
      reqs.push({ op: '!exists', key: checkKey(m[1]!) });
    } else if ((m = part.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      reqs.push({ op: m[2] === '!=' ? '!=' : '=', key: checkKey(m[1]!), value: checkValue(m[3]!) });
    } else if ((m = part.match(/^([^=!\s()]+)$/))) {
      reqs.push({ op: 'exists', key: checkKey(m[1]!) });
    } else {
      throw new SelectorError(`unable to parse requirement: found '${part}', expected: key, !key, key=value, key!=value, key in (...), key notin (...)`);
    }
  }
  return reqs;
}

export function matchLabels(reqs: LabelReq[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
        return has && l[r.key] === r.value;
      case '!=':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case 'notin':
        return !has || !r.values.includes(l[r.key]!);
    }
  });
}

export interface FieldReq {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(s: string, allowed: string[]): FieldReq[] {
  const out: FieldReq[] = [];
  for (const part of splitTop(s)) {
    const m = part.match(/^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new SelectorError(`invalid selector: '${part}'; can't understand '${part}'`);
    if (!allowed.includes(m[1]!)) throw new SelectorError(`field label not supported: ${m[1]}`);
    out.push({ field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
  }
  return out;
}

export function matchFields(reqs: FieldReq[], fields: Record<string, string>): boolean {
  return reqs.every((r) => (r.op === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value));
}
