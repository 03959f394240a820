// Run before `npm test`: the cluster tests drive the real kubectl. When it is missing and we may install
// system packages (root), install Debian's kubernetes-client; otherwise say what to install.
import { execFileSync, spawnSync } from 'node:child_process';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (!has('kubectl')) {
  if (process.getuid && process.getuid() === 0 && has('apt-get')) {
    console.log('[pretest] kubectl not found: installing Debian package kubernetes-client');
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubernetes-client'],
      { stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    console.error('[pretest] kubectl is needed by the cluster tests: install it (Debian: apt-get install kubernetes-client)');
    process.exit(1);
  }
}
