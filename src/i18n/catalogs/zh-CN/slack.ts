import type { slack as en } from '../en/slack.js';

export const slack: Record<keyof typeof en, string> = {
  'slack.words.space': '工作区',
  'slack.words.spaces': '工作区',
  'slack.words.admins': '工作区管理员和所有者',
  'slack.notEnabled': '本机器人未在这个工作区中启用。',
  'slack.usage.short': '用法：`/{name} {hint}`',
  'slack.usage.prompt':
    "用法：`/{name} '<提示词>' [参数]`，例如 `/{name} a fox running through snow --ar 9:16 --seconds 8`\n参数：{flags}。如需把图片做成动画，请在带图片的消息下的讨论串里提及本机器人。",
  'slack.usage.flag': '`--{flag}` {description}',
  'slack.flags.unknown': '未知参数“--{name}”。可用参数：{known}。',
  'slack.flags.needsValue': '参数“--{name}”需要一个值，例如 --{name} {example}。',
  'slack.flags.twice': '参数“--{name}”指定了两次。',

  'slack.button.cancel': '取消',
  'slack.button.tryAgain': '重试',
  'slack.button.again': '再来一次',
  'slack.button.extend': '延长',
  'slack.button.delete': '删除',
  'slack.buttons.text': '再来一次、延长或删除这个视频',
  'slack.notify': '{user} 你的视频已生成。',
  'slack.upload.tooLargeLink': '视频太大，无法在这里上传；可以在这里查看：{url}',
  'slack.upload.tooLargeNoLink': '视频超过了 Slack 的上传上限，而且视频服务没有提供可分享的公开链接。',

  'slack.unreachable.otherPeople':
    '我无法在其他人之间的私信中发消息。请在我所在的频道里，或在与我的私信中使用这个命令。没有开始生成，也没有扣除额度。',
  'slack.unreachable.notInChannel':
    '我不在这个频道里。请用 `/invite @{bot}` 邀请我，然后再试一次。没有开始生成，也没有扣除额度。',
  'slack.privateAnswer.inChannel': '在 {channel} 中：{text}',
  'slack.shortcut.noImages':
    "那条消息里没有可以做成动画的图片。请在带图片文件的消息上使用 Animate，或用 `/imagine '<提示词>'` 只用文字生成视频。",
  'slack.shortcut.fullPromptHint':
    '如需更长的提示词，请在该消息的讨论串里提及本机器人，并附上完整提示词（最多 {max, number} 个字符）。',
  'slack.extend.tooOld': '这个视频太久了，无法延长；请在它的讨论串里回复一条提示词。',
  'slack.form.unreadable': '无法读取这个表单，请重新打开。',
  'slack.mention.noImages':
    "这里没有找到可以做成动画的图片。请发布图片（或在带图片的消息下的讨论串里回复），并在提及我时说明画面该怎么动，例如“@Grok Video 海浪缓缓涌来”。只用文字生成视频，请使用 `/imagine '<提示词>'`。",

  'slack.image.notOnSlack': '“{name}”不在 Slack 的文件服务器上，机器人不会用它的 Slack 凭据去下载。',
  'slack.image.tooLarge': '“{name}”大小为 {size}，超过了 {limit} 的上限。',
  'slack.image.overLimit': '“{name}”超过了 {limit} 的上限。',
  'slack.image.notHandedOver': 'Slack 没有把“{name}”交给机器人，请重试。',
  'slack.image.cannotOpen': 'Slack 上的“{name}”打不开（可能已被删除，或机器人缺少 files:read 权限）。',
  'slack.image.signIn': 'Slack 不允许机器人下载“{name}”（机器人可能缺少 files:read 权限）。',

  'slack.form.prompt': '提示词',
  'slack.form.default': '默认',
  'slack.form.cancel': '取消',
  'slack.form.animateTitle': '生成动画',
  'slack.form.animateSubmit': '生成',
  'slack.form.animating':
    '{count, plural, other {正在把这条消息里的 # 张图片做成动画}}，视频会发布在它的讨论串里。',
  'slack.form.extendTitle': '延长这个视频',
  'slack.form.extendHint': '接下来发生什么？新片段将从最后一帧开始。',
  'slack.form.extendSeconds': '新片段的时长（秒）',
  'slack.form.extendSubmit': '延长',
};
