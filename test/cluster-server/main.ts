// CLI of the test cluster (bundled to dist/test-cluster.js):
//   node dist/test-cluster.js --kubeconfig-out FILE [--seed DIR|FILE]... [--port N]
//        [--context NAME] [--namespace NS] [--token TOKEN] [--admin-token TOKEN]
//        [--faults JSON|@FILE] [--info-out FILE]
// Prints "ready" on stdout once it serves, and serves until SIGINT/SIGTERM.
import { writeFileSync, readFileSync } from 'node:fs';
import { startTestCluster } from './index';
import type { Faults } from './types';

const USAGE = `usage: test-cluster --kubeconfig-out FILE [--seed DIR|FILE]... [--port N] [--context NAME]
                    [--namespace NS] [--token TOKEN] [--admin-token TOKEN] [--faults JSON|@FILE]
                    [--info-out FILE]
environment: EDGEPOLICY_TEST_FAULTS (JSON fault knobs), EDGEPOLICY_TEST_ADMIN_TOKEN`;

interface Args {
  kubeconfigOut?: string;
  seed: string[];
  port: number;
  context: string;
  namespace?: string;
  token?: string;
  adminToken?: string;
  faults?: Faults;
  infoOut?: string;
}

function fail(msg: string): never {
  process.stderr.write(`test-cluster: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseFaults(text: string, where: string): Faults {
  let src: string;
  try {
    src = text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return fail(`${where}: cannot read the fault file ${text.slice(1)} (${err.code ?? err.message})`);
  }
  try {
    const v = JSON.parse(src) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Faults;
  } catch (e) {
    return fail(`${where}: invalid fault JSON (${(e as Error).message})`);
  }
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seed: [], port: 0, context: 'edgepolicy-demo' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--kubeconfig-out':
        a.kubeconfigOut = value();
        break;
      case '--seed':
        a.seed.push(value());
        break;
      case '--port': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0 || n > 65535) fail('--port must be 0..65535');
        a.port = n;
        break;
      }
      case '--context':
        a.context = value();
        break;
      case '--namespace':
        a.namespace = value();
        break;
      case '--token':
        a.token = value();
        break;
      case '--admin-token':
        a.adminToken = value();
        break;
      case '--faults':
        a.faults = parseFaults(value(), '--faults');
        break;
      case '--info-out':
        a.infoOut = value();
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${flag}`);
    }
  }
  if (!a.kubeconfigOut) fail('--kubeconfig-out is required');
  if (!a.faults && process.env['EDGEPOLICY_TEST_FAULTS']) a.faults = parseFaults(process.env['EDGEPOLICY_TEST_FAULTS'], 'EDGEPOLICY_TEST_FAULTS');
  a.adminToken ??= process.env['EDGEPOLICY_TEST_ADMIN_TOKEN'] || undefined;
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let cluster;
  try {
    cluster = await startTestCluster({
      seed: args.seed,
      port: args.port,
      faults: args.faults,
      adminToken: args.adminToken,
      ...(args.token ? { tokens: { [args.token]: 'edgepolicy-demo' } } : {}),
    });
  } catch (e) {
    process.stderr.write(`test-cluster: could not start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  cluster.writeKubeconfig(args.kubeconfigOut!, { context: args.context, namespace: args.namespace });
  for (const s of cluster.seedResult.skipped) process.stderr.write(`test-cluster: skipped ${s.file}#${s.index}: ${s.reason}\n`);
  if (args.infoOut) {
    // for scripts that drive the admin endpoints; holds secrets, so owner-only
    writeFileSync(args.infoOut, JSON.stringify({ url: cluster.url, adminToken: cluster.adminToken, pid: process.pid }, null, 2), { mode: 0o600 });
  }
  process.stderr.write(`test-cluster: serving ${cluster.url} (${cluster.seedResult.applied} seeded objects), kubeconfig ${args.kubeconfigOut}\n`);
  process.stdout.write('ready\n');
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    cluster
      .stop()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
