import {
  MessageFlags,
  type ButtonInteraction,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import { z } from 'zod';
import { prefillPrompt, promptFromMention } from '../../commands/animate.js';
import { pickLanguage, translator, type Invocation, type Translator } from '../../src/port.js';
import { ANIMATE_MENU_NAME } from './command-json.js';
import { discordDelivery, dispatch, mentionPattern, type DiscordContext } from './context.js';
import { decodeChatInput, isSpaceAdmin, parentChannelIdOf, spaceIdOf } from './decode.js';
import { discordFormatIn } from './format.js';
import { createInteractionReply } from './interaction-reply.js';
import { imagesOfMessages, videoOfMessages } from './message-images.js';
import {
  AGAIN_PREFIX,
  ANIMATE_MODAL_PREFIX,
  CANCEL_PREFIX,
  DELETE_PREFIX,
  EXTEND_MODAL_PREFIX,
  EXTEND_PREFIX,
  MODAL_PROMPT_LIMIT,
  MODEL_FIELD,
  SECONDS_FIELD,
  extendModal,
  PROMPT_FIELD,
  VARY_MODAL_PREFIX,
  VARY_PREFIX,
  promptModal,
} from './render.js';

/**
 * Interactions: slash commands, the buttons on a job's message, the Animate message menu and the two prompt
 * modals (Animate, Vary). Each that runs a command becomes an Invocation for the core; opening a modal is
 * presentation only. One this version does not know (left by an older one) goes to the core too, which
 * answers it: Discord shows "The application did not respond" for any interaction left unanswered for 3 s.
 */

/** What the Animate menu remembers between opening the modal and its submission. */
const pendingAnimateSchema = z.object({
  images: z.array(
    z.object({ url: z.string(), name: z.string(), ref: z.string(), size: z.number().optional() }),
  ),
});
/** What the Extend button remembers for its form: the video on the pressed message (its platform copy). */
const pendingExtendSchema = z.object({
  video: z
    .object({ url: z.string(), name: z.string(), ref: z.string(), size: z.number().optional() })
    .optional(),
});
const PENDING_TTL_MS = 15 * 60_000;
/** /imagine's prompt limit, which the forms' note points to. */
const FULL_PROMPT_CHARS = 4096;

/**
 * The language of the adapter's own answers before any invocation (a form, a refusal to open one): the
 * user's locale, else the server's, else English. The server's `/settings language` is the core's to read.
 */
function privateTr(interaction: RepliableInteraction): Translator {
  return translator(pickLanguage([interaction.locale, interaction.guildLocale]));
}
const fullPromptHint = (tr: Translator) => tr.t('discord.form.fullPromptHint', { max: FULL_PROMPT_CHARS });

const BUTTONS = [
  [AGAIN_PREFIX, 'again'],
  [CANCEL_PREFIX, 'cancel'],
  [DELETE_PREFIX, 'delete'],
] as const;

/**
 * What an interaction this version does not handle names (a context menu, button, select menu or form left
 * by an older version): a name no registry entry can have (they hold no colon), so the core answers it as a
 * command that is no longer available instead of leaving it to time out as "The application did not respond".
 */
function staleCommandName(interaction: RepliableInteraction): string {
  if (interaction.isCommand()) return `menu:${interaction.commandName}`;
  const kind = interaction.isButton() ? 'button' : interaction.isModalSubmit() ? 'modal' : 'select';
  return `${kind}:${interaction.customId.split(':')[0] ?? ''}`;
}

/** The invocation of a command from any interaction: who, where, and the delivery to deduplicate. */
function invocationOf(
  interaction: RepliableInteraction,
  command: string,
  options: Invocation['options'],
  images: Invocation['images'] = [],
): Invocation {
  return {
    platform: 'discord',
    spaceId: spaceIdOf(interaction),
    channelId: interaction.channelId ?? '',
    parentChannelId: parentChannelIdOf(interaction),
    userId: interaction.user.id,
    userName: interaction.user.username,
    locale: interaction.locale,
    spaceLocale: interaction.guildLocale ?? undefined,
    isSpaceAdmin: isSpaceAdmin(interaction),
    command,
    options,
    images,
    delivery: discordDelivery(interaction.id, 'interaction'),
  };
}

export function createInteractionHandler(context: DiscordContext) {
  const run = async (interaction: RepliableInteraction, invocation: Invocation) => {
    const reply = createInteractionReply(interaction, context.replyDeps);
    await dispatch(context, invocation, reply);
    await reply.settle();
  };

  /**
   * Opening a form (and remembering the Animate form's images) is the adapter's own work, before any
   * invocation: it happens only where the bot works. Everything else the core refuses by itself.
   */
  async function refusedHere(interaction: RepliableInteraction): Promise<boolean> {
    const spaceId = spaceIdOf(interaction);
    if (context.core().allows({ platform: 'discord', spaceId })) return false;
    const content = discordFormatIn(privateTr(interaction).language).notEnabled(spaceId);
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    return true;
  }

  async function onVary(interaction: ButtonInteraction, jobId: string): Promise<void> {
    if (await refusedHere(interaction)) return;
    const tr = privateTr(interaction);
    const record = await context.core().recall(jobId);
    if (!record) {
      await interaction.reply({ content: tr.t('discord.tooOld'), flags: MessageFlags.Ephemeral });
      return;
    }
    const prefill = prefillPrompt(record.request.prompt, MODAL_PROMPT_LIMIT, fullPromptHint(tr), tr);
    await interaction.showModal(
      promptModal(tr, `${VARY_MODAL_PREFIX}${jobId}`, tr.t('discord.form.varyTitle'), prefill),
    );
  }

  async function onExtend(interaction: ButtonInteraction, jobId: string): Promise<void> {
    if (await refusedHere(interaction)) return;
    const tr = privateTr(interaction);
    const record = await context.core().recall(jobId);
    if (!record) {
      await interaction.reply({ content: tr.t('discord.tooOld'), flags: MessageFlags.Ephemeral });
      return;
    }
    const video = videoOfMessages([interaction.message]);
    await context
      .core()
      .pending.set(`discord:extend:${interaction.id}`, video ? { video } : {}, PENDING_TTL_MS);
    const prefill = prefillPrompt(record.request.prompt, MODAL_PROMPT_LIMIT, fullPromptHint(tr), tr);
    await interaction.showModal(
      extendModal(tr, `${EXTEND_MODAL_PREFIX}${jobId}:${interaction.id}`, prefill, record.request.seconds),
    );
  }

  async function onAnimateMenu(interaction: MessageContextMenuCommandInteraction): Promise<void> {
    if (await refusedHere(interaction)) return;
    const tr = privateTr(interaction);
    const target = interaction.targetMessage;
    const images = imagesOfMessages([target]);
    if (images.length === 0) {
      await interaction.reply({ content: tr.t('discord.animate.noImages'), flags: MessageFlags.Ephemeral });
      return;
    }
    // The modal's custom id cannot hold the images, and the submission does not carry the target message.
    await context.core().pending.set(`discord:animate:${interaction.id}`, { images }, PENDING_TTL_MS);
    const me = context.client.user;
    const text = me ? promptFromMention(target.content, mentionPattern(me.id)) : '';
    const prefill = prefillPrompt(text, MODAL_PROMPT_LIMIT, fullPromptHint(tr), tr);
    const models = await context.core().modelsFor({ platform: 'discord', spaceId: spaceIdOf(interaction) });
    await interaction.showModal(
      promptModal(
        tr,
        `${ANIMATE_MODAL_PREFIX}${interaction.id}`,
        tr.t('discord.form.animateTitle'),
        prefill,
        models,
      ),
    );
  }

  async function onModalSubmit(interaction: ModalSubmitInteraction): Promise<void> {
    // Read only for our own forms: a stale form may have no such field.
    const prompt = () => interaction.fields.getTextInputValue(PROMPT_FIELD);
    if (interaction.customId.startsWith(ANIMATE_MODAL_PREFIX)) {
      if (await refusedHere(interaction)) return;
      const key = `discord:animate:${interaction.customId.slice(ANIMATE_MODAL_PREFIX.length)}`;
      const pending = pendingAnimateSchema.safeParse(await context.core().pending.get(key));
      if (!pending.success) {
        await interaction.reply({
          content: privateTr(interaction).t('discord.form.expired'),
          flags: MessageFlags.Ephemeral,
        });
        return;
      }
      // The picker is there only when the server allows more than one model; none chosen is the default.
      const model = interaction.fields.fields.has(MODEL_FIELD)
        ? interaction.fields.getStringSelectValues(MODEL_FIELD)[0]
        : undefined;
      const options = { prompt: prompt(), ...(model === undefined ? {} : { model }) };
      await run(interaction, invocationOf(interaction, 'imagine', options, pending.data.images));
      await context.core().pending.delete(key);
      return;
    }
    if (interaction.customId.startsWith(EXTEND_MODAL_PREFIX)) {
      const [job = '', pressed = ''] = interaction.customId.slice(EXTEND_MODAL_PREFIX.length).split(':');
      const key = `discord:extend:${pressed}`;
      const pending = pendingExtendSchema.safeParse(await context.core().pending.get(key));
      const seconds = interaction.fields.getTextInputValue(SECONDS_FIELD).trim();
      const invocation = invocationOf(interaction, 'extend', {
        job,
        prompt: prompt(),
        ...(seconds === '' ? {} : { seconds }),
      });
      // Without what the press remembered (expired), the video comes from the video service alone.
      if (pending.success && pending.data.video) invocation.video = pending.data.video;
      await run(interaction, invocation);
      await context.core().pending.delete(key);
      return;
    }
    if (interaction.customId.startsWith(VARY_MODAL_PREFIX)) {
      const job = interaction.customId.slice(VARY_MODAL_PREFIX.length);
      await run(interaction, invocationOf(interaction, 'vary', { job, prompt: prompt() }));
      return;
    }
    await run(interaction, invocationOf(interaction, staleCommandName(interaction), {}));
  }

  return async function onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) {
      await run(interaction, {
        ...decodeChatInput(interaction),
        delivery: discordDelivery(interaction.id, 'interaction'),
      });
      return;
    }
    if (interaction.isMessageContextMenuCommand() && interaction.commandName === ANIMATE_MENU_NAME) {
      await onAnimateMenu(interaction);
      return;
    }
    if (interaction.isButton()) {
      if (interaction.customId.startsWith(EXTEND_PREFIX)) {
        await onExtend(interaction, interaction.customId.slice(EXTEND_PREFIX.length));
        return;
      }
      if (interaction.customId.startsWith(VARY_PREFIX)) {
        await onVary(interaction, interaction.customId.slice(VARY_PREFIX.length));
        return;
      }
      const button = BUTTONS.find(([prefix]) => interaction.customId.startsWith(prefix));
      if (button) {
        const job = interaction.customId.slice(button[0].length);
        await run(interaction, invocationOf(interaction, button[1], { job }));
        return;
      }
    }
    if (interaction.isModalSubmit()) {
      await onModalSubmit(interaction);
      return;
    }
    if (interaction.isRepliable()) {
      await run(interaction, invocationOf(interaction, staleCommandName(interaction), {}));
      return;
    }
    // Autocomplete: the bot registers no autocompleted option, and it cannot be answered with a message.
    context.log.debug({ type: interaction.type }, 'unhandled interaction');
  };
}
