/** Texts only the Discord adapter shows (adapters/discord/): `discord.<what>`. */
export const discord = {
  // The Formatter's words (src/port.ts SpaceWords); Manage Server is what the adapter reads as admin.
  'discord.words.space': 'server',
  'discord.words.spaces': 'servers',
  'discord.words.admins': 'server admins with Manage Server',
  'discord.notEnabled.dm': 'This bot isn’t enabled in direct messages.',
  'discord.notEnabled.server': 'This bot isn’t enabled in this server.',
  'discord.usage': '`/{name}`: {description}.',

  // Buttons under a job's message (public: the job's language).
  'discord.button.cancel': 'Cancel',
  'discord.button.tryAgain': 'Try again',
  'discord.button.again': 'Again',
  'discord.button.vary': 'Vary',
  'discord.button.extend': 'Extend',
  'discord.button.delete': 'Delete',
  /** The end of a finished job's settings line: who asked for it. */
  'discord.caption.by': 'by {user}',
  'discord.notify.link': '{user} your video is ready: {link}',
  'discord.notify.above': '{user} your video is ready (above).',
  'discord.upload.tooLargeLink':
    'The video is {size, number, ::.0} MB, over this channel’s {limit, number} MB upload limit: {url}',
  'discord.upload.tooLargeNoLink':
    'The video is {size, number, ::.0} MB, over this channel’s {limit, number} MB upload limit, and the video service gave no public link to share instead.',
  'discord.expired':
    'This job outlived Discord’s 15-minute reply window, so it continues in this new message.',

  /** The message menu's name for clients in other languages (Discord's name_localizations). */
  'discord.menu.animate': 'Animate',

  // Forms (the presser's language).
  'discord.form.prompt': 'Prompt',
  'discord.form.promptDescription': 'What should happen in the video?',
  'discord.form.model': 'Model',
  'discord.form.seconds': 'Seconds',
  'discord.form.secondsDescription': 'Length of the new clip',
  'discord.form.animateTitle': 'Animate',
  'discord.form.varyTitle': 'Vary this video',
  'discord.form.extendTitle': 'Extend this video',
  'discord.form.extendHint': 'What happens next? The new clip starts from the last frame.',
  'discord.form.fullPromptHint': 'Use /imagine to send a prompt of up to {max, number} characters.',
  'discord.form.expired': 'This form expired. Open **Apps → Animate** on the message again.',
  'discord.tooOld': 'That job is too old to repeat; start a new one with `/imagine`.',
  'discord.animate.noImages':
    'That message has no images to animate. For a video from text alone, use `/imagine`.',

  // Images and videos the bot downloads for a job (the job's language).
  'discord.image.notAttachment': '“{name}” is not a Discord attachment, so the bot will not fetch it.',
  'discord.image.gone': '“{name}” is no longer available on Discord.',
  'discord.image.notGiven': 'Discord did not give the bot “{name}”. Please try again.',
  // An embed's image without a title, named in its refusals.
  'discord.image.embedded': 'embedded image',
  'discord.image.tooLarge': '“{name}” is larger than the {limit, number} MB limit.',

  // Mentions (the space's language: a reply in the channel).
  'discord.mention.noImages':
    'Mention me in a reply to a message with images (or attach images to your mention) and say what should happen, e.g. “@bot make the waves move”. For a video from text alone, use `/imagine`.',
  'discord.mention.noContentIntent':
    'I can’t see the images in the message you replied to: this bot runs without Discord’s Message Content intent. Attach the image to your mention, use **Apps → Animate** on that message, or `/imagine` with an image.',
  'discord.mention.repliedToDeleted':
    'The message you replied to was deleted, so there is nothing left to animate. Reply to a message that is still there, or attach the image to your mention.',
} as const;
