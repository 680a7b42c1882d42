/** Texts only the Slack adapter shows (adapters/slack/): `slack.<what>`. */
export const slack = {
  // The Formatter's words (src/port.ts SpaceWords): is_admin or is_owner of this team.
  'slack.words.space': 'workspace',
  'slack.words.spaces': 'workspaces',
  'slack.words.admins': 'workspace admins and owners',
  /** A Slack DM belongs to its workspace, so one sentence covers channels and DMs. */
  'slack.notEnabled': 'This bot isn’t enabled in this workspace.',
  'slack.usage.short': 'Usage: `/{name} {hint}`',
  'slack.usage.prompt':
    "Usage: `/{name} '<prompt>' [flags]`, e.g. `/{name} a fox running through snow --ar 9:16 --seconds 8`\nFlags: {flags}. To animate images, mention the bot in a thread under a message with images.",
  'slack.usage.flag': '`--{flag}` {description}',
  'slack.flags.unknown': 'Unknown option “--{name}”. Options are {known}.',
  'slack.flags.needsValue': '“--{name}” needs a value, e.g. --{name} {example}.',
  'slack.flags.twice': '“--{name}” is given twice.',

  // Buttons under a job's message (public: the job's language).
  'slack.button.cancel': 'Cancel',
  'slack.button.tryAgain': 'Try again',
  'slack.button.again': 'Again',
  'slack.button.extend': 'Extend',
  'slack.button.delete': 'Delete',
  /** The buttons message's text (notifications and screen readers show it). */
  'slack.buttons.text': 'Again, Extend or Delete this video',
  'slack.notify': '{user} your video is ready.',
  'slack.upload.tooLargeLink': 'The video is too large to upload here; it is at {url}',
  'slack.upload.tooLargeNoLink':
    'The video is larger than Slack’s upload limit, and the video service gave no public link to share instead.',

  // Answers only the user sees (the user's language, else the job's).
  'slack.unreachable.otherPeople':
    'I can’t post in a conversation between other people. Use the command in a channel I’m in, or in your DM with me. Nothing was started or charged.',
  'slack.unreachable.notInChannel':
    'I’m not in this channel. Invite me with `/invite @{bot}` and try again. Nothing was started or charged.',
  /** A private answer that arrives by DM, away from where it was asked. */
  'slack.privateAnswer.inChannel': 'In {channel}: {text}',
  'slack.shortcut.noImages':
    "That message has no images to animate. Use Animate on a message with image files, or `/imagine '<prompt>'` for a video from text alone.",
  'slack.shortcut.fullPromptHint':
    'To use a longer prompt, mention the bot in the message’s thread with the whole prompt (up to {max, number} characters).',
  'slack.extend.tooOld': 'That video is too old to extend; reply to it in its thread with a prompt instead.',
  'slack.form.unreadable': 'This form could not be read; please open it again.',
  'slack.mention.noImages':
    "I found no images to animate here. Post images (or reply in the thread under a message with images) and mention me with what should happen, e.g. “@Grok Video the waves roll in slowly”. For a video from text alone, use `/imagine '<prompt>'`.",

  // Images and videos the bot downloads for a job (the job's language).
  'slack.image.notOnSlack':
    '“{name}” is not stored on Slack’s file servers, so the bot will not fetch it with its Slack credentials.',
  'slack.image.tooLarge': '“{name}” is {size}; the limit is {limit}.',
  'slack.image.overLimit': '“{name}” is larger than the {limit} limit.',
  'slack.image.notHandedOver': 'Slack did not hand over “{name}”. Please try again.',
  'slack.image.cannotOpen':
    'The bot cannot open “{name}” on Slack (it may have been deleted, or the bot lacks the files:read permission).',
  'slack.image.signIn':
    'Slack would not let the bot download “{name}” (the bot may lack the files:read permission).',

  // Forms (the user's language).
  'slack.form.prompt': 'Prompt',
  'slack.form.default': 'Default',
  'slack.form.cancel': 'Cancel',
  'slack.form.animateTitle': 'Animate',
  'slack.form.animateSubmit': 'Animate',
  'slack.form.animating':
    'Animating {count, plural, one {the image} other {# images}} of this message; the video is posted in its thread.',
  'slack.form.extendTitle': 'Extend this video',
  'slack.form.extendHint': 'What happens next? The new clip starts from the last frame.',
  'slack.form.extendSeconds': 'Length of the new clip (seconds)',
  'slack.form.extendSubmit': 'Extend',
} as const;
