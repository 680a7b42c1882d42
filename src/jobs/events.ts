import type { GenerationEvent } from '../generation/video-job.js';
import type { WaitingUpdate } from './scheduler.js';

/** The job waits in the bot's own fair queue (not the provider's): where it stands and roughly how long. */
export type WaitingEvent = { type: 'waiting'; elapsedMs: number } & WaitingUpdate;

/** The job holds its place and quota and is about to be sent to the video service. */
export type StartingEvent = { type: 'starting'; elapsedMs: number };

/** Everything a job reports to the user while it is not finished. */
export type JobEvent = GenerationEvent | WaitingEvent | StartingEvent;
