// Patch flavours the test cluster accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
// an approximation of strategic merge patch, and the field-ownership bookkeeping that
// server-side apply needs (lists are treated as atomic, as for CRDs without list-type markers).

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export class PatchError extends Error {}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

// Lists of objects that strategic merge patch merges by a key rather than replacing.
const MERGE_KEYS: Record<string, string> = { ports: 'port', containers: 'name', env: 'name', volumes: 'name', volumeMounts: 'mountPath' };

/** Strategic merge patch, simplified: directive keys are honoured or dropped, known lists merge by key. */
export function strategicMergePatch(target: Json, patch: Json, field = ''): Json {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(target)) return clone(patch.filter((e) => !(isObject(e) && e['$patch'] === 'delete')));
    const out = clone(target) as Json[];
    for (const el of patch) {
      if (!isObject(el)) continue;
      const idx = out.findIndex((o) => isObject(o) && deepEqual(o[key], el[key]));
      if (el['$patch'] === 'delete') {
        if (idx >= 0) out.splice(idx, 1);
      } else if (idx >= 0) out[idx] = strategicMergePatch(out[idx]!, el);
      else out.push(stripDirectives(el));
    }
    return out;
  }
  if (!isObject(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') return stripDirectives(patch);
  if (patch['$patch'] === 'delete') return null;
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[f];
      if (Array.isArray(cur) && Array.isArray(v)) out[f] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k] ?? null, v, k);
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: Json, parts: string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function parentOf(doc: Json, parts: string[], op: string): Json {
  const parent = getAt(doc, parts.slice(0, -1));
  if (parent === undefined || (typeof parent !== 'object') || parent === null) {
    throw new PatchError(`${op} operation does not apply: doc is missing path: "/${parts.join('/')}"`);
  }
  return parent;
}

export function jsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  let out = clone(doc);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') {
      throw new PatchError('each JSON patch operation needs "op" and "path"');
    }
    const op = raw['op'];
    const parts = pointer(raw['path']);
    const value = raw['value'];
    const remove = (p: string[]): Json => {
      if (!p.length) throw new PatchError('cannot remove the document root');
      const parent = parentOf(out, p, 'remove');
      const last = p[p.length - 1]!;
      if (Array.isArray(parent)) {
        const i = Number(last);
        if (!(i >= 0 && i < parent.length)) throw new PatchError(`remove operation does not apply: index ${last} out of range`);
        return parent.splice(i, 1)[0]!;
      }
      const obj = parent as JsonObject;
      if (!(last in obj)) throw new PatchError(`remove operation does not apply: doc is missing key: /${p.join('/')}`);
      const v = obj[last]!;
      delete obj[last];
      return v;
    };
    const add = (p: string[], v: Json): void => {
      if (!p.length) {
        out = clone(v);
        return;
      }
      const parent = parentOf(out, p, 'add');
      const last = p[p.length - 1]!;
      if (Array.isArray(parent)) {
        const i = last === '-' ? parent.length : Number(last);
        if (!(i >= 0 && i <= parent.length)) throw new PatchError(`add operation does not apply: index ${last} out of range`);
        parent.splice(i, 0, clone(v));
      } else (parent as JsonObject)[last] = clone(v);
    };
    switch (op) {
      case 'add':
        if (value === undefined) throw new PatchError('add operation needs a value');
        add(parts, value);
        break;
      case 'remove':
        remove(parts);
        break;
      case 'replace':
        if (value === undefined) throw new PatchError('replace operation needs a value');
        if (getAt(out, parts) === undefined) throw new PatchError(`replace operation does not apply: doc is missing key: ${raw['path']}`);
        if (parts.length) remove(parts);
        add(parts, value);
        break;
      case 'move':
      case 'copy': {
        if (typeof raw['from'] !== 'string') throw new PatchError(`${op} operation needs "from"`);
        const from = pointer(raw['from']);
        const v = op === 'move' ? remove(from) : clone(getAt(out, from));
        if (v === undefined) throw new PatchError(`${op} operation does not apply: doc is missing from path: ${raw['from']}`);
        add(parts, v);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(out, parts), value)) throw new PatchError(`testing value ${raw['path']} failed`);
        break;
      default:
        throw new PatchError(`unexpected JSON patch operation ${JSON.stringify(op)}`);
    }
  }
  return out;
}

// ---- field ownership for server-side apply -------------------------------------------

/** Paths are JSON arrays of keys encoded as strings; maps recurse, anything else is a leaf. */
export type FieldSet = Set<string>;

const IGNORED_TOP = new Set(['apiVersion', 'kind']);
const IGNORED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'selfLink']);

export function fieldSet(obj: Json, skipStatus: boolean): FieldSet {
  const out: FieldSet = new Set();
  const walk = (v: Json, path: string[]): void => {
    if (isObject(v) && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) {
        if (path.length === 0 && (IGNORED_TOP.has(k) || (skipStatus && k === 'status'))) continue;
        if (path.length === 1 && path[0] === 'metadata' && IGNORED_META.has(k)) continue;
        walk(x, [...path, k]);
      }
    } else if (path.length) out.add(JSON.stringify(path));
  };
  walk(obj, []);
  return out;
}

export function getPath(obj: Json, path: string[]): Json | undefined {
  return getAt(obj, path);
}

export function setPath(obj: JsonObject, path: string[], value: Json): void {
  let cur: JsonObject = obj;
  for (const p of path.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as JsonObject;
  }
  cur[path[path.length - 1]!] = clone(value);
}

export function deletePath(obj: JsonObject, path: string[]): void {
  const stack: JsonObject[] = [];
  let cur: Json | undefined = obj;
  for (const p of path.slice(0, -1)) {
    if (!isObject(cur)) return;
    stack.push(cur);
    cur = cur[p];
  }
  if (!isObject(cur)) return;
  delete cur[path[path.length - 1]!];
  // drop maps the removal left empty (never the top level or metadata)
  for (let i = path.length - 2; i >= 1; i--) {
    const parent = stack[i]!;
    const child = parent[path[i]!];
    if (isObject(child) && Object.keys(child).length === 0 && !(i === 0 && path[0] === 'metadata')) delete parent[path[i]!];
    else break;
  }
  const top = obj[path[0]!];
  if (path.length > 1 && isObject(top) && Object.keys(top).length === 0 && path[0] !== 'metadata') delete obj[path[0]!];
}

/** FieldsV1 rendering of a field set: {"f:spec":{"f:prefix":{}}}. */
export function fieldsV1(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  for (const enc of set) {
    const path = JSON.parse(enc) as string[];
    let cur = root;
    for (const p of path) {
      const k = `f:${p}`;
      if (!isObject(cur[k])) cur[k] = {};
      cur = cur[k] as JsonObject;
    }
  }
  return root;
}
