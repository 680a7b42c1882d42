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
} as const;
