/**
 * The core's own words (src/): the dispatcher's refusals, errors' user messages, the generation rules,
 * quota, jobs and settings refusals. Refusals are private (the user's language); a job's failure is said in
 * the job's language. Keys say where a text is used: `core.<module>.<what>`.
 */
export const core = {
  'core.restarting': 'The bot is restarting; please try again in a moment.',
  'core.noLongerAvailable':
    'This command is no longer available; the bot has been updated since it was set up here. Try `/imagine`.',
  // {command}: "/settings"; {words}: what was typed after it; {known}: the subcommands, each in backticks.
  'core.unknownSubcommand':
    '`{command} {words}` is not a command of this bot (any more). {count, plural, =0 {Use `{command}` alone.} other {Use one of {known}.}}',

  // BotError's default user message for each kind (src/errors.ts).
  'core.error.invalid_input': 'That request is not valid.',
  'core.error.upstream_invalid': 'The video service refused this request.',
  'core.error.misconfigured': 'The bot is misconfigured; an operator has been told. Please try again later.',
  'core.error.rate_limited': 'The video service is busy right now. Please try again in a minute.',
  'core.error.transient': 'The video service is not answering right now. Please try again in a few minutes.',
  'core.error.job_failed': 'The video could not be generated.',
  'core.error.job_cancelled': 'The video generation was cancelled.',
  'core.error.too_many_jobs':
    'You already have as many videos in progress as allowed. Please wait for one to finish.',
  'core.error.job_timeout': 'The video took too long to generate and was abandoned.',
  'core.error.too_large': 'The file is too large.',
  'core.error.quota_exceeded': 'You have used up your video quota.',
  'core.error.forbidden': 'Only an admin can do that.',
  'core.error.not_enabled': 'This bot isn’t enabled here.',
  'core.error.unreachable': 'I can’t post in this channel, so nothing was started or charged.',
  'core.error.aborted': 'The request was stopped.',
  'core.error.internal': 'Something went wrong on our side. Please try again.',

  // src/util/format.ts: a byte size under a kilobyte.
  'core.format.bytes': '{count, number} bytes',
  // Between the items of a plain list (aspect ratio presets).
  'core.format.separator': ', ',
  // Ends a sentence quoted without one (a provider's reason).
  'core.format.fullStop': '.',
  // A quota's reset time, always in UTC. {date}: 2026-11-26; {time}: 00:00.
  'core.format.resetTime': '{date} {time} UTC',
  'core.format.neverResets': 'never (a lifetime allowance)',

  // src/generation/options.ts: the generation options as typed.
  'core.generation.promptEmpty': 'Please describe the video you want: the prompt is empty.',
  'core.generation.promptTooLong': 'Your prompt is {length, number} characters; the limit is {max, number}.',
  // {given}: what was typed.
  'core.generation.secondsNotWhole':
    'The length must be a whole number of seconds from 1 to {max}; “{given}” is not.',
  'core.generation.secondsTooLong': 'A video can be at most {max} seconds long; you asked for {seconds}.',
  'core.generation.secondsTooLongWithImages':
    'With several reference images a video can be at most {max} seconds long; you asked for {seconds}.',
  // {presets}: the preset ratios, comma-separated.
  'core.generation.aspectHelp': 'Use one of {presets}, or a custom width:height such as 5:4.',
  'core.generation.aspectNotRatio': '“{given}” is not an aspect ratio. {help}',
  'core.generation.aspectZero': 'Both sides of an aspect ratio must be above zero. {help}',
  'core.generation.aspectTooWide': '{given} is too wide: the aspect ratio must be between 1:4 and 4:1.',
  'core.generation.aspectTooTall': '{given} is too tall: the aspect ratio must be between 1:4 and 4:1.',
  'core.generation.resolutionInvalid': 'The resolution must be 480P or 720P; “{given}” is not one of them.',
  // {tiers}: "10 s (Pro) or 15 s (Max)".
  'core.generation.tierSeconds': '{model} makes {tiers} videos; “{given}” is not one of them.',
  'core.generation.tier': '{seconds} s ({tier})',
  // {sizes}: "480P, 720P or 1080P".
  'core.generation.sizeInvalid': 'The resolution must be {sizes}; “{given}” is not one of them.',
  'core.generation.modelSizeInvalid': '{model} makes {sizes} videos; “{given}” is not one of them.',

  // src/generation/request.ts: the request as a whole.
  'core.generation.noImages': 'This bot does not take images.',
  'core.generation.tooManyImages': 'You attached {count, number} images; the limit is {max, number}.',
  'core.generation.modelImages':
    '{model} takes {max, plural, one {one reference image} other {at most {max, number} reference images}}; you attached {count, number}.',
  // {name}: the file's name; {size}, {limit}: byte sizes.
  'core.generation.imageTooLarge': '“{name}” is {size}; the limit is {limit}.',
  // {offered}: the models, "a, b or c".
  'core.generation.modelNotOffered': 'This bot does not offer {model}; choose {offered}.',

  // src/generation/images.ts: a reference image. {name}: the file's name in quotes.
  'core.images.notAnImage': '{name} is not a PNG, JPEG, WebP or GIF image.',
  'core.images.tooLarge': '{name} is {size}; the limit is {limit}.',
  'core.images.tooManyPixels': '{name} has too many pixels; the limit is {megapixels, number} megapixels.',
  'core.images.pixels':
    '{name} is {width, number} × {height, number} pixels; the limit is {megapixels, number} megapixels.',
  // {type}: PNG, JPEG, WebP or GIF.
  'core.images.unreadable':
    '{name} looks like a {type} image but could not be read; it may be damaged or incomplete.',
  'core.images.notSmallEnough': '{name} could not be made small enough to send to the video service.',
  'core.images.unnamed': 'image',
  // The reference image of an extension, named in its refusals.
  'core.images.lastFrame': 'the last frame of the video',
  // An image of a job resumed after a restart, whose file name was not kept.
  'core.images.numbered': 'image {n, number}',

  // src/generation/video-job.ts: a job's end, said in the job's language.
  'core.job.failedWithReason': 'The video could not be generated: {reason}',
  'core.job.failedNoReason': 'The video could not be generated. The video service gave no reason.',
  'core.job.cancelledUpstream': 'The video service cancelled this job.',
  'core.job.timedOut':
    'The video was not ready after {minutes, plural, one {# minute} other {# minutes}}, so the bot gave up on it.',
  'core.job.lost': 'The video service lost track of this job. Please try again.',

  // src/video-api: the video service's answers.
  'core.videoApi.notFetched': 'The video was generated, but it could not be fetched from the video service.',
  // {reason}: the provider's own message (its language).
  'core.videoApi.refusedWithReason': 'The video service refused this request: {reason}',
  'core.videoApi.refused': 'The video service refused this request (HTTP {status}).',
  // {limit}, {size}: "25.3 MB".
  'core.videoApi.tooLarge': "The finished video is larger than this bot's limit of {limit}.",
  'core.videoApi.tooLargeSized': "The finished video is {size}, larger than this bot's limit of {limit}.",
  // src/generation/chain.ts: the video Extend continues.
  'core.chain.previousGone':
    'The video to continue is no longer available (neither the video service nor the chat keeps it), so nothing was made. Nothing was charged for this clip.',
  'core.chain.tooBig':
    'That video is {width, number}×{height, number}; I continue videos up to {max, number} pixels on their longer side. Nothing was charged.',
  'core.chain.tooManyFps':
    'That video has {fps} frames a second; I continue videos of up to {max}. Nothing was charged.',
  // src/quota/quota.ts. {unit}: videos, seconds or credits (QUOTA_UNIT).
  'core.quota.amount':
    '{unit, select, videos {{n, plural, one {# video} other {# videos}}} seconds {{n, plural, one {# second} other {# seconds}}} other {{n, plural, one {# credit} other {# credits}}}}',
  // The quota's period (QUOTA_PERIOD): "You have used 3 of your 5 videos today."
  'core.quota.period': '{period, select, day {today} week {this week} month {this month} other {in total}}',
  'core.quota.noPrice': 'This bot has no price for that model and size, so it cannot make that video.',
  'core.quota.adminOnly': 'Only an admin or a bot owner can change quotas.',
  'core.quota.ownerOnlyGlobal': 'Only a bot owner can see or change a user’s limit everywhere this bot runs.',
  'core.quota.limitRange': 'A limit must be a whole number from 0 to {max, number}.',
  // The refusals of a request over a limit. {when}: core.quota.period; {limit}, {cost}, {left}: core.quota.amount;
  // {at}: core.format.resetTime; {scope}: global (the user everywhere) or space (here).
  'core.quota.budgetUsed':
    'The bot has used its video budget {when} ({used, number} of {limit}{need, select, credits {; this video costs {cost}} seconds {; this video needs {cost}} other {}}), so it cannot take {partly, select, yes {this request} other {new requests}}.{resets, select, yes { It resets at {at}.} other { It does not reset: an operator has to raise it.}}',
  'core.quota.zeroHere':
    'You are not allowed to generate videos here (your quota is 0). Ask an admin if that is a mistake.',
  'core.quota.zeroGlobal':
    'You are not allowed to generate videos (your limit everywhere you use this bot is 0). Ask the bot’s owner if that is a mistake.',
  'core.quota.reset':
    '{scope, select, global { Your limit resets at {at}.} other { Your quota resets at {at}.}}',
  'core.quota.usedVideos':
    'You have used {used, number} of your {limit}{scope, select, global { everywhere you use this bot} other {}} {when}.{reset}',
  'core.quota.left':
    '{left} left of your {limit}{scope, select, global { everywhere you use this bot} other {}} {when}.{reset}',
  'core.quota.needSeconds': 'This {seconds}-second video needs {cost}, but you have {left}',
  'core.quota.costCredits': 'This video costs {cost}, but you have {left}',
  // /quota show (describeQuota, describeGlobalQuota). {spaces}: the platform's word for its spaces.
  'core.quota.show':
    'Used {used, number} of {limit} {when}.{global, select, yes { Across all {spaces}: {globalUsed, number} of {globalLimit}.} other {}} {resets, select, yes {It resets at {at}.} other {It never resets.}}',
  'core.quota.showGlobalUnlimited':
    'Used {used} across all {spaces} {when}, with no global limit. {resets, select, yes {It resets at {at}.} other {It never resets.}}',
  'core.quota.showGlobal':
    'Used {used, number} of {limit} across all {spaces} {when} ({source, select, owner {set by a bot owner} other {the default}}). {resets, select, yes {It resets at {at}.} other {It never resets.}}',
  // src/quota/usage.ts
  'core.usage.ownerOnly': 'Only a bot owner can see the whole bot’s usage.',
  'core.usage.adminOnly': 'Only an admin or a bot owner can see usage here; see your own with /quota show.',

  // src/jobs. {prompts}: the user's jobs' prompts, quoted.
  // In core.jobs.tooMany's list: a job being accepted this instant, whose prompt is not readable yet.
  'core.jobs.justSent': '(just sent)',
  'core.jobs.tooMany':
    'You already have {count, plural, one {# video} other {# videos}} in progress (the limit is {max, number}): {prompts}. Wait for one to finish, or cancel one.',
  // {by}: who cancelled (a mention, or the platform's word for an admin or the requester).
  'core.jobs.cancelled': 'Cancelled by {by}.',
  'core.jobs.cancelledCharged': 'Cancelled by {by}; the video service had already started it, so it counts.',
  'core.jobs.imagesTooSlow':
    'Your images took too long to fetch and prepare, so nothing was started or charged. Please try again.',
  'core.jobs.restartedBeforeSubmit': 'The bot restarted before your video was sent to the video service.',
  // src/core/extend.ts: Extend's refusals. {total}, {now}: seconds, one decimal at most.
  'core.extend.gone':
    'That video is no longer known to the bot, so it cannot be extended. Reply to the video with a prompt instead.',
  'core.extend.noVideo': 'Reply to a video (an MP4) with a prompt to continue it.',
  'core.extend.tooLong':
    'That would make the video {total, number} s long; the limit is {max, number} s (it is {now, number} s now). Nothing was charged.',
  // src/settings: the space's rules (/settings) and their refusals.
  'core.settings.adminOnly': 'Only an admin (or a bot owner) can change these settings.',
  'core.settings.banEmpty': 'Give a word, a phrase or a /regex/ to ban.',
  'core.settings.banTooLong':
    'A ban pattern can be at most {max, number} characters; this one is {length, number}.',
  // {examples}: regex syntax, as typed.
  'core.settings.banBackreference':
    'backreferences (such as {examples}) are not supported: ban rules are matched by an engine that checks every prompt in linear time',
  'core.settings.banLookaround':
    'lookahead or lookbehind (such as {examples}) is not supported: ban rules are matched by an engine that checks every prompt in linear time',
  // {problem}: core.settings.banBackreference, banLookaround, or the regex engine's own English description.
  'core.settings.banInvalidRegex': '“{source}” is not a valid regular expression here: {problem}.',
  // {example}: "{1000}".
  'core.settings.banRegexTooLarge':
    '“{source}” is too large a regular expression to check every prompt quickly (large counted repetitions such as {example} make it so). Please write a shorter one.',
  'core.settings.bannedPrompt': 'This prompt can’t be used here.',
  'core.settings.banExists': '“{rule}” is already on the ban list.',
  'core.settings.banListFull': 'The ban list holds at most {max, number} entries; remove one first.',
  'core.settings.banMissing': '“{rule}” is not on the ban list. See `/settings show`.',
  'core.settings.channelExists': 'That channel is already on the list.',
  'core.settings.channelsFull': 'At most {max, number} channels can be listed; remove one first.',
  'core.settings.channelMissing': 'That channel is not on the list.',
  // {channels}: the channels the bot may be used in, as the platform names them.
  'core.settings.channelNotAllowed': 'I can only be used in {channels} here.',
  'core.settings.imagesOff': 'Image input is turned off here by an admin. Try again without images.',
  // {allowed}: "a, b and c".
  'core.settings.modelNotAllowed':
    '{model} is not allowed here; the {count, plural, one {model allowed here is} other {models allowed here are}} {allowed}.',
  'core.settings.modelsEmpty': 'Name at least one model, or `all`: {offered}.',
  'core.settings.defaultNotAllowed':
    '{model} is not allowed here ({allowed} {count, plural, one {is} other {are}}): allow it too, or choose one of them as the default.',
  'core.settings.defaultLeftOut':
    'Requests without a model use {model} here, which that list leaves out: choose a default from the list too, or change the default first.',
  // /settings show (describe-settings.ts). A *Default placeholder is yes when the bot's default applies.
  'core.settings.show.channelsEverywhere': 'Channels: everywhere',
  'core.settings.show.channels': 'Channels: {channels}',
  'core.settings.show.defaults':
    'Defaults: {seconds} s{secondsDefault, select, yes { (bot default)} other {}}, {aspectRatio}{aspectRatioDefault, select, yes { (bot default)} other {}}, {resolution}{resolutionDefault, select, yes { (bot default)} other {}}',
  'core.settings.show.models': 'Models: {models}',
  'core.settings.show.defaultModel': '{model} (default)',
  'core.settings.show.imagesAllowed': 'Image input: allowed',
  'core.settings.show.imagesOff': 'Image input: off',
  'core.settings.show.bansEmpty': 'Ban list: empty',
  'core.settings.show.bans': 'Ban list ({count, number}): {bans}',
  'core.settings.show.bansHidden':
    'Ban list: {count, plural, one {# entry} other {# entries}} (admins can see them)',
  // src/video: reading and joining videos for Extend.
  'core.video.notAVideo':
    'That file is not a video I can read (an MP4 is expected), so I can’t continue it. Nothing was charged.',
  'core.video.ffmpegUnavailable':
    'The bot cannot process videos right now; an operator has been told. Nothing was charged.',
  // {limit}: "25.0 MB".
  'core.video.joinTooLarge':
    "The longer video would be larger than this bot's limit of {limit}, so it was not made. Nothing was charged for it.",
  'core.video.joinFailed': 'The clips could not be joined into one video. Nothing was charged for this one.',
  // src/store/state.ts: a change waited too long for another one.
  'core.store.busy': 'Another change is being saved right now. Please try again in a moment.',
} as const;
