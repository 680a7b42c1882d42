/** The commands' answers (commands/), area by area as they are migrated: `commands.<command>.<what>`. */
export const commands = {
  'commands.settings.language.set': 'The bot now writes public messages here in {language}.',
  'commands.settings.language.cleared':
    'The language setting here is cleared: public messages are now in {language} (the locale of this place, else the bot’s default).',
  'commands.settings.language.unknown':
    '“{value}” is not a language this bot speaks. Choose {languages}, or `clear` to follow the default.',
  'commands.settings.language.show': 'Language of public messages here: {language}',
  'commands.settings.language.unset': '{language} (not set here)',
  // How a language calls itself, in each catalog the same word: people look for their own.
  'commands.settings.language.name.en': 'English',
  'commands.settings.language.name.zh-CN': '简体中文',
  // Registration texts (Discord shows them beside each command, option and choice; Slack’s manifest uses
  // the English): `commands.<command>[.<group>][.<subcommand>][.<option>].description`, an option shared
  // by a command’s subcommands at `commands.<command>.option.<option>.description`, choices at
  // `….<option>.choice.<value>` (commands/registration.ts).
  'commands.imagine.description': 'Generate a short video from a prompt (and images)',
  'commands.imagine.prompt.description': 'Describe the video',
  'commands.imagine.seconds.description': 'Length in seconds',
  'commands.imagine.aspect_ratio.description':
    'Shape: 16:9, 9:16, 1:1, 4:3, 3:4, 21:9… or any w:h from 1:4 to 4:1',
  'commands.imagine.resolution.description': 'Resolution',
  'commands.imagine.model.description': 'Video model',
  'commands.imagine.image1.description': 'An image to animate',
  'commands.imagine.image2.description': 'Another reference image',
  'commands.imagine.image3.description': 'Another reference image',
  'commands.imagine.image4.description': 'Another reference image',
  'commands.quota.description': 'See your video quota (admins manage everyone’s)',
  'commands.quota.option.user.description': 'The member',
  'commands.quota.show.description': 'Show your quota (admins: anyone’s)',
  'commands.quota.set.description': 'Admin: set a member’s limit',
  'commands.quota.set.limit.description': 'New limit for this member',
  'commands.quota.reset.description': 'Admin: clear a member’s usage in this period',
  'commands.quota.default.description': 'Admin: set the limit for everyone here',
  'commands.quota.default.limit.description': 'New default limit',
  'commands.quota.global.description': 'A user’s limit everywhere this bot runs (bot owners)',
  'commands.quota.global.show.description': 'Show usage everywhere (owners: anyone’s)',
  'commands.quota.global.set.description': 'Owner: set a user’s limit everywhere',
  'commands.quota.global.set.limit.description': 'New limit everywhere',
  'commands.quota.global.reset.description': 'Owner: clear a user’s usage everywhere this period',
  'commands.settings.description': 'See the video rules here (admins: change them)',
  'commands.settings.show.description': 'Show the rules in effect here',
  'commands.settings.option.pattern.description':
    'A word or phrase, or a /regular expression/ (case-insensitive)',
  'commands.settings.option.channel.description': 'The channel (default: this one)',
  'commands.settings.option.state.description': 'on or off',
  'commands.settings.option.state.choice.on': 'on',
  'commands.settings.option.state.choice.off': 'off',
  'commands.settings.ban-add.description': 'Admin: refuse prompts with this word or /regex/',
  'commands.settings.ban-remove.description': 'Admin: remove an entry from the ban list',
  'commands.settings.channel-add.description': 'Admin: allow the bot in a channel',
  'commands.settings.channel-remove.description': 'Admin: remove a channel from the allowed list',
  'commands.settings.defaults.description': 'Admin: defaults for length, shape and resolution',
  'commands.settings.defaults.seconds.description': 'Length in seconds',
  'commands.settings.defaults.aspect_ratio.description':
    'Shape: 16:9, 9:16, 1:1, 4:3, 3:4, 21:9… or any w:h from 1:4 to 4:1',
  'commands.settings.defaults.resolution.description': 'Resolution',
  'commands.settings.defaults.clear.description': 'Forget all defaults set here',
  'commands.settings.models.description': 'Admin: the default model and the models allowed here',
  'commands.settings.models.default.description': 'The model of a request that names none',
  'commands.settings.models.allowed.description': 'The models allowed here, comma-separated, or `all`',
  'commands.settings.models.clear.description': 'Forget the model settings here (all models, bot default)',
  'commands.settings.images.description': 'Admin: allow or refuse image input',
  'commands.settings.language.description': 'Admin: the language of the bot’s public messages here',
  'commands.settings.language.value.description':
    'A language, or clear to follow the locale here (else the bot default)',
  'commands.settings.language.value.choice.clear': 'clear',
  'commands.settings.notify.description': 'Mention me when my long videos are ready (on/off)',
  'commands.jobs.description': 'Your recent videos (admins: everyone’s here)',
  'commands.jobs.all.description': 'Admin: everyone’s jobs here',
  'commands.usage.description': 'Admin: who used how much this quota period',
  'commands.usage.user.description': 'One member’s usage',
  'commands.usage.scope.description': 'Here (default), or the whole bot (bot owners)',
  'commands.usage.scope.choice.space': 'here',
  'commands.usage.scope.choice.bot': 'whole bot (bot owners)',
  // Refusals of the admin-only commands: {admins} is the platform's word (Formatter words), {action} one of the actions below.
  'commands.admin.only': 'Only {admins} (or a bot owner) can {action}.',
  'commands.admin.action.changeQuotas': 'change quotas',
  'commands.admin.action.seeOthersQuota': 'see someone else’s quota',
  'commands.admin.action.changeSettings': 'change these settings',
  'commands.admin.action.seeUsage': 'see usage here',
  'commands.admin.action.listAllJobs': 'list everyone’s jobs',
  'commands.quota.amount':
    '{unit, select, videos {{n, plural, one {# video} other {# videos}}} seconds {{n, plural, one {# second} other {# seconds}}} other {{n, plural, one {# credit} other {# credits}}}}',
  'commands.quota.show.yours': 'Your quota: {status}',
  'commands.quota.show.theirs': '{name}: {status}',
  'commands.quota.global.show.yours': 'Your usage: {status}',
  'commands.quota.status':
    'Used {used, number} of {limit} {period, select, day {today} week {this week} month {this month} other {in total}}.{global, select, yes { Across all {spaces}: {globalUsed, number} of {globalLimit}.} other {}} {resets, select, never {It never resets.} other {It resets at {time}.}}',
  'commands.quota.global.status.unlimited':
    'Used {used} across all {spaces} {period, select, day {today} week {this week} month {this month} other {in total}}, with no global limit. {resets, select, never {It never resets.} other {It resets at {time}.}}',
  'commands.quota.global.status.limited':
    'Used {used, number} of {limit} across all {spaces} {period, select, day {today} week {this week} month {this month} other {in total}} ({source, select, owner {set by a bot owner} other {the default}}). {resets, select, never {It never resets.} other {It resets at {time}.}}',
  'commands.quota.set.done':
    '{name}’s limit is now {limit}{was, select, yes { (was {old, number})} other {}}.',
  'commands.quota.global.set.done':
    '{name}’s limit across all {spaces} is now {limit}{was, select, yes { (was {old, number})} other {}}.',
  'commands.quota.default.done':
    'The default limit here is now {limit}{was, select, yes { (was {old, number})} other {}}.',
  'commands.quota.reset.done': '{name}’s usage for this period is cleared (was {old, number}).',
  'commands.quota.global.reset.done':
    '{name}’s usage across all {spaces} for this period is cleared (was {old, number}).',
  'commands.quota.user.anyone': 'Please name a user.',
  'commands.quota.user.member': 'Please name a member of this {space}.',
  'commands.quota.user.notMember': 'That user is not a member of this {space}.',
  'commands.quota.limit.whole': 'The limit must be a whole number.',
  'commands.quota.global.unknown':
    'Unknown quota command “global {subcommand}”. Use global show, set or reset.',
  'commands.quota.unknown': 'Unknown quota command “{subcommand}”.',
  'commands.usage.refused.notAdmin':
    'Only {admins} (or a bot owner) can see usage here. You can see your own with `/quota show`.',
  'commands.usage.refused.notOwner': 'Only a bot owner can see the whole bot’s usage.',
  // /jobs: a line per job (status, time, prompt, length), a heading, and what did not fit.
  'commands.jobs.status.reserved': '⏳ starting',
  'commands.jobs.status.submitted': '⏳ submitted',
  'commands.jobs.status.queued': '⏳ queued',
  'commands.jobs.status.processing': '🎬 rendering',
  'commands.jobs.status.completed': '✅ done',
  'commands.jobs.status.failed': '❌ failed',
  'commands.jobs.status.cancelled': '🚫 cancelled',
  'commands.jobs.status.timeout': '⌛ timed out',
  'commands.jobs.chain': '{count, plural, one {# clip} other {# clips}}, {parts} s = {total, number} s',
  'commands.jobs.seconds': '{seconds, number} s',
  'commands.jobs.prompt': '“{prompt}”',
  'commands.jobs.none.all': 'No videos have been made here recently.',
  'commands.jobs.none.mine': 'You have no recent videos here. Try `/imagine`.',
  'commands.jobs.heading.all': 'The {count, number} most recent videos here, newest first:',
  'commands.jobs.heading.mine': 'Your {count, number} most recent videos here, newest first:',
  'commands.jobs.more': '…and {count, number} more.',
  'commands.jobs.status.waiting': '⏳ waiting',
  // The buttons under a job's message (Again, Vary, Cancel, Delete): refusals to the presser, in their language.
  'commands.job.notYours': 'Only the requester or an admin can do that.',
  'commands.job.gone': 'That job is no longer known to the bot.',
  'commands.job.tooOld': 'That job is too old to repeat; start a new one with `/imagine`.',
  'commands.job.finished': 'That job has already finished.',
  'commands.job.notRunning': 'That job is no longer running.',
  // /settings' answers; {rules} and {models} are the settings service's descriptions.
  'commands.settings.channel.invalid': 'Please name a channel, e.g. #videos.',
  'commands.settings.state.invalid': 'Say `on` or `off`.',
  'commands.settings.show':
    'Rules here:\n{rules}\n{language}\nYour mention when a long video is ready: {notify, select, on {on} other {off}}',
  'commands.settings.ban.added': 'Added `{rule}` to the ban list.',
  'commands.settings.ban.removed': 'Removed `{rule}` from the ban list.',
  'commands.settings.channels.allowed': 'The bot may now be used in: {channels}.',
  'commands.settings.channels.everywhere':
    'No channels are listed any more: the bot may be used everywhere here.',
  'commands.settings.defaults.nothing':
    'Give at least one of seconds, aspect ratio and resolution, or `clear` to forget them.',
  'commands.settings.saved': 'Saved. {details}',
  'commands.settings.models.howTo':
    '{models}. Set them with `default` and `allowed` (a comma list, or `all`).',
  'commands.settings.images.on': 'Image input is allowed here.',
  'commands.settings.images.off': 'Image input is now off here.',
  'commands.settings.notify.on': 'You will be mentioned when a long video of yours is ready.',
  'commands.settings.notify.off': 'You will no longer be mentioned when a long video of yours is ready.',
  'commands.settings.unknown': 'Unknown settings command “{subcommand}”. Use one of {subcommands}.',
  // /usage (and the operator's report, in English): {heading} is one of commands.usage.heading.*.
  'commands.usage.heading.bot': 'of the whole bot',
  'commands.usage.heading.user': 'of {user} in this {space}',
  'commands.usage.heading.space': 'in this {space}',
  'commands.usage.summary':
    'Usage {heading} {period, select, day {today} week {this week} month {this month} other {in total}}{resets, select, at { (it resets at {time})} other {}}: {nothing, select, yes {nothing yet} other {{tally}}}.',
  'commands.usage.tally': '{amount} ({videos})',
  'commands.usage.cost': 'Cost: {amount}.',
  'commands.usage.bullet': '• {name}: {tally}{withCredits, select, yes {, {credits}} other {}}',
  'commands.usage.byModel': 'By model:',
  'commands.usage.users': '{top, select, yes {Top {count, number} users:} other {Users:}}',
  'commands.usage.spaces': '{top, select, yes {Top {count, number} {spaces}:} other {By {space}:}}',
  'commands.usage.after':
    '{running, select, yes {Still running, not counted yet: {inFlight}.} other {}}{both, select, yes { } other {}}{refunded, select, yes {Given back (failed or cancelled in time): {given}.} other {}}',
  'commands.usage.scope.invalid': 'The scope must be “space” or “bot”.',
  'commands.usage.user.invalid': 'Please name a user.',
  'commands.usage.user.andBot': 'Ask for one user’s usage here, or for the whole bot, not both.',
  // Animate and Extend forms (shown by the adapters): the note under a shortened prompt, the Extend form.
  'commands.animate.shortened':
    'The prompt was {length, number} characters; this form holds {max, number}, so it was shortened. {hint}',
  'commands.extend.form.title': 'Extend this video',
  'commands.extend.form.hint': 'What happens next? The new clip starts from the last frame.',
  // The buttons' and forms' command data (not registered with any platform; kept with the others' keys).
  'commands.job.option.job.description': 'The job',
  'commands.again.description': 'Make the same video again',
  'commands.vary.description': 'The same settings and images with an edited prompt',
  'commands.vary.prompt.description': 'The new prompt',
  'commands.cancel.description': 'Cancel a waiting or running job',
  'commands.delete.description': 'Delete a result',
  'commands.extend.description': 'Continue a video with a new clip from its last frame',
  'commands.extend.job.description': 'The job whose video to continue',
  'commands.extend.prompt.description': 'What happens next',
  'commands.extend.seconds.description': 'Length of the new clip',
} as const;
