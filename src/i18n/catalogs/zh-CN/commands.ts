import type { commands as en } from '../en/commands.js';

export const commands: Record<keyof typeof en, string> = {
  'commands.settings.language.set': '从现在起，机器人在这里发布的公开消息将使用{language}。',
  'commands.settings.language.cleared':
    '已清除这里的语言设置：公开消息现在使用{language}（即这里的地区语言；若没有，则为机器人的默认语言）。',
  'commands.settings.language.unknown':
    '机器人不支持“{value}”这种语言。请选择 {languages}，或用 `clear` 恢复默认。',
  'commands.settings.language.show': '这里公开消息的语言：{language}',
  'commands.settings.language.unset': '{language}（未在此设置）',
  'commands.settings.language.name.en': 'English',
  'commands.settings.language.name.zh-CN': '简体中文',
};
