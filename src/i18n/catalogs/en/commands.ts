/** The commands' answers (commands/), area by area as they are migrated: `commands.<command>.<what>`. */
export const commands = {
  'commands.settings.language.set': 'The bot now writes public messages here in {language}.',
  'commands.settings.language.cleared':
    'The language setting here is cleared: public messages follow the platform’s locale for this place, else the bot’s default ({language}).',
  'commands.settings.language.show': 'Language of public messages here: {language}',
  'commands.settings.language.unset': '{language} (not set here)',
  // How a language calls itself, in each catalog the same word: people look for their own.
  'commands.settings.language.name.en': 'English',
  'commands.settings.language.name.zh-CN': '简体中文',
} as const;
