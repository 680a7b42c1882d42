import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type AppOptions, type BlockAction, type ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { DEFAULT_ANIMATE_PROMPT, prefillPrompt, promptFromMention } from '../../commands/animate.js';
import { imagineCommand, imagineOptions } from '../../commands/imagine.js';
import { authorizeDelete, cancelJob, type JobControlDeps } from '../../commands/job-control.js';
import { jobsCommand } from '../../commands/jobs.js';
import { quotaCommand } from '../../commands/quota.js';
import { DEFAULTS_OPTIONS, settingsCommand } from '../../commands/settings.js';
import type { App as BotApp } from '../../src/app.js';
import type { SlackConfig } from '../../src/config.js';
import { toBotError } from '../../src/errors.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import type { JobSink } from '../../src/jobs/job-runner.js';
import { createInFlightTracker } from '../../src/jobs/in-flight.js';
import type { Logger } from '../../src/log.js';
import { sinkFromReply, type Invocation, type OptionValue, type Reply } from '../../src/port.js';
import {
  animateMetadataSchema,
  animateSubmissionSchema,
  appMentionSchema,
  botMentionPattern,
  conversationMessagesSchema,
  imagesOf,
  messageShortcutSchema,
  plainText,
  type AnimateMetadata,
  type SlackImage,
} from './decode.js';
import { parseFlags, usage } from './flags.js';
import { createSlackImageFetcher } from './images.js';
import { slackJobListFormat } from './jobs-format.js';
import {
  AGAIN_ACTION,
  ANIMATE_SHORTCUT,
  CANCEL_ACTION,
  DELETE_ACTION,
  ANIMATE_VIEW,
  SLACK_MODAL_TEXT_LIMIT,
  animateModal,
  escapeSlack,
} from './render.js';
import { createEditPacer, type EditPacer } from '../../src/util/edit-pacer.js';
import {
  UPDATE_INTERVAL_MS,
  createSlackReply,
  slackMessageRefSchema,
  type SlackMessageRef,
  type SlackReplyDeps,
} from './reply.js';

/**
 * The Slack adapter: a Bolt app (HTTP receiver with signed requests, or Socket Mode with SLACK_APP_TOKEN)
 * whose Web API calls go to SLACK_API_URL. Slash commands are acknowledged before any work starts.
 */

export interface SlackAdapterOptions {
  config: SlackConfig;
  app: BotApp;
  logger: Logger;
  /** Tests pass Bolt's identity options (botId, botUserId) and a fast retry policy. */
  bolt?: Partial<AppOptions>;
  /** Tests shorten the update interval and lift the workspace budget (production: 2 s, 45 a minute). */
  reply?: Pick<SlackReplyDeps, 'updateIntervalMs'> & { updatesPerSecond?: number };
}

export interface SlackAdapter {
  bolt: App;
  /** The HTTP receiver's port (HTTP mode), for tests and logs. */
  port: number | undefined;
  sinkFor(record: JobRecord): JobSink | undefined;
  stop(graceMs?: number): Promise<void>;
}

const ADMIN_CACHE_MS = 5 * 60_000;
/** Slack retries an event up to three times within minutes; remember handled event ids well past that. */
export const EVENT_DEDUPE_TTL_MS = 2 * 60 * 60_000;

const NO_IMAGES_MENTION =
  'I found no images to animate here. Post images (or reply in the thread under a message with images) and mention me with what should happen, e.g. “@Grok Video the waves roll in slowly”. For a video from text alone, use `/imagine <prompt>`.';
const NO_IMAGES_SHORTCUT =
  'That message has no images to animate. Use Animate on a message with image files, or `/imagine <prompt>` for a video from text alone.';
const FULL_PROMPT_HINT =
  'To use a longer prompt, mention the bot in the message’s thread with the whole prompt (up to 4,096 characters).';

const eventEnvelopeSchema = z.object({ event_id: z.string() });
const actionMessageSchema = z.object({
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).optional(),
});

/** Slash command text arrives with `&`, `<`, `>` escaped; a ban pattern means the characters themselves. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export async function startSlackAdapter(options: SlackAdapterOptions): Promise<SlackAdapter> {
  const { config, app, logger } = options;
  const runner = app.runner;
  if (!runner) throw new Error('the Slack adapter needs the generation runner (VIDEO_API_KEY)');
  const log = logger.child({ platform: 'slack' });
  const socketMode = config.appToken !== undefined;
  const bolt = new App({
    token: config.botToken,
    signingSecret: config.signingSecret,
    appToken: config.appToken,
    socketMode,
    port: config.port,
    logLevel: LogLevel.ERROR,
    clientOptions: {
      slackApiUrl: config.apiUrl,
      retryConfig: { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 30_000 },
    },
    ...options.bolt,
  });
  const inFlight = createInFlightTracker(log);
  const fetchImage = createSlackImageFetcher({ botToken: config.botToken, apiUrl: config.apiUrl });
  let accepting = true;
  const adminCache = new Map<string, { admin: boolean; inTeam: boolean; at: number }>();

  // chat.update is Tier 3 (about 50 a minute per workspace): all of a workspace's jobs share that budget.
  const pacers = new Map<string, EditPacer>();
  const pacerFor = (teamId: string): EditPacer => {
    let pacer = pacers.get(teamId);
    if (!pacer) {
      pacer = createEditPacer({
        perSecond: options.reply?.updatesPerSecond ?? 45 / 60,
        minIntervalMs: options.reply?.updateIntervalMs ?? UPDATE_INTERVAL_MS,
      });
      pacers.set(teamId, pacer);
    }
    return pacer;
  };
  const replyDeps = (): SlackReplyDeps => ({
    client: bolt.client,
    logger: log,
    jobs: app.jobs,
    maxUploadBytes: config.maxUploadBytes,
    fetchImage,
    pacerFor,
    updateIntervalMs: options.reply?.updateIntervalMs,
  });

  /** Starts an /imagine job whose messages go where `ref` says; the caller has acknowledged already. */
  function generate(ref: SlackMessageRef, options: Invocation['options'], images: SlackImage[]): void {
    const reply = createSlackReply(ref, replyDeps());
    const invocation: Invocation = {
      platform: 'slack',
      spaceId: ref.teamId,
      channelId: ref.channel,
      userId: ref.userId,
      isSpaceAdmin: false,
      command: 'imagine',
      options,
      images,
    };
    inFlight.track(imagineCommand.handle(invocation, reply, { runner: runner!, settings: app.settings }));
  }

  /** An ephemeral note to one user, in a thread when given; failures only logged. */
  async function tellUser(channel: string, user: string, text: string, threadTs?: string): Promise<void> {
    await bolt.client.chat
      .postEphemeral({ channel, user, text, thread_ts: threadTs })
      .catch((error: unknown) => log.warn({ userId: user, err: error }, 'ephemeral note failed'));
  }

  /** True the first time a delivery is seen (Slack retries; another instance behind the balancer). */
  const firstDelivery = (key: string) => app.firstSeen(`slack:${key}`, EVENT_DEDUPE_TTL_MS);

  /** The images a mention points at: its own files, else the thread parent's. */
  async function mentionImages(channel: string, own: SlackImage[], threadTs?: string): Promise<SlackImage[]> {
    if (own.length > 0 || threadTs === undefined) return own;
    try {
      const res = await bolt.client.conversations.replies({ channel, ts: threadTs, limit: 1 });
      const parent = conversationMessagesSchema.parse(res).messages.find((m) => m.ts === threadTs);
      return imagesOf(parent?.files);
    } catch (error) {
      log.debug({ err: error }, 'conversations.replies failed; trying conversations.history');
    }
    const res = await bolt.client.conversations.history({
      channel,
      latest: threadTs,
      inclusive: true,
      limit: 1,
    });
    const parent = conversationMessagesSchema.parse(res).messages.find((m) => m.ts === threadTs);
    return imagesOf(parent?.files);
  }

  /** users.info, cached briefly: admin = workspace admin or owner; a user of another team is not "in space". */
  async function lookupUser(userId: string, teamId: string): Promise<{ admin: boolean; inTeam: boolean }> {
    const cached = adminCache.get(userId);
    if (cached && Date.now() - cached.at < ADMIN_CACHE_MS) return cached;
    try {
      const res = await bolt.client.users.info({ user: userId });
      const user = res.user;
      const entry = {
        admin: Boolean(user?.is_admin || user?.is_owner),
        inTeam: Boolean(user && !user.deleted && (!user.team_id || user.team_id === teamId)),
        at: Date.now(),
      };
      adminCache.set(userId, entry);
      return entry;
    } catch {
      return { admin: false, inTeam: false };
    }
  }

  bolt.command('/imagine', async ({ command, ack }) => {
    await ack();
    if (!accepting || !(await firstDelivery(`trigger:${command.trigger_id}`))) return;
    const ref: SlackMessageRef = {
      kind: 'slack',
      teamId: command.team_id,
      channel: command.channel_id,
      userId: command.user_id,
    };
    const reply = createSlackReply(ref, replyDeps());
    let options: Record<string, string>;
    try {
      const parsed = parseFlags(command.text, imagineOptions);
      if (parsed.help) {
        await reply.text(usage('imagine', imagineOptions), { ephemeral: true });
        return;
      }
      options = parsed.options;
    } catch (error) {
      await reply.fail(toBotError(error).userMessage);
      return;
    }
    const invocation: Invocation = {
      platform: 'slack',
      spaceId: command.team_id,
      channelId: command.channel_id,
      userId: command.user_id,
      isSpaceAdmin: false,
      command: 'imagine',
      options,
      images: [],
    };
    inFlight.track(imagineCommand.handle(invocation, reply, { runner, settings: app.settings }));
  });

  bolt.command('/quota', async ({ command, ack }) => {
    await ack();
    const ref: SlackMessageRef = {
      kind: 'slack',
      teamId: command.team_id,
      channel: command.channel_id,
      userId: command.user_id,
    };
    const slackReply = createSlackReply(ref, replyDeps());
    const reply: Reply = {
      text: (message) => slackReply.text(escapeSlack(message), { ephemeral: true }),
      fail: (message) => slackReply.fail(message),
    };
    // `/quota set <@U123|name> 10`: Slack escapes mentioned users as <@ID|name> when the command asks it to.
    const words = command.text.trim().split(/\s+/).filter(Boolean);
    const subcommand = words[0]?.toLowerCase() ?? 'show';
    const mention = /<@([A-Z0-9]+)(?:\|([^>]*))?>/.exec(command.text);
    const number = words.slice(1).find((w) => /^-?\d+$/.test(w));
    const userOption: OptionValue | undefined = mention?.[1]
      ? {
          id: mention[1],
          inSpace: (await lookupUser(mention[1], command.team_id)).inTeam,
          displayName: mention[2] || undefined,
        }
      : undefined;
    await quotaCommand.handle(
      {
        platform: 'slack',
        spaceId: command.team_id,
        channelId: command.channel_id,
        userId: command.user_id,
        isSpaceAdmin: (await lookupUser(command.user_id, command.team_id)).admin,
        command: 'quota',
        subcommand,
        options: { user: userOption, limit: number === undefined ? undefined : Number(number) },
        images: [],
      },
      reply,
      { quota: app.quota },
    );
  });

  /** An ephemeral answer to a slash command; `escape` for plain text that must not become markup. */
  function commandReply(command: { team_id: string; channel_id: string; user_id: string }, escape: boolean) {
    const slackReply = createSlackReply(
      { kind: 'slack', teamId: command.team_id, channel: command.channel_id, userId: command.user_id },
      replyDeps(),
    );
    const reply: Reply = {
      text: (message) => slackReply.text(escape ? escapeSlack(message) : message, { ephemeral: true }),
      fail: (message) => slackReply.fail(message),
    };
    return reply;
  }

  // `/settings ban-add /regex/`, `/settings channel-add #videos`, `/settings defaults --seconds 6 --ar 9:16`,
  // `/settings images off`, `/settings notify off`, `/settings` (show).
  bolt.command('/settings', async ({ command, ack }) => {
    await ack();
    const text = command.text.trim();
    const subcommand = text.split(/\s+/)[0]?.toLowerCase() || 'show';
    const rest = text.slice(subcommand.length).trim();
    const options: Invocation['options'] = {};
    const reply = commandReply(command, true);
    try {
      if (subcommand === 'ban-add' || subcommand === 'ban-remove') {
        options.pattern = unescapeSlack(rest);
      } else if (subcommand === 'channel-add' || subcommand === 'channel-remove') {
        const mention = /<#([A-Z0-9]+)(?:\|([^>]*))?>/.exec(rest);
        if (mention?.[1])
          options.channel = { kind: 'channel', id: mention[1], name: mention[2] || undefined };
        else if (rest === '') {
          options.channel = { kind: 'channel', id: command.channel_id, name: command.channel_name };
        } else options.channel = rest;
      } else if (subcommand === 'defaults') {
        const parsed = parseFlags(rest === '' ? '' : `x ${rest}`, [
          { name: 'words', type: 'string', description: '', freeText: true },
          ...DEFAULTS_OPTIONS,
        ]);
        Object.assign(options, parsed.options);
        const words = (parsed.options.words ?? '').split(/\s+/).slice(1);
        options.clear = words.some((w) => w.toLowerCase() === 'clear');
        delete options.words;
      } else if (subcommand === 'images' || subcommand === 'notify') {
        options.state = rest.split(/\s+/)[0] ?? '';
      }
    } catch (error) {
      await reply.fail(toBotError(error).userMessage);
      return;
    }
    await settingsCommand.handle(
      {
        platform: 'slack',
        spaceId: command.team_id,
        channelId: command.channel_id,
        userId: command.user_id,
        isSpaceAdmin: (await lookupUser(command.user_id, command.team_id)).admin,
        command: 'settings',
        subcommand,
        options,
        images: [],
      },
      reply,
      { settings: app.settings, isAdmin: app.quota.isAdmin },
    );
  });

  // `/jobs` (your own), `/jobs all` (admins: everyone's in the workspace).
  bolt.command('/jobs', async ({ command, ack }) => {
    await ack();
    const words = command.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
    await jobsCommand.handle(
      {
        platform: 'slack',
        spaceId: command.team_id,
        channelId: command.channel_id,
        userId: command.user_id,
        isSpaceAdmin: (await lookupUser(command.user_id, command.team_id)).admin,
        command: 'jobs',
        options: { all: words.includes('all') },
        images: [],
      },
      // The lines are built with Slack markup and escaped user text already.
      commandReply(command, false),
      { jobs: app.jobs, isAdmin: app.quota.isAdmin, format: slackJobListFormat(command.team_domain) },
    );
  });

  /** Cancel and Delete: the requester or an admin; anyone else is told so privately. */
  async function jobControlActor(body: BlockAction<ButtonAction>) {
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    return {
      platform: 'slack' as const,
      spaceId: teamId,
      userId: body.user.id,
      isSpaceAdmin: (await lookupUser(body.user.id, teamId)).admin,
    };
  }
  const control = (): JobControlDeps => ({ jobs: app.jobs, runner, quota: app.quota });
  async function refuseAction(body: BlockAction<ButtonAction>, message: string): Promise<void> {
    await bolt.client.chat.postEphemeral({
      channel: body.channel?.id ?? '',
      user: body.user.id,
      text: escapeSlack(message),
      thread_ts: actionMessageSchema.safeParse(body).data?.message?.thread_ts,
    });
  }

  bolt.action<BlockAction<ButtonAction>>(CANCEL_ACTION, async ({ ack, body, action }) => {
    await ack();
    const by = body.user.name ?? body.user.username ?? body.user.id;
    const result = await cancelJob(
      await jobControlActor(body),
      action.value ?? '',
      escapeSlack(by),
      control(),
    );
    if (!result.ok) await refuseAction(body, result.message);
  });

  bolt.action<BlockAction<ButtonAction>>(DELETE_ACTION, async ({ ack, body, action }) => {
    await ack();
    const result = await authorizeDelete(await jobControlActor(body), action.value ?? '', control());
    if (!result.ok) {
      await refuseAction(body, result.message);
      return;
    }
    const ref = slackMessageRefSchema.safeParse(result.record.messageRef).data;
    const ts = actionMessageSchema.safeParse(body).data?.message?.ts ?? ref?.ts;
    if (ref?.fileId) await bolt.client.files.delete({ file: ref.fileId }).catch(() => undefined);
    if (ts) await bolt.client.chat.delete({ channel: body.channel?.id ?? ref?.channel ?? '', ts });
    log.info({ jobId: result.record.id, userId: body.user.id }, 'result deleted on request');
  });

  bolt.action<BlockAction<ButtonAction>>(AGAIN_ACTION, async ({ ack, body, action }) => {
    await ack();
    if (!accepting || !(await firstDelivery(`trigger:${body.trigger_id}`))) return;
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const channel = body.channel?.id ?? '';
    // A job that ran in a thread runs again in that thread.
    const threadTs = actionMessageSchema.safeParse(body).data?.message?.thread_ts;
    const ref: SlackMessageRef = { kind: 'slack', teamId, channel, userId: body.user.id, threadTs };
    const record = await app.jobs.get(action.value ?? '');
    if (!record) {
      await createSlackReply(ref, replyDeps()).fail('That job is too old to repeat.');
      return;
    }
    // Same settings and images (fetched again from Slack), the presser's own quota.
    generate(
      ref,
      {
        prompt: record.request.prompt,
        seconds: record.request.seconds,
        aspect_ratio: record.request.aspectRatio,
        resolution: record.request.resolution,
      },
      record.request.imageRefs.map((url, i) => ({ url, ref: url, name: `image ${i + 1}` })),
    );
  });

  bolt.event('app_mention', async ({ body, context }) => {
    const envelope = eventEnvelopeSchema.safeParse(body);
    const parsed = appMentionSchema.safeParse((body as { event?: unknown }).event);
    if (!envelope.success || !parsed.success) {
      log.warn({ issues: parsed.error?.issues.length }, 'ignoring an app_mention that does not parse');
      return;
    }
    const event = parsed.data;
    // Our own posts (and other bots') never start a job.
    if (event.bot_id !== undefined || event.subtype !== undefined || event.user === undefined) return;
    if (context.botUserId !== undefined && event.user === context.botUserId) return;
    if (!accepting) return;
    if (!(await firstDelivery(`event:${envelope.data.event_id}`))) {
      log.info(
        { eventId: envelope.data.event_id, retryNum: context.retryNum, userId: event.user },
        'ignoring a repeated delivery of an event',
      );
      return;
    }
    const threadTs = event.thread_ts ?? event.ts;
    const teamId = event.team ?? (body as { team_id?: string }).team_id ?? '';
    const ref: SlackMessageRef = {
      kind: 'slack',
      teamId,
      channel: event.channel,
      userId: event.user,
      threadTs,
    };
    const mention = context.botUserId
      ? botMentionPattern(context.botUserId)
      : /^\s*<@[A-Z0-9]+(?:\|[^>]*)?>/g;
    const text = plainText(promptFromMention(event.text, mention));
    let options: Record<string, string>;
    try {
      if (text === DEFAULT_ANIMATE_PROMPT) options = { prompt: text };
      else {
        const parsedFlags = parseFlags(text, imagineOptions);
        options = parsedFlags.help ? { prompt: DEFAULT_ANIMATE_PROMPT } : parsedFlags.options;
      }
    } catch (error) {
      await tellUser(
        event.channel,
        event.user,
        `:warning: ${escapeSlack(toBotError(error).userMessage)}`,
        threadTs,
      );
      return;
    }
    const images = await mentionImages(event.channel, imagesOf(event.files), event.thread_ts);
    if (images.length === 0) {
      await tellUser(event.channel, event.user, NO_IMAGES_MENTION, threadTs);
      return;
    }
    log.info({ userId: event.user, images: images.length }, 'animating images from a mention');
    generate(ref, options, images);
  });

  bolt.shortcut(ANIMATE_SHORTCUT, async ({ ack, body, client }) => {
    await ack();
    const parsed = messageShortcutSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.length }, 'ignoring a message shortcut that does not parse');
      return;
    }
    const { message, channel, user, trigger_id: triggerId } = parsed.data;
    const teamId = parsed.data.team?.id ?? user.team_id ?? '';
    const threadTs = message.thread_ts ?? message.ts;
    const images = imagesOf(message.files);
    if (images.length === 0) {
      await tellUser(channel.id, user.id, NO_IMAGES_SHORTCUT, message.thread_ts);
      return;
    }
    const metadata: AnimateMetadata = {
      teamId,
      channel: channel.id,
      threadTs,
      images: images.slice(0, 10).map((image) => ({
        url: image.url ?? '',
        name: image.name.slice(0, 60),
        contentType: image.contentType,
        size: image.size,
      })),
    };
    const text = plainText(message.text ?? '').trim();
    const prefill = prefillPrompt(
      text === '' ? DEFAULT_ANIMATE_PROMPT : text,
      SLACK_MODAL_TEXT_LIMIT,
      FULL_PROMPT_HINT,
    );
    await client.views.open({
      trigger_id: triggerId,
      view: animateModal(prefill, JSON.stringify(metadata), images.length, imagineOptions) as never,
    });
  });

  bolt.view(ANIMATE_VIEW, async ({ ack, body }) => {
    const parsed = animateSubmissionSchema.safeParse(body);
    let metadata: AnimateMetadata | undefined;
    try {
      metadata = parsed.success
        ? animateMetadataSchema.parse(JSON.parse(parsed.data.view.private_metadata))
        : undefined;
    } catch {
      metadata = undefined;
    }
    if (!parsed.success || !metadata) {
      await ack({
        response_action: 'errors',
        errors: { prompt: 'This form could not be read; please open it again.' },
      });
      log.warn({ issues: parsed.error?.issues.length }, 'ignoring an Animate submission that does not parse');
      return;
    }
    const values = parsed.data.view.state.values;
    const prompt = values.prompt.prompt.value?.trim() ?? '';
    await ack();
    // A view is submitted once; a second delivery of the same submission is a retry.
    if (!accepting || !(await firstDelivery(`view:${parsed.data.view.id}`))) return;
    generate(
      {
        kind: 'slack',
        teamId: metadata.teamId,
        channel: metadata.channel,
        userId: parsed.data.user.id,
        threadTs: metadata.threadTs,
      },
      {
        prompt: prompt === '' ? DEFAULT_ANIMATE_PROMPT : prompt,
        seconds: values.seconds?.seconds.selected_option?.value,
        aspect_ratio: values.aspect_ratio?.aspect_ratio.selected_option?.value,
        resolution: values.resolution?.resolution.selected_option?.value,
      },
      metadata.images.map((image) => ({ ...image, ref: image.url })),
    );
  });

  const started = (await bolt.start()) as Server | undefined;
  const port = socketMode ? undefined : (started?.address() as AddressInfo | null)?.port;
  log.info({ mode: socketMode ? 'socket' : 'http', port }, 'Slack adapter ready');

  return {
    bolt,
    port,
    sinkFor(record) {
      const parsed = slackMessageRefSchema.safeParse(record.messageRef);
      if (!parsed.success) return undefined;
      return sinkFromReply(createSlackReply(parsed.data, replyDeps()));
    },
    async stop(graceMs = 10_000) {
      accepting = false;
      await inFlight.drain(graceMs);
      await bolt.stop();
    },
  };
}
