import type { core as en } from '../en/core.js';

export const core: Record<keyof typeof en, string> = {
  'core.restarting': '机器人正在重启，请稍后再试。',
  'core.noLongerAvailable': '这个命令已不再可用：机器人在这里安装之后更新过。请改用 `/imagine`。',
  'core.unknownSubcommand':
    '本机器人没有（或已不再提供）`{command} {words}` 这个命令。{count, plural, =0 {请直接使用 `{command}`。} other {请使用 {known} 之一。}}',
};
