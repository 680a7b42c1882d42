import { z } from 'zod';
import { translator, type Formatter, type JobRecord, type Language } from '../../src/port.js';
import { usage } from './arguments.js';
import { escapeSlack } from './render.js';

/**
 * How the core's messages look on Slack: dates in each reader's time zone, and a permalink to the job's
 * message built from the workspace domain (slash commands carry it), the channel and the message ts, as
 * chat.getPermalink would return it, without a Web API call per line.
 */

const linkableRefSchema = z.object({
  channel: z.string().min(1),
  ts: z.string().optional(),
  threadTs: z.string().optional(),
  /** The message that shares the finished video: what a link to the job should show. */
  shareTs: z.string().optional(),
});

export function slackMessageLink(record: JobRecord, teamDomain: string | undefined): string | undefined {
  const ref = linkableRefSchema.safeParse(record.messageRef);
  if (!ref.success) return undefined;
  const { channel, threadTs } = ref.data;
  const ts = ref.data.shareTs ?? ref.data.ts;
  // A channel link shows its name to the reader and notifies no one.
  if (ts === undefined || !teamDomain || !/^[a-z0-9-]+$/i.test(teamDomain)) return `<#${channel}>`;
  const thread = threadTs && threadTs !== ts ? `?thread_ts=${threadTs}&cid=${channel}` : '';
  return `<https://${teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}${thread}|message>`;
}

/** `domainOf(teamId)`: the workspace's domain, as its last slash command said, for message links. */
export function slackFormat(
  domainOf: (teamId: string) => string | undefined,
  language: Language = 'en',
): Formatter {
  const tr = translator(language);
  return {
    // is_admin or is_owner of this team (adapters/slack/users.ts).
    words: {
      space: tr.t('slack.words.space'),
      spaces: tr.t('slack.words.spaces'),
      admins: tr.t('slack.words.admins'),
    },
    jobLink: (record) => slackMessageLink(record, domainOf(record.spaceId)),
    time: (ms) => {
      const seconds = Math.floor(ms / 1000);
      const fallback = new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
      return `<!date^${seconds}^{date_short_pretty} {time}|${fallback} UTC>`;
    },
    // Plain id: a <@U…> in a message could notify the person it names.
    user: (id) => `\`${id}\``,
    actor: ({ userId, userName }) => escapeSlack(userName ?? userId),
    channel: ({ id, name }) => (name ? `#${escapeSlack(name)}` : id),
    escape: escapeSlack,
    usage: (command) => usage(command, tr),
    // A Slack DM belongs to its workspace, so one sentence covers channels and DMs.
    notEnabled: () => tr.t('slack.notEnabled'),
    inLanguage: (other) => slackFormat(domainOf, other),
  };
}
