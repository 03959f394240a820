// Pure decisions about the language server's state (no vscode import, so unit tests can load it).
import type { ServerState } from './languageClient';

/**
 * Tells when a live diff must be started again: whenever the server is 'running' again after its first start
 * (a crash restart, a manual "Restart Language Server", a start after 'crashed' or 'stopped'), the server-side
 * session is gone.
 */
export class ResumeTracker {
  private hasRun = false;
  private last: ServerState | undefined;

  /** Feed every state change; true when the diff (if any) should be resumed now. */
  onState(s: ServerState): boolean {
    const entered = s === 'running' && this.last !== 'running';
    this.last = s;
    if (!entered) return false;
    const resume = this.hasRun;
    this.hasRun = true;
    return resume;
  }
}

/** What the status bar shows: the server's state unless it runs and a diff is active (a crashed server is not hidden by old drift text). */
export function statusShows(state: ServerState, diffActive: boolean): 'drift' | 'server' {
  return state === 'running' && diffActive ? 'drift' : 'server';
}
