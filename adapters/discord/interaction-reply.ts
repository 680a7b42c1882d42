import { InteractionResponseType, MessageFlags, Routes, type RepliableInteraction } from 'discord.js';
import { z } from 'zod';
import type { GenerationReply, ReplyTextOptions, Visibility } from '../../src/port.js';
import { jobToCome } from './job-to-come.js';
import { NO_MENTIONS } from './render.js';
import { DEFAULT_ATTACHMENT_LIMIT, createDiscordReply, type DiscordReplyDeps } from './reply.js';

/**
 * The Reply for an interaction (slash command, button, modal), acknowledged the way the core says once it
 * knows the command: a job defers publicly and its reply message becomes the job's (the deferral's response
 * names it, for links); a private answer defers ephemerally; a button press stays unacknowledged until it is
 * refused (an ephemeral reply) or done (`settle`, a deferred update). A refusal before any acknowledgement
 * (restarting, unknown command, a job too old to repeat) is an ephemeral reply.
 */
export interface InteractionReply extends GenerationReply {
  /** Acknowledges a press that needed no answer; Discord requires one within 3 seconds. */
  settle(): Promise<void>;
}

const callbackAnswerSchema = z.object({
  resource: z.object({ message: z.object({ id: z.string() }).nullish() }).nullish(),
});

/**
 * Defers publicly and returns the id of the message the deferral created, what the job's record needs for
 * links and for edits once the token has expired. discord.js's `deferReply({ withResponse: true })` would
 * also build a Message from the answer and add it to the channel's cache, on the main thread while a burst of
 * commands waits for its turn, and every progress edit would then update that cached copy; the id is all the
 * job uses. The interaction is marked deferred as discord.js marks it, so its later calls (editReply,
 * followUp) behave as after its own deferReply.
 */
async function deferForJob(interaction: RepliableInteraction): Promise<string | undefined> {
  const answer: unknown = await interaction.client.rest.post(
    Routes.interactionCallback(interaction.id, interaction.token),
    {
      body: { type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: 0 } },
      auth: false,
      query: new URLSearchParams({ with_response: 'true' }),
    },
  );
  interaction.deferred = true;
  interaction.ephemeral = false;
  return callbackAnswerSchema.safeParse(answer).data?.resource?.message?.id;
}

export function createInteractionReply(
  interaction: RepliableInteraction,
  replyDeps: () => DiscordReplyDeps,
): InteractionReply {
  let job: GenerationReply | undefined;
  let visibility: Visibility | undefined;
  const answer = async (content: string) => {
    if (visibility === 'private') await interaction.editReply({ content, allowedMentions: NO_MENTIONS });
    else await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  };

  const reply: InteractionReply = {
    get ref() {
      return job?.ref;
    },
    // The job's own reply needs only the token: the job keeps it, not this wrapper with its interaction.
    forJob: () => job ?? reply,
    async acknowledge(kind, language) {
      visibility = kind;
      if (kind === 'private') {
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      } else if (kind === 'job') {
        const messageId = await deferForJob(interaction);
        job = createDiscordReply(
          {
            kind: 'interaction',
            applicationId: interaction.applicationId,
            token: interaction.token,
            channelId: interaction.channelId ?? '',
            userId: interaction.user.id,
            createdAt: Date.now(),
            attachmentSizeLimit: interaction.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT,
            messageId,
          },
          replyDeps(),
          language,
        );
      }
    },
    async text(message: string, options?: ReplyTextOptions) {
      if (job) await job.text(message, options);
      else await answer(message);
    },
    async fail(error, record) {
      if (job) await job.fail(error, record);
      else await answer(visibility === 'private' ? `⚠️ ${error.userMessage}` : error.userMessage);
    },
    ...jobToCome(() => job, replyDeps),
    async remove() {
      if (!interaction.isMessageComponent()) throw new Error('only a button can remove its message');
      await interaction.deferUpdate();
      // After a deferred update, "@original" is the message the button is on: the bot's own result.
      await interaction.deleteReply();
    },
    async settle() {
      if (interaction.isMessageComponent() && !interaction.replied && !interaction.deferred) {
        await interaction.deferUpdate();
      }
    },
  };
  return reply;
}
