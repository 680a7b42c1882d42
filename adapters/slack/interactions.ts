import type { BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { DEFAULT_ANIMATE_PROMPT, prefillPrompt } from '../../commands/animate.js';
import { imagineOptions } from '../../commands/imagine.js';
import { pickLanguage, translator, type Invocation, type Language, type Translator } from '../../src/port.js';
import { dispatch, slackDelivery, type SlackContext } from './context.js';
import {
  animateMetadataSchema,
  animateSubmissionSchema,
  extendMetadataSchema,
  imagesOf,
  messageShortcutSchema,
  slackFileSchema,
  videoOf,
  type ExtendMetadata,
} from './decode.js';
import { slackFormat } from './format.js';
import {
  AGAIN_ACTION,
  ANIMATE_SHORTCUT,
  ANIMATE_VIEW,
  CANCEL_ACTION,
  DELETE_ACTION,
  EXTEND_ACTION,
  EXTEND_VIEW,
  SLACK_MODAL_TEXT_LIMIT,
  animateModal,
  extendModal,
} from './render.js';
import { slackMessageRefSchema } from './reply.js';
import type { ResponseUrl } from './private-answer.js';
import { createSlackActionReply } from './reply.js';
import { decodeSlackText } from './text.js';

/**
 * Buttons on a job's message (Again, Cancel, Delete), the Animate message shortcut and its modal. Each press
 * or submission becomes an Invocation of a registry action; opening the modal is presentation only.
 */

/** /imagine's prompt limit, which the forms' note points to. */
const FULL_PROMPT_CHARS = 4096;
const fullPromptHint = (tr: Translator) => tr.t('slack.shortcut.fullPromptHint', { max: FULL_PROMPT_CHARS });
/** Where the bot is not enabled, in English: no users.info lookup is made there for the user's locale. */
const notEnabled = () => slackFormat(() => undefined).notEnabled('');
/** A form Slack handed back unreadable: no user is known to look up, so English. */

const actionMessageSchema = z.object({
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).optional(),
});

const responseUrlSchema = z.object({ response_url: z.string().min(1).optional() });

/** An interaction's response_url, valid from now for Slack's 30 minutes. */
function responseUrlOf(body: unknown): ResponseUrl | undefined {
  const url = responseUrlSchema.safeParse(body).data?.response_url;
  return url ? { url, issuedAt: Date.now() } : undefined;
}

/** The modal's private_metadata: what the shortcut saw, and its response_url for the user's private answers. */
const animateStateSchema = animateMetadataSchema.extend({
  responseUrl: z.object({ url: z.string(), issuedAt: z.number() }).optional(),
});
type AnimateState = z.infer<typeof animateStateSchema>;

/**
 * A form submission (Animate and Extend share its shape) and the state the bot put in its private_metadata;
 * undefined when either does not parse (a stale or forged view).
 */
/** Who sent a view submission, read apart from the rest so an unreadable form is still answered in their language. */
const submitterSchema = z.object({
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  team: z.object({ id: z.string() }).nullish(),
});

function readSubmission<M extends z.ZodType>(
  body: unknown,
  metadataSchema: M,
):
  | { submission: z.ZodSafeParseSuccess<z.infer<typeof animateSubmissionSchema>>; metadata: z.infer<M> }
  | undefined {
  const submission = animateSubmissionSchema.safeParse(body);
  if (!submission.success) return undefined;
  try {
    const metadata = metadataSchema.safeParse(JSON.parse(submission.data.view.private_metadata));
    return metadata.success ? { submission, metadata: metadata.data } : undefined;
  } catch {
    return undefined;
  }
}

const BUTTON_COMMANDS = {
  [AGAIN_ACTION]: 'again',
  [CANCEL_ACTION]: 'cancel',
  [DELETE_ACTION]: 'delete',
} as const;

export function registerInteractions(context: SlackContext): void {
  const { bolt, log } = context;

  /**
   * A submission that does not parse never reaches the dispatcher, so the settings' language is unknown: the
   * submitter's own locale, where the bot works (elsewhere no users.info lookup, as for commands).
   */
  async function formUnreadable(body: unknown): Promise<string> {
    const who = submitterSchema.safeParse(body).data;
    const teamId = who?.team?.id ?? who?.user.team_id ?? '';
    const enabled = who !== undefined && context.core().allows({ platform: 'slack', spaceId: teamId });
    const locale = enabled ? (await context.lookupUser(who.user.id, teamId)).locale : undefined;
    return translator(pickLanguage([locale])).t('slack.form.unreadable');
  }

  for (const [actionId, command] of Object.entries(BUTTON_COMMANDS)) {
    bolt.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? '';
      const channel = body.channel?.id ?? '';
      const message = actionMessageSchema.safeParse(body).data?.message;
      const responseUrl = responseUrlOf(body);
      const generates = command === 'again';
      const enabled = context.core().allows({ platform: 'slack', spaceId: teamId });
      const user = enabled ? await context.lookupUser(body.user.id, teamId) : undefined;
      const invocation: Invocation = {
        platform: 'slack',
        spaceId: teamId,
        channelId: channel,
        userId: body.user.id,
        userName: body.user.name ?? body.user.username,
        locale: user?.locale,
        isSpaceAdmin: generates ? false : (user?.admin ?? false),
        command,
        options: { job: action.value ?? '' },
        images: [],
        delivery: slackDelivery(`trigger:${body.trigger_id}`),
      };
      // A job that ran in a thread runs again in that thread.
      const reply = generates
        ? context.replyAt(
            {
              kind: 'slack',
              teamId,
              channel,
              userId: body.user.id,
              threadTs: message?.thread_ts,
              responseUrl,
            },
            { locale: user?.locale },
          )
        : createSlackActionReply(
            { channel, userId: body.user.id, ts: message?.ts, threadTs: message?.thread_ts, responseUrl },
            { client: bolt.client, answers: context.answers },
          );
      dispatch(context, invocation, reply);
    });
  }

  /** The Slack file of a job's video (its ref's fileId), for the platform copy; undefined when unknown. */
  async function jobVideo(ref: unknown): Promise<ExtendMetadata['video']> {
    const fileId = slackMessageRefSchema.safeParse(ref).data?.fileId;
    if (!fileId) return undefined;
    try {
      const info = z
        .object({ file: slackFileSchema })
        .safeParse(await bolt.client.files.info({ file: fileId }));
      const video = info.success ? videoOf([info.data.file]) : undefined;
      return video?.url ? { url: video.url, name: video.name.slice(0, 80), size: video.size } : undefined;
    } catch (error) {
      log.debug({ err: error }, 'files.info failed; the video comes from the video service alone');
      return undefined;
    }
  }

  bolt.action<BlockAction<ButtonAction>>(EXTEND_ACTION, async ({ ack, body, action, client }) => {
    await ack();
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const channel = body.channel?.id ?? '';
    const message = actionMessageSchema.safeParse(body).data?.message;
    const responseUrl = responseUrlOf(body);
    const tell = (text: string, language?: Language) =>
      context.answers.tell(
        { channel, userId: body.user.id, threadTs: message?.thread_ts, responseUrl, language },
        text,
      );
    if (!context.core().allows({ platform: 'slack', spaceId: teamId })) {
      await tell(notEnabled());
      return;
    }
    // The form and its refusals in the presser's language when Slack gives it (the lookup is cached).
    const tr = translator(pickLanguage([(await context.lookupUser(body.user.id, teamId)).locale]));
    const job = action.value ?? '';
    const record = await context.core().recall(job);
    if (!record) {
      await tell(tr.t('slack.extend.tooOld'), tr.language);
      return;
    }
    const metadata: ExtendMetadata = {
      teamId,
      channel,
      threadTs: message?.thread_ts,
      job,
      video: await jobVideo(record.messageRef),
      responseUrl,
    };
    const prefill = prefillPrompt(record.request.prompt, SLACK_MODAL_TEXT_LIMIT, fullPromptHint(tr), tr);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: extendModal(tr, prefill, record.request.seconds, JSON.stringify(metadata)) as never,
    });
  });

  bolt.view(EXTEND_VIEW, async ({ ack, body }) => {
    const read = readSubmission(body, extendMetadataSchema);
    if (!read) {
      await ack({ response_action: 'errors', errors: { prompt: await formUnreadable(body) } });
      log.warn('ignoring an Extend submission that does not parse');
      return;
    }
    const { submission: parsed, metadata } = read;
    const values = parsed.data.view.state.values;
    const prompt = values.prompt.prompt.value?.trim() ?? '';
    await ack();
    const userId = parsed.data.user.id;
    const seconds = values.seconds?.seconds.selected_option?.value;
    const invocation: Invocation = {
      platform: 'slack',
      spaceId: metadata.teamId,
      channelId: metadata.channel,
      userId,
      // The form was opened where the bot is enabled (the Extend button checks it); the lookup is cached.
      locale: (await context.lookupUser(userId, metadata.teamId)).locale,
      isSpaceAdmin: false,
      command: 'extend',
      options: { job: metadata.job, prompt, ...(seconds === undefined ? {} : { seconds }) },
      images: [],
      ...(metadata.video ? { video: { ...metadata.video, ref: metadata.video.url } } : {}),
      delivery: slackDelivery(`view:${parsed.data.view.id}`),
    };
    const ref = {
      kind: 'slack' as const,
      teamId: metadata.teamId,
      channel: metadata.channel,
      userId,
      threadTs: metadata.threadTs,
      responseUrl: metadata.responseUrl,
    };
    dispatch(context, invocation, context.replyAt(ref, { locale: invocation.locale }));
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
    const responseUrl = responseUrlOf(body);
    const tell = (text: string, language?: Language) =>
      context.answers.tell(
        { channel: channel.id, userId: user.id, threadTs: message.thread_ts, responseUrl, language },
        text,
      );
    // The form is the adapter's own work, before any invocation: it opens only where the bot works.
    if (!context.core().allows({ platform: 'slack', spaceId: teamId })) {
      await tell(notEnabled());
      return;
    }
    // The form and its refusals in the user's language when Slack gives it (the lookup is cached).
    const tr = translator(pickLanguage([(await context.lookupUser(user.id, teamId)).locale]));
    const threadTs = message.thread_ts ?? message.ts;
    const images = imagesOf(message.files);
    if (images.length === 0) {
      await tell(tr.t('slack.shortcut.noImages'), tr.language);
      return;
    }
    const metadata: AnimateState = {
      teamId,
      channel: channel.id,
      threadTs,
      responseUrl,
      images: images.slice(0, 10).map((image) => ({
        url: image.url ?? '',
        name: image.name.slice(0, 60),
        contentType: image.contentType,
        size: image.size,
      })),
    };
    // The modal's field is plain text: the message as people read it, not Slack's wire form.
    const text = (await decodeSlackText(message.text ?? '', context.names(teamId))).trim();
    const prefill = prefillPrompt(
      text === '' ? DEFAULT_ANIMATE_PROMPT : text,
      SLACK_MODAL_TEXT_LIMIT,
      fullPromptHint(tr),
      tr,
    );
    // A model picker only where there is a choice: the workspace's allowed models, its default preselected.
    const models = await context.core().modelsFor({ platform: 'slack', spaceId: teamId });
    const specs = imagineOptions.flatMap((spec) =>
      spec.name !== 'model'
        ? [spec]
        : models.models.length > 1
          ? [{ ...spec, choices: models.models.map((m) => ({ name: m, value: m })) }]
          : [],
    );
    await client.views.open({
      trigger_id: triggerId,
      view: animateModal(tr, prefill, JSON.stringify(metadata), images.length, specs, {
        model: models.defaultModel,
      }) as never,
    });
  });

  bolt.view(ANIMATE_VIEW, async ({ ack, body }) => {
    const read = readSubmission(body, animateStateSchema);
    if (!read) {
      await ack({ response_action: 'errors', errors: { prompt: await formUnreadable(body) } });
      log.warn('ignoring an Animate submission that does not parse');
      return;
    }
    const { submission: parsed, metadata } = read;
    const values = parsed.data.view.state.values;
    const prompt = values.prompt.prompt.value?.trim() ?? '';
    await ack();
    const userId = parsed.data.user.id;
    const invocation: Invocation = {
      platform: 'slack',
      spaceId: metadata.teamId,
      channelId: metadata.channel,
      userId,
      // The form was opened where the bot is enabled (the shortcut checks it); the user's lookup is cached.
      locale: (await context.lookupUser(userId, metadata.teamId)).locale,
      isSpaceAdmin: false,
      command: 'imagine',
      options: {
        prompt: prompt === '' ? DEFAULT_ANIMATE_PROMPT : prompt,
        seconds: values.seconds?.seconds.selected_option?.value,
        aspect_ratio: values.aspect_ratio?.aspect_ratio.selected_option?.value,
        resolution: values.resolution?.resolution.selected_option?.value,
        model: values.model?.model.selected_option?.value,
      },
      images: metadata.images.map((image) => ({ ...image, ref: image.url })),
      // A view is submitted once; a second delivery of the same submission is a retry.
      delivery: slackDelivery(`view:${parsed.data.view.id}`),
    };
    const ref = {
      kind: 'slack' as const,
      teamId: metadata.teamId,
      channel: metadata.channel,
      userId,
      threadTs: metadata.threadTs,
      // The shortcut's: a modal has none of its own, and the user's answers must reach them where they were.
      responseUrl: metadata.responseUrl,
    };
    dispatch(context, invocation, context.replyAt(ref, { locale: invocation.locale }));
  });
}
