import { translator, type Translator } from '../src/port.js';

/**
 * "Animate" surfaces (reply-to-image mentions, the message menu, the Vary modal) share these rules on every
 * platform, so users see the same default prompt and the same note when a modal cannot hold their prompt.
 */

/**
 * Used when someone points the bot at images without saying what should happen. A prompt for the video
 * model, not a text for people: the same in every language, so the same images make the same kind of video.
 */
export const DEFAULT_ANIMATE_PROMPT =
  'Bring this image to life with natural, gentle motion and a slow cinematic camera move';

export interface ModalPrefill {
  value: string;
  /** Set when the prompt was cut to fit the modal; shown to the user beside the field. */
  note?: string;
}

/**
 * Modal text fields are shorter than the prompt limit (Discord 4,000, Slack 3,000 characters). A longer
 * prompt is cut at a word boundary where one is near, and the note says how to send the whole prompt.
 */
export function prefillPrompt(
  prompt: string,
  maxChars: number,
  fullPromptHint: string,
  tr: Translator = translator('en'),
): ModalPrefill {
  if (prompt.length <= maxChars) return { value: prompt };
  let cut = prompt.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  if (space > maxChars - 200) cut = cut.slice(0, space);
  return {
    value: cut.trimEnd(),
    note: tr.t('commands.animate.shortened', { length: prompt.length, max: maxChars, hint: fullPromptHint }),
  };
}

/** Text a user typed around a mention of the bot, with the mention(s) removed; empty → the default prompt. */
export function promptFromMention(text: string, mentionPattern: RegExp): string {
  const cleaned = text.replace(mentionPattern, ' ').replace(/\s+/g, ' ').trim();
  return cleaned.length > 0 ? cleaned : DEFAULT_ANIMATE_PROMPT;
}
