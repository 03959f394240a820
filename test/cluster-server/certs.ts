// Ephemeral X.509 material for the test cluster, built with node:crypto only.
// node:crypto signs but has no certificate builder, so this file writes the few DER
// structures a certificate needs (RFC 5280) by hand: a CA, a server certificate with
// SAN IP 127.0.0.1 + DNS localhost (or other names), and client certificates whose CN is the user name.
import { createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

// ---- tiny DER encoder ------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const bitString = (b: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const ctx = (n: number, body: Buffer, constructed = true): Buffer => tlv((constructed ? 0xa0 : 0x80) | n, body);

function uint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  let v = b.subarray(i);
  if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    let rest = Math.floor(p / 128);
    while (rest > 0) {
      chunk.unshift((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
function time(d: Date): Buffer {
  // UTCTime is valid up to 2049; our certificates live for days.
  const p = (n: number): string => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

const OID = {
  ecdsaSha256: '1.2.840.10045.4.3.2',
  cn: '2.5.4.3',
  o: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

function name(cn: string, orgs: string[] = []): Buffer {
  const rdns = orgs.map((o) => set(seq(oid(OID.o), utf8(o))));
  rdns.push(set(seq(oid(OID.cn), utf8(cn))));
  return seq(...rdns);
}
function ext(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}
// keyUsage bits: digitalSignature(0), keyEncipherment(2), keyCertSign(5), cRLSign(6)
function keyUsage(bits: number[]): Buffer {
  let v = 0;
  for (const b of bits) v |= 0x80 >> b;
  // one byte is enough for bits 0..7; DER wants the unused trailing bits counted
  let unused = 0;
  while (unused < 7 && !(v & (1 << unused))) unused++;
  return tlv(0x03, Buffer.from([unused, v]));
}

export interface KeyPair {
  key: KeyObject;
  keyPem: string;
  spki: Buffer;
}
function newKey(): KeyPair {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pub = createPublicKey(privateKey);
  return {
    key: privateKey,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    spki: pub.export({ type: 'spki', format: 'der' }),
  };
}
function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

interface CertSpec {
  subject: Buffer;
  subjectKey: KeyPair;
  issuerName: Buffer;
  issuerKey: KeyPair;
  isCA: boolean;
  usage: 'ca' | 'server' | 'client';
  dns?: string[];
  ips?: string[];
  days: number;
}
function buildCert(s: CertSpec): string {
  const algo = seq(oid(OID.ecdsaSha256));
  const now = Date.now();
  const notBefore = new Date(now - 60 * 60 * 1000);
  const notAfter = new Date(now + s.days * 24 * 60 * 60 * 1000);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const exts: Buffer[] = [];
  exts.push(ext(OID.basicConstraints, true, seq(...(s.isCA ? [bool(true)] : []))));
  exts.push(ext(OID.keyUsage, true, keyUsage(s.usage === 'ca' ? [0, 5, 6] : [0, 2])));
  if (s.usage !== 'ca') exts.push(ext(OID.extKeyUsage, false, seq(oid(s.usage === 'server' ? OID.serverAuth : OID.clientAuth))));
  exts.push(ext(OID.subjectKeyId, false, octets(keyId(s.subjectKey.spki))));
  if (!s.isCA) exts.push(ext(OID.authorityKeyId, false, seq(ctx(0, keyId(s.issuerKey.spki), false))));
  const names: Buffer[] = [];
  for (const d of s.dns ?? []) names.push(ctx(2, Buffer.from(d, 'ascii'), false));
  for (const ip of s.ips ?? []) names.push(ctx(7, Buffer.from(ip.split('.').map(Number)), false));
  if (names.length) exts.push(ext(OID.subjectAltName, false, seq(...names)));
  const tbs = seq(
    ctx(0, uint(Buffer.from([2]))), // v3
    uint(serial),
    algo,
    s.issuerName,
    seq(time(notBefore), time(notAfter)),
    s.subject,
    s.subjectKey.spki,
    ctx(3, seq(...exts)),
  );
  const sig = sign('sha256', tbs, s.issuerKey.key);
  const der = seq(tbs, algo, bitString(sig));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
  new X509Certificate(pem); // parse check: throws on a malformed encoding
  return pem;
}

export interface CertAuthority {
  certPem: string;
  /** The server certificate and key (by default SAN IP 127.0.0.1, DNS localhost). */
  server: { certPem: string; keyPem: string };
  /** A client certificate signed by this CA; CN = user, O = groups. */
  issueClient(user: string, groups?: string[]): { certPem: string; keyPem: string };
}

/** Names the server certificate is issued for (subject alternative names). */
export interface ServerCertNames {
  dns?: string[];
  ips?: string[];
}

export const DEFAULT_SERVER_NAMES: Required<ServerCertNames> = { dns: ['localhost'], ips: ['127.0.0.1'] };

export function createCertAuthority(days = 7, names: ServerCertNames = DEFAULT_SERVER_NAMES): CertAuthority {
  const caKey = newKey();
  const caName = name(`edgepolicy-test-ca-${randomBytes(4).toString('hex')}`);
  const caCert = buildCert({ subject: caName, subjectKey: caKey, issuerName: caName, issuerKey: caKey, isCA: true, usage: 'ca', days });
  const serverKey = newKey();
  const serverPem = buildCert({
    subject: name(names.dns?.[0] ?? names.ips?.[0] ?? 'localhost'),
    subjectKey: serverKey,
    issuerName: caName,
    issuerKey: caKey,
    isCA: false,
    usage: 'server',
    dns: names.dns ?? [],
    ips: names.ips ?? [],
    days,
  });
  return {
    certPem: caCert,
    server: { certPem: serverPem, keyPem: serverKey.keyPem },
    issueClient(user: string, groups: string[] = []) {
      const k = newKey();
      const pem = buildCert({ subject: name(user, groups), subjectKey: k, issuerName: caName, issuerKey: caKey, isCA: false, usage: 'client', days });
      return { certPem: pem, keyPem: k.keyPem };
    },
  };
}

