import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Options,
  Partials,
  PermissionFlagsBits,
  REST,
  type ButtonInteraction,
  type Interaction,
  type Message,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import { z } from 'zod';
import { prefillPrompt, promptFromMention } from '../../commands/animate.js';
import { authorizeDelete, cancelJob, type JobControlDeps } from '../../commands/job-control.js';
import { imagineCommand } from '../../commands/imagine.js';
import { jobsCommand } from '../../commands/jobs.js';
import { quotaCommand } from '../../commands/quota.js';
import { settingsCommand } from '../../commands/settings.js';
import type { App } from '../../src/app.js';
import type { DiscordConfig } from '../../src/config.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import type { JobSink } from '../../src/jobs/job-runner.js';
import { createInFlightTracker } from '../../src/jobs/in-flight.js';
import type { Logger } from '../../src/log.js';
import { sinkFromReply, type Invocation, type Reply } from '../../src/port.js';
import { ANIMATE_MENU_NAME } from './command-json.js';
import { decodeChatInput, isSpaceAdmin, parentChannelIdOf, spaceIdOf } from './decode.js';
import { createDiscordImageFetcher } from './images.js';
import { discordJobListFormat } from './jobs-format.js';
import { imagesOfMessages } from './message-images.js';
import {
  AGAIN_PREFIX,
  ANIMATE_MODAL_PREFIX,
  CANCEL_PREFIX,
  DELETE_PREFIX,
  MODAL_PROMPT_LIMIT,
  NO_MENTIONS,
  PROMPT_FIELD,
  VARY_MODAL_PREFIX,
  VARY_PREFIX,
  promptModal,
} from './render.js';
import { createEditPacer } from '../../src/util/edit-pacer.js';
import {
  DEFAULT_ATTACHMENT_LIMIT,
  EDIT_INTERVAL_MS,
  createDiscordReply,
  discordMessageRefSchema,
  type DiscordMessageRef,
  type DiscordReplyDeps,
} from './reply.js';

/**
 * The Discord adapter: a discord.js client pointed at DISCORD_API_BASE_URL (its gateway URL comes from
 * GET /gateway/bot there), turning interactions and mentions into Invocations and jobs into message edits.
 */

export interface DiscordAdapterOptions {
  config: DiscordConfig;
  app: App;
  logger: Logger;
  /** Tests shorten the edit interval and the token lifetime; production keeps 1.5 s and 14.5 min. */
  reply?: Pick<DiscordReplyDeps, 'editIntervalMs' | 'tokenLifetimeMs'>;
}

export interface DiscordAdapter {
  client: Client;
  /** A sink for a job record written by an earlier process, so resume can deliver to the original message. */
  sinkFor(record: JobRecord): JobSink | undefined;
  /** Stops taking commands, then waits for running jobs up to `graceMs` (their records stay for resume). */
  stop(graceMs?: number): Promise<void>;
}

/** What the Animate menu remembers between opening the modal and its submission. */
const pendingAnimateSchema = z.object({
  images: z.array(
    z.object({ url: z.string(), name: z.string(), ref: z.string(), size: z.number().optional() }),
  ),
});
const PENDING_TTL_MS = 15 * 60_000;
/** An interaction can be answered for 15 minutes; a duplicate after that could not be answered anyway. */
const DEDUPE_TTL_MS = 15 * 60_000;
const FULL_PROMPT_HINT = 'Use /imagine to send a prompt of up to 4,096 characters.';

const NO_IMAGES_HELP =
  'Mention me in a reply to a message with images (or attach images to your mention) and say what should happen, e.g. “@bot make the waves move”. For a video from text alone, use `/imagine`.';
const NO_CONTENT_INTENT_HELP =
  'I can’t see the images in the message you replied to: this bot runs without Discord’s Message Content intent. Attach the image to your mention, use **Apps → Animate** on that message, or `/imagine` with an image.';

export async function startDiscordAdapter(options: DiscordAdapterOptions): Promise<DiscordAdapter> {
  const { config, app, logger } = options;
  const runner = app.runner;
  if (!runner) throw new Error('the Discord adapter needs the generation runner (VIDEO_API_KEY)');
  const log = logger.child({ platform: 'discord' });
  const intents = [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.DirectMessages,
  ];
  if (config.messageContent) intents.push(GatewayIntentBits.MessageContent);
  const client = new Client({
    intents,
    // DM channels are not cached before their first message; without this partial, DM mentions are dropped.
    partials: [Partials.Channel],
    // The bot reads what it needs from each event, so it keeps only a few hundred members and users: memory
    // stays flat however many people use it. Recent messages stay cached (discord.js's default 200 per
    // channel): a reply's referenced message comes from that cache, as REST would hide its images without the
    // Message Content intent.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      GuildMemberManager: { maxSize: 200, keepOverLimit: (member) => member.id === member.client.user.id },
      UserManager: { maxSize: 200, keepOverLimit: (user) => user.id === user.client.user.id },
    }),
    rest: { api: config.apiBaseUrl },
    allowedMentions: NO_MENTIONS,
  });
  const fetchImage = createDiscordImageFetcher(config.apiBaseUrl);
  const inFlight = createInFlightTracker(log);
  let accepting = true;

  // Progress edits of all jobs together keep to 40 a second: under discord.js's global 50 for mention jobs
  // (channel messages), and a bounded load for the rest (interaction edits are not globally limited).
  const pacer = createEditPacer({
    perSecond: 40,
    minIntervalMs: options.reply?.editIntervalMs ?? EDIT_INTERVAL_MS,
  });
  // Discord does not count interaction endpoints (the reply's edits and follow-ups, by token) against the
  // bot's global 50 requests a second, but discord.js's own limiter would: with many jobs finishing at once,
  // their uploads queued behind it. They go through a REST client of their own, without that global cap;
  // each interaction's own bucket is still honoured.
  const interactionRest = new REST({ api: config.apiBaseUrl, globalRequestsPerSecond: 1_000_000 });
  const replyDeps = (): DiscordReplyDeps => ({
    rest: client.rest,
    interactionRest,
    logger: log,
    fetchImage,
    pacer,
    ...options.reply,
  });

  function run(ref: DiscordMessageRef, invocation: Invocation): void {
    const reply = createDiscordReply(ref, replyDeps());
    inFlight.track(imagineCommand.handle(invocation, reply, { runner: runner!, settings: app.settings }));
  }

  /**
   * Defers the interaction (everything after has 15 minutes, not 3 seconds), then runs /imagine in its reply.
   * The deferral's response names the reply message, so /jobs and the notification can link to it.
   */
  async function generate(interaction: RepliableInteraction, invocation: Invocation): Promise<void> {
    // Discord accepts one acknowledgement per interaction, so a second process seeing it fails here; the mark
    // after it covers a replayed dispatch in a process that did acknowledge (and costs the ack nothing).
    const deferred = await interaction.deferReply({ withResponse: true });
    if (
      !(await app.firstSeen(`discord:interaction:${interaction.id}`, DEDUPE_TTL_MS, {
        acrossRestarts: false,
      }))
    ) {
      log.info({ interactionId: interaction.id }, 'interaction already handled by another process');
      return;
    }
    run(
      {
        kind: 'interaction',
        applicationId: interaction.applicationId,
        token: interaction.token,
        channelId: interaction.channelId ?? '',
        userId: interaction.user.id,
        createdAt: Date.now(),
        attachmentSizeLimit: interaction.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT,
        messageId: deferred.resource?.message?.id,
      },
      invocation,
    );
  }

  function imagineInvocation(
    interaction: RepliableInteraction,
    options: Invocation['options'],
    images: Invocation['images'],
  ): Invocation {
    return {
      platform: 'discord',
      spaceId: spaceIdOf(interaction),
      channelId: interaction.channelId ?? '',
      parentChannelId: parentChannelIdOf(interaction),
      userId: interaction.user.id,
      isSpaceAdmin: isSpaceAdmin(interaction),
      command: 'imagine',
      options,
      images,
    };
  }

  /** The settings and images of an earlier job, for Again and Vary (the presser's own quota applies). */
  function fromRecord(record: JobRecord, prompt = record.request.prompt) {
    return {
      options: {
        prompt,
        seconds: record.request.seconds,
        aspect_ratio: record.request.aspectRatio,
        resolution: record.request.resolution,
      },
      images: record.request.imageRefs.map((ref, i) => ({ url: ref, name: `image ${i + 1}`, ref })),
    };
  }

  async function tooOld(interaction: RepliableInteraction): Promise<void> {
    await interaction.reply({
      content: 'That job is too old to repeat; start a new one with `/imagine`.',
      flags: MessageFlags.Ephemeral,
    });
  }

  function ephemeralReply(interaction: RepliableInteraction): Reply {
    return {
      async text(message) {
        await interaction.editReply({ content: message, allowedMentions: NO_MENTIONS });
      },
      async fail(message) {
        await interaction.editReply({ content: `⚠️ ${message}`, allowedMentions: NO_MENTIONS });
      },
    };
  }

  async function onAgain(interaction: ButtonInteraction, jobId: string): Promise<void> {
    const record = await app.jobs.get(jobId);
    if (!record) return tooOld(interaction);
    const { options, images } = fromRecord(record);
    await generate(interaction, imagineInvocation(interaction, options, images));
  }

  const control = (): JobControlDeps => ({ jobs: app.jobs, runner: runner!, quota: app.quota });
  const actorOf = (interaction: ButtonInteraction) => ({
    platform: 'discord' as const,
    spaceId: spaceIdOf(interaction),
    userId: interaction.user.id,
    isSpaceAdmin: isSpaceAdmin(interaction),
  });

  async function onCancel(interaction: ButtonInteraction, jobId: string): Promise<void> {
    const result = await cancelJob(actorOf(interaction), jobId, `<@${interaction.user.id}>`, control());
    if (!result.ok) {
      await interaction.reply({ content: result.message, flags: MessageFlags.Ephemeral });
      return;
    }
    // The job's own message changes when the runner settles it; the press needs only an acknowledgement.
    await interaction.deferUpdate();
  }

  async function onDelete(interaction: ButtonInteraction, jobId: string): Promise<void> {
    const result = await authorizeDelete(actorOf(interaction), jobId, control());
    if (!result.ok) {
      await interaction.reply({ content: result.message, flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.deferUpdate();
    // After a deferred update, "@original" is the message the button is on: the bot's own result.
    await interaction.deleteReply();
    log.info({ jobId, userId: interaction.user.id }, 'result deleted on request');
  }

  async function onVary(interaction: ButtonInteraction, jobId: string): Promise<void> {
    const record = await app.jobs.get(jobId);
    if (!record) return tooOld(interaction);
    const prefill = prefillPrompt(record.request.prompt, MODAL_PROMPT_LIMIT, FULL_PROMPT_HINT);
    await interaction.showModal(promptModal(`${VARY_MODAL_PREFIX}${jobId}`, 'Vary this video', prefill));
  }

  async function onAnimateMenu(interaction: MessageContextMenuCommandInteraction): Promise<void> {
    const target = interaction.targetMessage;
    const images = imagesOfMessages([target]);
    if (images.length === 0) {
      await interaction.reply({
        content: 'That message has no images to animate. For a video from text alone, use `/imagine`.',
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    // The modal's custom id cannot hold the images, and the submission does not carry the target message.
    await app.pending.set(`discord:animate:${interaction.id}`, { images }, PENDING_TTL_MS);
    const text = client.user ? promptFromMention(target.content, mentionPattern(client.user.id)) : '';
    const prefill = prefillPrompt(text, MODAL_PROMPT_LIMIT, FULL_PROMPT_HINT);
    await interaction.showModal(promptModal(`${ANIMATE_MODAL_PREFIX}${interaction.id}`, 'Animate', prefill));
  }

  async function onModalSubmit(interaction: ModalSubmitInteraction): Promise<void> {
    const prompt = interaction.fields.getTextInputValue(PROMPT_FIELD);
    if (interaction.customId.startsWith(ANIMATE_MODAL_PREFIX)) {
      const key = `discord:animate:${interaction.customId.slice(ANIMATE_MODAL_PREFIX.length)}`;
      const pending = pendingAnimateSchema.safeParse(await app.pending.get(key));
      if (!pending.success) {
        await interaction.reply({
          content: 'This form expired. Open **Apps → Animate** on the message again.',
          flags: MessageFlags.Ephemeral,
        });
        return;
      }
      await generate(interaction, imagineInvocation(interaction, { prompt }, pending.data.images));
      await app.pending.delete(key);
      return;
    }
    if (interaction.customId.startsWith(VARY_MODAL_PREFIX)) {
      const record = await app.jobs.get(interaction.customId.slice(VARY_MODAL_PREFIX.length));
      if (!record) return tooOld(interaction);
      const { options, images } = fromRecord(record, prompt);
      await generate(interaction, imagineInvocation(interaction, options, images));
    }
  }

  /** "@bot make the waves move" in reply to (or together with) images. */
  async function onMessage(message: Message): Promise<void> {
    const me = client.user;
    if (!me || message.author.bot || message.webhookId || !accepting) return;
    // An explicit mention only: a reply to the bot's own message "mentions" it too, but asks nothing.
    if (!mentionPattern(me.id).test(message.content)) return;
    // Two processes seeing one message (a duplicated deployment, or a gateway replay) answer it once.
    if (!(await app.firstSeen(`discord:message:${message.id}`, DEDUPE_TTL_MS, { acrossRestarts: false })))
      return;
    const referenced = message.reference?.messageId
      ? await message.fetchReference().catch(() => undefined)
      : undefined;
    const images = imagesOfMessages([message, referenced]);
    const answer = (content: string) =>
      message.reply({ content, allowedMentions: { parse: [], repliedUser: false } });
    if (images.length === 0) {
      await answer(referenced && !config.messageContent ? NO_CONTENT_INTENT_HELP : NO_IMAGES_HELP);
      return;
    }
    // The placeholder is this job's message: progress, the video and any refusal appear in it.
    const placeholder = await answer('🎬 Starting…');
    const spaceId = message.guildId ?? `dm:${message.author.id}`;
    run(
      {
        kind: 'message',
        channelId: message.channelId,
        messageId: placeholder.id,
        userId: message.author.id,
        attachmentSizeLimit: DEFAULT_ATTACHMENT_LIMIT,
      },
      {
        platform: 'discord',
        spaceId,
        channelId: message.channelId,
        parentChannelId: message.channel.isThread() ? (message.channel.parentId ?? undefined) : undefined,
        userId: message.author.id,
        isSpaceAdmin: message.member?.permissions.has(PermissionFlagsBits.ManageGuild) ?? false,
        command: 'imagine',
        options: { prompt: promptFromMention(message.content, mentionPattern(me.id)) },
        images,
      },
    );
  }

  async function onInteraction(interaction: Interaction): Promise<void> {
    if (!accepting) {
      if (interaction.isRepliable()) {
        await interaction.reply({
          content: 'The bot is restarting; please try again in a moment.',
          flags: MessageFlags.Ephemeral,
        });
      }
      return;
    }
    if (interaction.isChatInputCommand()) {
      if (interaction.commandName === imagineCommand.name) {
        await generate(interaction, decodeChatInput(interaction));
        return;
      }
      if (interaction.commandName === quotaCommand.name) {
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        await quotaCommand.handle(decodeChatInput(interaction), ephemeralReply(interaction), {
          quota: app.quota,
        });
        return;
      }
      if (interaction.commandName === settingsCommand.name) {
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        await settingsCommand.handle(decodeChatInput(interaction), ephemeralReply(interaction), {
          settings: app.settings,
          isAdmin: app.quota.isAdmin,
        });
        return;
      }
      if (interaction.commandName === jobsCommand.name) {
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        await jobsCommand.handle(decodeChatInput(interaction), ephemeralReply(interaction), {
          jobs: app.jobs,
          isAdmin: app.quota.isAdmin,
          format: discordJobListFormat,
        });
        return;
      }
    }
    if (interaction.isMessageContextMenuCommand() && interaction.commandName === ANIMATE_MENU_NAME) {
      await onAnimateMenu(interaction);
      return;
    }
    if (interaction.isButton()) {
      if (interaction.customId.startsWith(AGAIN_PREFIX)) {
        await onAgain(interaction, interaction.customId.slice(AGAIN_PREFIX.length));
        return;
      }
      if (interaction.customId.startsWith(CANCEL_PREFIX)) {
        await onCancel(interaction, interaction.customId.slice(CANCEL_PREFIX.length));
        return;
      }
      if (interaction.customId.startsWith(DELETE_PREFIX)) {
        await onDelete(interaction, interaction.customId.slice(DELETE_PREFIX.length));
        return;
      }
      if (interaction.customId.startsWith(VARY_PREFIX)) {
        await onVary(interaction, interaction.customId.slice(VARY_PREFIX.length));
        return;
      }
    }
    if (interaction.isModalSubmit()) {
      await onModalSubmit(interaction);
      return;
    }
    log.debug({ type: interaction.type }, 'unhandled interaction');
  }

  client.on(Events.InteractionCreate, (interaction) => {
    onInteraction(interaction).catch((error: unknown) => {
      log.error({ err: error, interactionId: interaction.id }, 'interaction failed');
    });
  });
  client.on(Events.MessageCreate, (message) => {
    onMessage(message).catch((error: unknown) => {
      log.error({ err: error, messageId: message.id, channelId: message.channelId }, 'mention failed');
    });
  });
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(config.token);
  await ready;
  log.info({ user: client.user?.tag, messageContent: config.messageContent }, 'Discord adapter ready');

  return {
    client,
    sinkFor(record) {
      const parsed = discordMessageRefSchema.safeParse(record.messageRef);
      if (!parsed.success) return undefined;
      return sinkFromReply(createDiscordReply(parsed.data, replyDeps()));
    },
    async stop(graceMs = 10_000) {
      accepting = false;
      await inFlight.drain(graceMs);
      await client.destroy();
    },
  };
}

function mentionPattern(botId: string): RegExp {
  return new RegExp(`<@!?${botId}>`, 'g');
}
