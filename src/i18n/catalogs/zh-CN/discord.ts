import type { discord as en } from '../en/discord.js';

export const discord: Record<keyof typeof en, string> = {
  'discord.words.space': '服务器',
  'discord.words.spaces': '服务器',
  'discord.words.admins': '拥有“管理服务器”权限的服务器管理员',
  'discord.notEnabled.dm': '本机器人未在私信中启用。',
  'discord.notEnabled.server': '本机器人未在这个服务器中启用。',
  'discord.usage': '`/{name}`：{description}。',

  'discord.button.cancel': '取消',
  'discord.button.tryAgain': '重试',
  'discord.button.again': '再来一次',
  'discord.button.vary': '调整',
  'discord.button.extend': '延长',
  'discord.button.delete': '删除',
  'discord.caption.by': '发起人 {user}',
  'discord.notify.link': '{user} 你的视频已生成：{link}',
  'discord.notify.above': '{user} 你的视频已生成（见上方）。',
  'discord.upload.tooLargeLink':
    '视频大小为 {size, number, ::.0} MB，超过了这个频道 {limit, number} MB 的上传上限：{url}',
  'discord.upload.tooLargeNoLink':
    '视频大小为 {size, number, ::.0} MB，超过了这个频道 {limit, number} MB 的上传上限，而且视频服务没有提供可分享的公开链接。',
  'discord.expired': '这个任务超过了 Discord 15 分钟的回复时限，因此改在这条新消息中继续。',

  'discord.menu.animate': '生成动画',

  'discord.form.prompt': '提示词',
  'discord.form.promptDescription': '视频里应该发生什么？',
  'discord.form.model': '模型',
  'discord.form.seconds': '秒数',
  'discord.form.secondsDescription': '新片段的时长',
  'discord.form.animateTitle': '生成动画',
  'discord.form.varyTitle': '调整这个视频',
  'discord.form.extendTitle': '延长这个视频',
  'discord.form.extendHint': '接下来发生什么？新片段将从最后一帧开始。',
  'discord.form.fullPromptHint': '如需发送最长 {max, number} 个字符的提示词，请使用 /imagine。',
  'discord.form.expired': '这个表单已过期。请在该消息上重新打开 **Apps → Animate**。',
  'discord.tooOld': '这个任务太久了，无法重新生成；请用 `/imagine` 发起新任务。',
  'discord.animate.noImages': '那条消息里没有可以做成动画的图片。只用文字生成视频，请使用 `/imagine`。',

  'discord.image.notAttachment': '“{name}”不是 Discord 附件，机器人不会下载它。',
  'discord.image.gone': 'Discord 上的“{name}”已不存在。',
  'discord.image.notGiven': 'Discord 没有把“{name}”交给机器人，请重试。',
  'discord.image.embedded': '嵌入的图片',
  'discord.image.tooLarge': '“{name}”超过了 {limit, number} MB 的上限。',

  'discord.mention.noImages':
    '请在回复带图片的消息时提及我（或在提及我的消息里附上图片），并说明画面该怎么动，例如“@bot 让海浪动起来”。只用文字生成视频，请使用 `/imagine`。',
  'discord.mention.noContentIntent':
    '我看不到你所回复消息中的图片：本机器人未开启 Discord 的 Message Content 权限。请在提及我时直接附上图片，或在那条消息上使用 **Apps → Animate**，或使用带图片的 `/imagine`。',
  'discord.mention.repliedToDeleted':
    '你回复的消息已被删除，没有可以做成动画的内容了。请回复一条仍然存在的消息，或在提及我时直接附上图片。',
};
