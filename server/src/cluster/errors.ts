// Errors of the cluster layer: one class, a machine-readable reason and a sentence for the user.
// Messages never carry credentials (tokens, keys, passwords, Secret data).

export type ClusterErrorReason =
  | 'no-kubeconfig'
  | 'bad-kubeconfig'
  | 'context-not-found'
  | 'exec-not-allowed'
  | 'credential-plugin'
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'crds-not-installed'
  | 'version-not-served'
  | 'throttled'
  | 'server-error'
  | 'gone'
  | 'bad-response'
  | 'too-large'
  | 'aborted';

export class ClusterError extends Error {
  constructor(
    readonly reason: ClusterErrorReason,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}

export function isClusterError(e: unknown, reason?: ClusterErrorReason): e is ClusterError {
  return e instanceof ClusterError && (reason === undefined || e.reason === reason);
}

/** A message for any error, safe to show. Unknown errors keep only their message's first line. */
export function errorMessage(e: unknown): string {
  if (e instanceof ClusterError) return e.message;
  if (e instanceof Error) return e.message.split('\n')[0] ?? String(e);
  return String(e);
}

/** Strip userinfo and query from a server URL before showing it. */
export function safeUrl(server: string): string {
  try {
    const u = new URL(server);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid server URL)';
  }
}

/** `64 MiB`, `256 KiB`, `900 bytes`: a byte count as people read it. */
export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % (MiB / 4) === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 256 === 0) return `${n / 1024} KiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${n} bytes`;
}
