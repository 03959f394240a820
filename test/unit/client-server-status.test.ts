import * as assert from 'node:assert/strict';
import { ResumeTracker, statusShows } from '../../client/src/serverStatus';
import type { ServerState } from '../../client/src/languageClient';

function resumesAt(states: ServerState[]): number[] {
  const t = new ResumeTracker();
  return states.flatMap((s, i) => (t.onState(s) ? [i] : []));
}

describe('client: server state decisions (serverStatus.ts)', () => {
  it('does not resume a diff on the first start', () => {
    assert.deepEqual(resumesAt(['starting', 'running']), []);
  });

  it('resumes after an automatic restart following a crash', () => {
    assert.deepEqual(resumesAt(['starting', 'running', 'restarting', 'running']), [3]);
  });

  it('resumes after a manual "Restart Language Server" (stopped, starting, running)', () => {
    assert.deepEqual(resumesAt(['starting', 'running', 'stopped', 'starting', 'running']), [4]);
  });

  it('resumes after a start from crashed', () => {
    assert.deepEqual(resumesAt(['starting', 'running', 'restarting', 'crashed', 'starting', 'running']), [5]);
  });

  it('resumes once per start, not for a repeated running state', () => {
    assert.deepEqual(resumesAt(['starting', 'running', 'running', 'stopped', 'running', 'running']), [4]);
  });

  it('does not resume when the first successful start follows a failed one', () => {
    assert.deepEqual(resumesAt(['starting', 'stopped', 'starting', 'running']), []);
  });

  it('shows the server state unless it is running, even with an active diff', () => {
    assert.equal(statusShows('running', true), 'drift');
    assert.equal(statusShows('running', false), 'server');
    for (const s of ['starting', 'restarting', 'stopped', 'crashed'] as const) assert.equal(statusShows(s, true), 'server', s);
  });
});
