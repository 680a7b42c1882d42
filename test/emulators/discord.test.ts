import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  PermissionFlagsBits,
  TextInputStyle,
} from 'discord.js';
import type { Interaction, Message, TextChannel } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { snowflake, startDiscordEmulator } from './discord/server.js';
import type { DiscordEmulator, UserInput } from './discord/server.js';

const GUILD_ID = snowflake();
const CHANNEL_ID = snowflake();
const alice: UserInput = { id: snowflake(), username: 'alice' };
const bob: UserInput = { id: snowflake(), username: 'bob' };

let emu: DiscordEmulator;
let client: Client;
/** The bot's interaction handler for the current test. */
let onInteraction: (interaction: Interaction) => Promise<void> = async () => undefined;
const handlerErrors: unknown[] = [];

function textChannel(): TextChannel {
  return client.channels.cache.get(CHANNEL_ID) as TextChannel;
}

describe('discord emulator with an unmodified discord.js client', () => {
  beforeAll(async () => {
    emu = await startDiscordEmulator({
      guilds: [
        {
          id: GUILD_ID,
          name: 'Video Lab',
          channels: [{ id: CHANNEL_ID, name: 'general' }],
          members: [{ user: alice }],
        },
      ],
      users: [bob],
    });
    client = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.MessageContent,
        GatewayIntentBits.DirectMessages,
      ],
      rest: { api: emu.apiBase },
    });
    client.on(Events.InteractionCreate, (interaction) => {
      onInteraction(interaction).catch((error: unknown) => handlerErrors.push(error));
    });
    const ready = once(client, Events.ClientReady);
    await client.login('emu-token');
    await ready;
  });

  afterAll(async () => {
    await client?.destroy();
    await emu?.close();
  });

  beforeEach(() => {
    emu.reset();
    handlerErrors.length = 0;
    onInteraction = async () => undefined;
  });

  it('logs in: READY, then the configured guild arrives with its channel', async () => {
    expect(client.isReady()).toBe(true);
    expect(client.user?.id).toBe(emu.botUser.id);
    expect(client.application?.id).toBe(emu.applicationId);
    const identify = emu.identifies.at(-1);
    expect(identify?.token).toBe('emu-token');
    expect(identify?.shard).toEqual([0, 1]);
    const expected =
      GatewayIntentBits.Guilds |
      GatewayIntentBits.GuildMessages |
      GatewayIntentBits.MessageContent |
      GatewayIntentBits.DirectMessages;
    expect(identify?.intents).toBe(expected);
    await emu.waitFor(() => client.guilds.cache.get(GUILD_ID));
    expect(textChannel().name).toBe('general');
  });

  it('slash command with an attachment: defer, progress edit, edit with a file', async () => {
    const input = randomBytes(1500);
    const video = randomBytes(4096);
    let downloaded: Buffer | undefined;
    let prompt: string | null = null;
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      prompt = interaction.options.getString('prompt');
      const image = interaction.options.getAttachment('image', true);
      await interaction.deferReply();
      downloaded = Buffer.from(await (await fetch(image.url)).arrayBuffer());
      await interaction.editReply('50%');
      await interaction.editReply({ content: 'done', files: [{ attachment: video, name: 'v.mp4' }] });
    };

    const handle = await emu.slashCommand({
      channelId: CHANNEL_ID,
      user: alice,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'a cat surfing' }],
      attachments: { image: { filename: 'cat.png', contentType: 'image/png', bytes: input } },
    });
    const ack = await handle.waitForAck();
    expect(ack.type).toBe(5);
    expect(handle.ackLatencyMs).toBeGreaterThanOrEqual(0);
    expect(handle.ackLatencyMs).toBeLessThan(3000);

    const final = await handle.waitForOriginal((m) => m.content === 'done');
    expect(handlerErrors).toEqual([]);
    expect(prompt).toBe('a cat surfing');
    expect(downloaded?.equals(input)).toBe(true);
    expect(
      handle.edits().map((v) => [v.content, v.flags & MessageFlags.Loading, v.attachments.length]),
    ).toEqual([
      ['', MessageFlags.Loading, 0],
      ['50%', 0, 0],
      ['done', 0, 1],
    ]);
    const [file] = final.attachments;
    expect(file?.filename).toBe('v.mp4');
    expect(file?.bytes.equals(video)).toBe(true);
    const served = Buffer.from(await (await fetch(file?.url ?? '')).arrayBuffer());
    expect(served.equals(video)).toBe(true);
    expect(final.type).toBe(20);
    expect(final.author.id).toBe(emu.botUser.id);
    // The edit with the file went out as multipart with payload_json + files[0].
    const upload = emu.requests.find((r) => r.files.length > 0);
    expect(upload?.route).toBe('PATCH /webhooks/:application_id/:token/messages/@original');
    expect(upload?.files[0]?.field).toBe('files[0]');
  });

  it('ephemeral reply and follow-ups; member permissions come from the payload', async () => {
    let canManage: boolean | undefined;
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      canManage = interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild);
      await interaction.reply({ content: 'only you see this', flags: MessageFlags.Ephemeral });
      await interaction.followUp({ content: 'public follow-up' });
      await interaction.followUp({ content: 'secret follow-up', flags: MessageFlags.Ephemeral });
    };
    const handle = await emu.slashCommand({
      channelId: CHANNEL_ID,
      user: alice,
      name: 'quota',
      permissions: '32',
    });
    await emu.waitFor(() => handle.followups().length === 2);
    expect(handlerErrors).toEqual([]);
    expect(canManage).toBe(true);
    expect(handle.ack?.type).toBe(4);
    expect(handle.ack?.ephemeral).toBe(true);
    expect(handle.original()?.ephemeral).toBe(true);
    expect(handle.followups().map((m) => [m.content, m.ephemeral])).toEqual([
      ['public follow-up', false],
      ['secret follow-up', true],
    ]);
    const seenByBob = emu.messages(CHANNEL_ID, { viewer: bob.id }).map((m) => m.content);
    expect(seenByBob).toEqual(['public follow-up']);
    const seenByAlice = emu.messages(CHANNEL_ID, { viewer: alice.id }).map((m) => m.content);
    expect(seenByAlice).toEqual(['only you see this', 'public follow-up', 'secret follow-up']);
  });

  it('a 429 on the webhook PATCH: discord.js waits Retry-After, then succeeds', async () => {
    emu.configure({
      rateLimit: {
        route: 'PATCH /webhooks/:application_id/:token/messages/@original',
        times: 1,
        retryAfterSeconds: 1,
      },
    });
    let elapsed = 0;
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      const started = Date.now();
      await interaction.editReply('after the rate limit');
      elapsed = Date.now() - started;
    };
    const handle = await emu.slashCommand({ channelId: CHANNEL_ID, user: alice, name: 'imagine' });
    await handle.waitForOriginal((m) => m.content === 'after the rate limit', 5000);
    await emu.waitFor(() => elapsed > 0);
    expect(handlerErrors).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(emu.rateLimitHits).toHaveLength(1);
    expect(emu.rateLimitHits[0]?.cause).toBe('fault');
    const patches = emu.requests.filter((r) => r.route?.startsWith('PATCH /webhooks'));
    expect(patches.map((r) => r.status)).toEqual([429, 200]);
    expect(patches[1]?.at ?? 0).toBeGreaterThanOrEqual((patches[0]?.at ?? 0) + 1000);
  });

  it('MESSAGE_CREATE with a reply and an attachment reaches messageCreate', async () => {
    const original = await textChannel().send('render finished');
    const received = new Promise<Message>((resolve) => {
      const listener = (message: Message): void => {
        if (message.author.id !== alice.id) return;
        client.off(Events.MessageCreate, listener);
        resolve(message);
      };
      client.on(Events.MessageCreate, listener);
    });
    const stored = await emu.userMessage({
      channelId: CHANNEL_ID,
      author: alice,
      content: 'make it longer',
      mentionsBot: true,
      replyTo: original.id,
      attachments: [{ filename: 'ref.txt', contentType: 'text/plain', bytes: 'reference' }],
    });
    const message = await received;
    expect(message.id).toBe(stored.id);
    expect(message.content).toBe(`<@${emu.botUser.id}> make it longer`);
    expect(message.reference?.messageId).toBe(original.id);
    expect(message.mentions.users.has(emu.botUser.id)).toBe(true);
    expect(message.mentions.repliedUser?.id).toBe(emu.botUser.id);
    const attachment = message.attachments.first();
    expect(attachment?.name).toBe('ref.txt');
    expect(await (await fetch(attachment?.url ?? '')).text()).toBe('reference');
    // The bot's own message was stored too, and is what a user sees in the channel.
    expect(emu.messages(CHANNEL_ID).map((m) => m.content)).toEqual(['render finished', stored.content]);
  });

  it('button → showModal → modal submit → update of the panel message', async () => {
    onInteraction = async (interaction) => {
      if (interaction.isChatInputCommand()) {
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId('open').setLabel('Edit prompt').setStyle(ButtonStyle.Primary),
        );
        await interaction.reply({ content: 'panel', components: [row] });
      } else if (interaction.isButton()) {
        const modal = new ModalBuilder()
          .setCustomId('prompt-modal')
          .setTitle('Prompt')
          .addLabelComponents((label) =>
            label
              .setLabel('Prompt')
              .setTextInputComponent((input) =>
                input.setCustomId('prompt').setStyle(TextInputStyle.Paragraph),
              ),
          );
        await interaction.showModal(modal);
      } else if (interaction.isModalSubmit() && interaction.isFromMessage()) {
        await interaction.update({
          content: `prompt: ${interaction.fields.getTextInputValue('prompt')}`,
          components: [],
        });
      }
    };
    const command = await emu.slashCommand({ channelId: CHANNEL_ID, user: alice, name: 'panel' });
    const panel = await command.waitForOriginal();
    const click = await emu.button({ message: panel, customId: 'open', user: alice });
    expect((await click.waitForAck()).type).toBe(9);
    expect(click.modal()?.customId).toBe('prompt-modal');
    const submit = await emu.modalSubmit({ from: click, fields: { prompt: 'a red fox at dawn' } });
    expect((await submit.waitForAck()).type).toBe(7);
    expect(handlerErrors).toEqual([]);
    expect(panel.versions.map((v) => [v.content, v.components.length])).toEqual([
      ['panel', 1],
      ['prompt: a red fox at dawn', 0],
    ]);
    expect(submit.original()?.id).toBe(panel.id);
  });

  it('message context menu carries the target message', async () => {
    const target = await emu.userMessage({
      channelId: CHANNEL_ID,
      author: alice,
      content: 'a lighthouse in fog',
    });
    onInteraction = async (interaction) => {
      if (!interaction.isMessageContextMenuCommand()) return;
      await interaction.reply({
        content: `target: ${interaction.targetMessage.content}`,
        flags: MessageFlags.Ephemeral,
      });
    };
    const handle = await emu.messageContextMenu({ name: 'Make video', targetMessage: target, user: alice });
    const reply = await handle.waitForOriginal();
    expect(handlerErrors).toEqual([]);
    expect(reply.content).toBe('target: a lighthouse in fog');
    expect(reply.type).toBe(23);
  });

  it('an expired interaction token makes editReply fail with 401 / 50027', async () => {
    let failure: unknown;
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      await sleep(300);
      await interaction.editReply('too late').catch((error: unknown) => {
        failure = error;
      });
    };
    const handle = await emu.slashCommand({
      channelId: CHANNEL_ID,
      user: alice,
      name: 'imagine',
      tokenTtlMs: 200,
    });
    await handle.waitForAck();
    await emu.waitFor(() => failure);
    expect(failure).toBeInstanceOf(DiscordAPIError);
    expect((failure as DiscordAPIError).status).toBe(401);
    expect((failure as DiscordAPIError).code).toBe(50027);
    expect(handle.edits().map((v) => v.content)).toEqual(['']);
  });

  it('registers global and guild commands through client.application.commands.set', async () => {
    const application = client.application;
    if (application === null) throw new Error('no application');
    await application.commands.set([
      {
        name: 'imagine',
        description: 'Turn a prompt into a video',
        options: [
          {
            type: ApplicationCommandOptionType.String,
            name: 'prompt',
            description: 'What to make',
            required: true,
          },
          { type: ApplicationCommandOptionType.Attachment, name: 'image', description: 'Reference image' },
        ],
      },
      { name: 'Make video', type: ApplicationCommandType.Message },
    ]);
    await application.commands.set([{ name: 'quota', description: 'Show your quota' }], GUILD_ID);
    expect(emu.registeredCommands().map((c) => [c.name, c.type])).toEqual([
      ['imagine', 1],
      ['Make video', 3],
    ]);
    expect(emu.registeredCommands(GUILD_ID).map((c) => c.name)).toEqual(['quota']);
    const quota = emu.registeredCommands(GUILD_ID)[0];
    const handle = await emu.slashCommand({ channelId: CHANNEL_ID, user: alice, name: 'quota' });
    expect((handle.payload.data as { id: string }).id).toBe(quota?.id);

    const invalid = await application.commands
      .set([{ name: 'Bad Name', description: 'x' }])
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(DiscordAPIError);
    expect((invalid as DiscordAPIError).code).toBe(50035);
  });

  it('validates localization dicts as Discord does: its locale keys, 1–100 character descriptions, name rules', async () => {
    const application = client.application;
    if (application === null) throw new Error('no application');
    const option = (extra: Record<string, unknown>) => ({
      type: ApplicationCommandOptionType.String as const,
      name: 'state',
      description: 'on or off',
      choices: [{ name: 'on', value: 'on', name_localizations: { 'zh-CN': '开' } }],
      ...extra,
    });
    await application.commands.set(
      [
        {
          name: 'settings',
          description: 'See the rules',
          descriptionLocalizations: { 'zh-CN': '查看规则' },
          nameLocalizations: { 'zh-CN': '设置' },
          options: [option({ description_localizations: { 'zh-CN': '开或关' } })],
        },
      ],
      GUILD_ID,
    );
    const stored = emu.registeredCommands(GUILD_ID)[0];
    expect(stored?.raw).toMatchObject({ description_localizations: { 'zh-CN': '查看规则' } });
    const listed = (await application.commands.fetch({ guildId: GUILD_ID, withLocalizations: true })).first();
    expect(listed?.descriptionLocalizations).toEqual({ 'zh-CN': '查看规则' });

    const refused = async (body: Record<string, unknown>) => {
      const error = await application.commands
        .set([{ name: 'settings', description: 'See the rules', ...body }], GUILD_ID)
        .catch((e: unknown) => e);
      expect(error, JSON.stringify(body)).toBeInstanceOf(DiscordAPIError);
      expect((error as DiscordAPIError).code).toBe(50035);
    };
    // `zh` and `en` are not Discord locales (`zh-CN`, `en-US` are).
    await refused({ descriptionLocalizations: { zh: '查看规则' } });
    await refused({ descriptionLocalizations: { 'zh-CN': 'x'.repeat(101) } });
    await refused({ descriptionLocalizations: { 'zh-CN': '' } });
    await refused({ nameLocalizations: { 'zh-CN': 'Settings' } });
    await refused({ nameLocalizations: { 'zh-CN': '设 置' } });
    await refused({ options: [option({ description_localizations: { en: 'on or off' } })] });
    await refused({ options: [option({ name_localizations: { 'zh-CN': 'x'.repeat(33) } })] });
    await refused({
      options: [
        option({ choices: [{ name: 'on', value: 'on', name_localizations: { 'zh-CN': 'x'.repeat(101) } }] }),
      ],
    });
  });

  it('REST basics: auth, unknown routes, JSON content type, rate-limit headers', async () => {
    const unauthorized = await fetch(`${emu.apiBase}/v10/channels/${CHANNEL_ID}`);
    expect(unauthorized.status).toBe(401);
    const missing = await fetch(`${emu.apiBase}/v10/nothing/here`, { headers: { Authorization: 'Bot x' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(await missing.json()).toEqual({ message: '404: Not Found', code: 0 });
    const sent = await fetch(`${emu.apiBase}/v10/channels/${CHANNEL_ID}/messages`, {
      method: 'POST',
      headers: { Authorization: 'Bot x', 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'x'.repeat(2001) }),
    });
    expect(sent.status).toBe(400);
    expect(((await sent.json()) as { code: number }).code).toBe(50035);
    expect(sent.headers.get('x-ratelimit-limit')).toBe('5');
    expect(sent.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(emu.requests.map((r) => r.status)).toEqual([401, 404, 400]);
  });
});

describe('gateway and platform rules (two shards, no MessageContent intent, tight limits)', () => {
  let emu2: DiscordEmulator;
  let bot: Client;
  const guildIds: string[] = [];
  const carol: UserInput = { id: snowflake(), username: 'carol' };
  const received: Message[] = [];

  beforeAll(async () => {
    emu2 = await startDiscordEmulator({
      shards: 2,
      maxConcurrency: 2,
      ackDeadlineMs: 300,
      rateLimits: { channelMessages: { limit: 2, windowMs: 300 } },
      guilds: [{}, {}, {}, {}],
      users: [carol],
    });
    bot = new Client({
      shards: 'auto',
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
      rest: { api: emu2.apiBase },
    });
    bot.on(Events.MessageCreate, (message) => {
      if (message.author.id === carol.id) received.push(message);
    });
    const ready = once(bot, Events.ClientReady);
    await bot.login('emu-token');
    await ready;
    await emu2.waitFor(() => bot.guilds.cache.size === 4);
    guildIds.push(...bot.guilds.cache.keys());
  });

  afterAll(async () => {
    await bot?.destroy();
    await emu2?.close();
  });

  beforeEach(() => {
    emu2.reset();
    received.length = 0;
  });

  function firstChannel(guildId: string): string {
    const id = emu2.guild(guildId)?.channelIds[0];
    if (id === undefined) throw new Error('guild without channel');
    return id;
  }

  it('identifies both shards and sends each guild on its own shard', () => {
    expect(emu2.sessions().map((s) => s.shard)).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const guild of bot.guilds.cache.values()) {
      expect(guild.shardId).toBe(Number((BigInt(guild.id) >> 22n) % 2n));
    }
  });

  it('blanks message content without the MessageContent intent unless the bot is mentioned', async () => {
    const channelId = firstChannel(guildIds[0] ?? '');
    await emu2.userMessage({ channelId, author: carol, content: 'plain text' });
    await emu2.userMessage({ channelId, author: carol, content: 'hey', mentionsBot: true });
    await emu2.waitFor(() => received.length === 2);
    expect(received.map((m) => m.content)).toEqual(['', `<@${emu2.botUser.id}> hey`]);
  });

  it('replays missed events when discord.js resumes after a dropped connection', async () => {
    const guildId = guildIds[1] ?? '';
    const shard = Number((BigInt(guildId) >> 22n) % 2n);
    emu2.disconnect({ shard });
    await emu2.userMessage({
      channelId: firstChannel(guildId),
      author: carol,
      content: 'sent while away',
      mentionsBot: true,
    });
    await emu2.waitFor(() => received.length === 1, 5000);
    expect(received[0]?.content).toContain('sent while away');
    expect(emu2.identifies.filter((i) => i.shard?.[0] === shard)).toHaveLength(1);
    expect(emu2.sessions().find((s) => s.shard[0] === shard)?.connected).toBe(true);
  });

  it('a callback after the ack deadline is refused with 10062', async () => {
    let failure: unknown;
    const listener = (interaction: Interaction): void => {
      if (!interaction.isChatInputCommand()) return;
      void sleep(400)
        .then(() => interaction.reply('late'))
        .catch((error: unknown) => {
          failure = error;
        });
    };
    bot.on(Events.InteractionCreate, listener);
    try {
      const handle = await emu2.slashCommand({
        channelId: firstChannel(guildIds[0] ?? ''),
        user: carol,
        name: 'slow',
      });
      await emu2.waitFor(() => failure);
      expect((failure as DiscordAPIError).code).toBe(10062);
      expect(handle.ack).toBeUndefined();
      expect(handle.callbacks.map((c) => [c.status, c.errorCode])).toEqual([[404, 10062]]);
    } finally {
      bot.off(Events.InteractionCreate, listener);
    }
  });

  it('discord.js honours the bucket headers: it waits instead of hitting 429', async () => {
    const channel = bot.channels.cache.get(firstChannel(guildIds[2] ?? '')) as TextChannel;
    const started = Date.now();
    for (let i = 0; i < 5; i += 1) await channel.send(`update ${i}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(emu2.rateLimitHits).toEqual([]);
    const sent = emu2.requests.filter((r) => r.route === 'POST /channels/:channel_id/messages');
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('DMs: the bot opens a DM and sends; a user with closed DMs answers 50007', async () => {
    const dm = await bot.users.createDM(carol.id);
    await dm.send('your video is ready');
    expect(emu2.messages(dm.id).map((m) => m.content)).toEqual(['your video is ready']);
    emu2.addUser({ id: carol.id, dmsClosed: true });
    const refused = await dm.send('again').catch((error: unknown) => error);
    expect((refused as DiscordAPIError).code).toBe(50007);
    emu2.addUser({ id: carol.id, dmsClosed: false });
  });
});
