import { BotError } from '../src/errors.js';
import type { JobRecord } from '../src/jobs/job-store.js';
import type { Formatter, Translator } from '../src/port.js';
import { actorOf, onlyAdmins } from './admin-only.js';
import { english } from './registration.js';
import type { CommandDefinition } from './types.js';

/**
 * `/jobs [all]`: the user's recent videos, newest first, with status, the start of the prompt, when, and a link
 * to the job's message; admins may ask for everyone's in the space. Read from the job records.
 */

export const JOBS_LIMIT = 10;
const PROMPT_START_CHARS = 60;

export function promptStart(prompt: string, max = PROMPT_START_CHARS): string {
  const line = prompt.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max - 20 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** An extended video's length: its clips' and the total (`3 clips, 2 + 2 + 2 s = 6 s`). */
export function chainLength(record: JobRecord, tr: Translator): string {
  const seconds = [...(record.chain?.clips ?? []).map((clip) => clip.seconds), record.request.seconds];
  const round = (n: number) => Math.round(n * 10) / 10;
  const total = round(seconds.reduce((sum, n) => sum + n, 0));
  return tr.t('commands.jobs.chain', {
    count: seconds.length,
    parts: seconds.map((n) => tr.number(round(n))).join(' + '),
    total,
  });
}

export function jobLine(record: JobRecord, format: Formatter, showUser: boolean, tr: Translator): string {
  const { aspectRatio, resolution } = record.request;
  const parts = [
    tr.t(`commands.jobs.status.${record.status}`),
    format.time(record.createdAt),
    tr.t('commands.jobs.prompt', { prompt: format.escape(promptStart(record.request.prompt)) }),
    record.chain
      ? `⏩ ${chainLength(record, tr)} ${aspectRatio} ${resolution}`
      : `${tr.t('commands.jobs.seconds', { seconds: record.request.seconds })} ${aspectRatio} ${resolution}`,
  ];
  if (showUser) parts.splice(1, 0, format.user(record.userId));
  const link = format.jobLink(record);
  if (link) parts.push(link);
  return `• ${parts.join(' · ')}`;
}

function isTrue(value: unknown): boolean {
  return (
    value === true || (typeof value === 'string' && ['true', 'all', 'yes'].includes(value.toLowerCase()))
  );
}

export const jobsCommand: CommandDefinition = {
  name: 'jobs',
  description: english('commands.jobs.description'),
  surface: 'slash',
  visibility: 'private',
  usageHint: '[all]',
  options: [{ name: 'all', type: 'boolean', description: english('commands.jobs.all.description') }],

  async handle(invocation, reply, context) {
    const deps = { jobs: context.jobs, isAdmin: context.quota.isAdmin, format: context.format };
    const { tr } = context;
    const all = isTrue(invocation.options.all);
    if (all && !deps.isAdmin(actorOf(invocation))) {
      throw new BotError('forbidden', 'non-admin asked for all jobs', {
        userMessage: onlyAdmins(context.tr, context.format.words, 'listAllJobs'),
      });
    }
    const listed = await deps.jobs.list(
      {
        platform: invocation.platform,
        spaceId: invocation.spaceId,
        userId: all ? undefined : invocation.userId,
      },
      JOBS_LIMIT,
    );
    // An extended video is one video: the clips it was made from are shown in its line, not on their own.
    const partOfLonger = new Set(
      listed
        .filter((record) => record.status === 'completed')
        .flatMap((record) => record.chain?.clips.map((clip) => clip.jobId) ?? []),
    );
    const records = listed.filter((record) => !partOfLonger.has(record.id));
    if (records.length === 0) {
      await reply.text(tr.t(all ? 'commands.jobs.none.all' : 'commands.jobs.none.mine'), {
        ephemeral: true,
        formatted: true,
      });
      return;
    }
    const heading = tr.t(all ? 'commands.jobs.heading.all' : 'commands.jobs.heading.mine', {
      count: records.length,
    });
    const max = deps.format.maxChars ?? Number.POSITIVE_INFINITY;
    let text = heading;
    for (const [i, record] of records.entries()) {
      const line = jobLine(record, deps.format, all, tr);
      const more = `\n${tr.t('commands.jobs.more', { count: records.length - i })}`;
      if (text.length + 1 + line.length + (i < records.length - 1 ? more.length : 0) > max) {
        text += more;
        break;
      }
      text += `\n${line}`;
    }
    await reply.text(text, { ephemeral: true, formatted: true });
  },
};
