import type { GenerationReply } from '../../src/port.js';
import type { DiscordReplyDeps } from './reply.js';

/**
 * The job half of a Discord reply whose job message exists only once the core acknowledged the command (an
 * interaction's deferral, a mention's placeholder): until then there is no job to report to, and a call
 * that needs one is a bug.
 */
export function jobToCome(
  job: () => GenerationReply | undefined,
  replyDeps: () => DiscordReplyDeps,
): Pick<GenerationReply, 'progress' | 'deliver' | 'notify' | 'fetchImage' | 'fetchFile'> {
  const needJob = (): GenerationReply => {
    const current = job();
    if (!current) throw new Error('this Discord reply was not acknowledged as a job');
    return current;
  };
  return {
    progress: (event, record) => needJob().progress(event, record),
    deliver: (video, record) => needJob().deliver(video, record),
    notify: (record) => needJob().notify?.(record) ?? Promise.resolve(),
    // The job's reply refuses in the job's language; before it exists, the fetcher's default.
    fetchImage: (source, maxBytes) => {
      const fetch = job()?.fetchImage ?? replyDeps().fetchImage;
      if (!fetch) throw new Error('no image fetcher');
      return fetch(source, maxBytes);
    },
    fetchFile: (source, maxBytes, path) => {
      const fetch = job()?.fetchFile ?? replyDeps().fetchFile;
      if (!fetch) throw new Error('no file fetcher');
      return fetch(source, maxBytes, path);
    },
  };
}
