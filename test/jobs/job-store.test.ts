import { describe, expect, it } from 'vitest';
import { createJobStore, type JobRecord } from '../../src/jobs/job-store.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import type { StateStore } from '../../src/store/state.js';
import { capturedLogger } from '../helpers/core.js';

const record: JobRecord = {
  id: 'job_1',
  platform: 'slack',
  spaceId: 'T1',
  channelId: 'C1',
  userId: 'U1',
  messageRef: { kind: 'slack', teamId: 'T1', channel: 'C1', userId: 'U1' },
  request: { prompt: 'a fox', seconds: 6, aspectRatio: '16:9', resolution: '720P', imageRefs: [] },
  status: 'submitted',
  reservation: 'reserved',
  createdAt: 1,
  updatedAt: 1,
};

/** A state store whose reads and writes take a while, as SQLite and Redis do, so overlapping updates show. */
function slowState(): StateStore {
  const state = createMemoryState();
  const later = <T>(value: Promise<T>) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));
  return {
    ...state,
    get: (key) => later(state.get(key)),
    set: (key, value, ttlMs) => later(state.set(key, value, ttlMs)),
  };
}

describe('job records', () => {
  it('keeps every field of overlapping updates (progress and the reply’s moved message ref)', async () => {
    const jobs = createJobStore(slowState(), capturedLogger().logger);
    await jobs.put(record);
    const posted = { ...(record.messageRef as object), ts: '1700000000.000100' };
    await Promise.all([
      jobs.update(record.id, { status: 'processing', progress: 30 }),
      jobs.update(record.id, { messageRef: posted }),
      jobs.update(record.id, { progress: 40 }),
    ]);
    const stored = await jobs.get(record.id);
    expect(stored?.messageRef).toEqual(posted);
    expect(stored?.status).toBe('processing');
    expect(stored?.progress).toBe(40);
  });
});
