import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import { imagineCommand } from '../../commands/imagine.js';
import { quotaCommand } from '../../commands/quota.js';
import type { App } from '../../src/app.js';
import type { DiscordConfig } from '../../src/config.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import type { JobSink } from '../../src/jobs/job-runner.js';
import { createInFlightTracker } from '../../src/jobs/in-flight.js';
import type { Logger } from '../../src/log.js';
import { sinkFromReply, type Invocation, type Reply } from '../../src/port.js';
import { decodeChatInput, isSpaceAdmin, spaceIdOf } from './decode.js';
import { createDiscordImageFetcher } from './images.js';
import { AGAIN_PREFIX, NO_MENTIONS } from './render.js';
import {
  DEFAULT_ATTACHMENT_LIMIT,
  createDiscordReply,
  discordMessageRefSchema,
  type DiscordReplyDeps,
} from './reply.js';

/**
 * The Discord adapter: a discord.js client pointed at DISCORD_API_BASE_URL (its gateway URL comes from
 * GET /gateway/bot there), turning interactions into Invocations and jobs into message edits.
 */

export interface DiscordAdapterOptions {
  config: DiscordConfig;
  app: App;
  logger: Logger;
  /** Tests shorten the edit interval; production keeps 1.5 s. */
  reply?: Pick<DiscordReplyDeps, 'editIntervalMs' | 'tokenLifetimeMs'>;
}

export interface DiscordAdapter {
  client: Client;
  /** A sink for a job record written by an earlier process, so resume can deliver to the original message. */
  sinkFor(record: JobRecord): JobSink | undefined;
  /** Stops taking commands, then waits for running jobs up to `graceMs` (their records stay for resume). */
  stop(graceMs?: number): Promise<void>;
}

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
  const client = new Client({ intents, rest: { api: config.apiBaseUrl }, allowedMentions: NO_MENTIONS });
  const fetchImage = createDiscordImageFetcher(config.apiBaseUrl);
  const inFlight = createInFlightTracker(log);
  let accepting = true;

  const replyDeps = (): DiscordReplyDeps => ({
    rest: client.rest,
    logger: log,
    fetchImage,
    ...options.reply,
  });

  function generate(
    interaction: ChatInputCommandInteraction | ButtonInteraction,
    invocation: Invocation,
  ): void {
    const ref = {
      kind: 'interaction' as const,
      applicationId: interaction.applicationId,
      token: interaction.token,
      channelId: interaction.channelId ?? '',
      userId: interaction.user.id,
      createdAt: Date.now(),
      attachmentSizeLimit: interaction.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT,
    };
    const reply = createDiscordReply(ref, replyDeps());
    inFlight.track(imagineCommand.handle(invocation, reply, { runner: runner! }));
  }

  function ephemeralReply(interaction: ChatInputCommandInteraction): Reply {
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
    if (!record) {
      await interaction.reply({ content: 'That job is too old to repeat.', flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.deferReply();
    generate(interaction, {
      platform: 'discord',
      spaceId: spaceIdOf(interaction),
      channelId: interaction.channelId,
      userId: interaction.user.id,
      isSpaceAdmin: isSpaceAdmin(interaction),
      command: 'imagine',
      options: {
        prompt: record.request.prompt,
        seconds: record.request.seconds,
        aspect_ratio: record.request.aspectRatio,
        resolution: record.request.resolution,
      },
      images: record.request.imageRefs.map((ref, i) => ({ url: ref, name: `image ${i + 1}`, ref })),
    });
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
        // Acknowledge first: everything after this has 15 minutes, not 3 seconds.
        await interaction.deferReply();
        generate(interaction, decodeChatInput(interaction));
        return;
      }
      if (interaction.commandName === quotaCommand.name) {
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        await quotaCommand.handle(decodeChatInput(interaction), ephemeralReply(interaction), {
          quota: app.quota,
        });
        return;
      }
    }
    if (interaction.isButton() && interaction.customId.startsWith(AGAIN_PREFIX)) {
      await onAgain(interaction, interaction.customId.slice(AGAIN_PREFIX.length));
      return;
    }
    log.debug({ type: interaction.type }, 'unhandled interaction');
  }

  client.on(Events.InteractionCreate, (interaction) => {
    onInteraction(interaction).catch((error: unknown) => {
      log.error({ err: error, interactionId: interaction.id }, 'interaction failed');
    });
  });
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(config.token);
  await ready;
  log.info({ user: client.user?.tag }, 'Discord adapter ready');

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
