import type { core as en } from '../en/core.js';

export const core: Record<keyof typeof en, string> = {
  'core.restarting': '机器人正在重启，请稍后再试。',
  'core.noLongerAvailable': '这个命令已不再可用：机器人在这里安装之后更新过。请改用 `/imagine`。',
  'core.unknownSubcommand':
    '本机器人没有（或已不再提供）`{command} {words}` 这个命令。{count, plural, =0 {请直接使用 `{command}`。} other {请使用 {known} 之一。}}',

  'core.error.invalid_input': '这个请求无效。',
  'core.error.upstream_invalid': '视频服务拒绝了这个请求。',
  'core.error.misconfigured': '机器人配置有误，已通知运维人员。请稍后再试。',
  'core.error.rate_limited': '视频服务现在很忙，请一分钟后再试。',
  'core.error.transient': '视频服务暂时没有响应，请过几分钟再试。',
  'core.error.job_failed': '视频生成失败。',
  'core.error.job_cancelled': '视频生成已取消。',
  'core.error.too_many_jobs': '你进行中的视频已达上限，请等其中一个完成后再试。',
  'core.error.job_timeout': '视频生成耗时过长，已放弃。',
  'core.error.too_large': '文件太大。',
  'core.error.quota_exceeded': '你的视频额度已用完。',
  'core.error.forbidden': '只有管理员才能这样做。',
  'core.error.not_enabled': '这里没有启用本机器人。',
  'core.error.unreachable': '我无法在这个频道发消息，所以没有开始生成，也没有扣除额度。',
  'core.error.aborted': '请求已停止。',
  'core.error.internal': '我们这边出了点问题，请再试一次。',

  'core.format.bytes': '{count, number} 字节',
  'core.format.separator': '、',
  'core.format.fullStop': '。',
  'core.format.resetTime': '{date} {time}（UTC）',
  'core.format.neverResets': '永不重置（终身额度）',

  'core.generation.promptEmpty': '请描述你想要的视频：提示词是空的。',
  'core.generation.promptTooLong': '你的提示词有 {length, number} 个字符，上限是 {max, number} 个。',
  'core.generation.secondsNotWhole': '时长必须是 1 到 {max} 之间的整数秒，“{given}”不符合。',
  'core.generation.secondsTooLong': '视频最长 {max} 秒，你要的是 {seconds} 秒。',
  'core.generation.secondsTooLongWithImages': '使用多张参考图时，视频最长 {max} 秒，你要的是 {seconds} 秒。',
  'core.generation.aspectHelp': '请使用 {presets} 之一，或自定义“宽:高”，例如 5:4。',
  'core.generation.aspectNotRatio': '“{given}”不是有效的宽高比。{help}',
  'core.generation.aspectZero': '宽高比的两边都必须大于零。{help}',
  'core.generation.aspectTooWide': '{given} 太宽了：宽高比必须在 1:4 到 4:1 之间。',
  'core.generation.aspectTooTall': '{given} 太高了：宽高比必须在 1:4 到 4:1 之间。',
  'core.generation.resolutionInvalid': '分辨率只能是 480P 或 720P，“{given}”不在其中。',
  'core.generation.tierSeconds': '{model} 的视频时长只能是 {tiers}，“{given}”不在其中。',
  'core.generation.tier': '{seconds} 秒（{tier}）',
  'core.generation.sizeInvalid': '分辨率只能是 {sizes}，“{given}”不在其中。',
  'core.generation.modelSizeInvalid': '{model} 的分辨率只能是 {sizes}，“{given}”不在其中。',

  'core.generation.noImages': '本机器人不接受图片。',
  'core.generation.tooManyImages': '你附了 {count, number} 张图片，上限是 {max, number} 张。',
  'core.generation.modelImages':
    '{model} {max, plural, one {只接受一张参考图} other {最多接受 {max, number} 张参考图}}，你附了 {count, number} 张。',
  'core.generation.imageTooLarge': '“{name}”有 {size}，上限是 {limit}。',
  'core.generation.modelNotOffered': '本机器人不提供 {model}，请选择 {offered}。',

  'core.images.notAnImage': '{name} 不是 PNG、JPEG、WebP 或 GIF 图片。',
  'core.images.tooLarge': '{name} 有 {size}，上限是 {limit}。',
  'core.images.tooManyPixels': '{name} 像素太多，上限是 {megapixels, number} 百万像素。',
  'core.images.pixels':
    '{name} 为 {width, number} × {height, number} 像素，上限是 {megapixels, number} 百万像素。',
  'core.images.unreadable': '{name} 看起来是 {type} 图片，但无法读取，可能已损坏或不完整。',
  'core.images.notSmallEnough': '{name} 无法压缩到能发送给视频服务的大小。',
  'core.images.unnamed': '图片',
  'core.images.lastFrame': '视频的最后一帧',
  'core.images.numbered': '第 {n, number} 张图片',

  'core.job.failedWithReason': '视频生成失败：{reason}',
  'core.job.failedNoReason': '视频生成失败，视频服务没有说明原因。',
  'core.job.cancelledUpstream': '视频服务取消了这个任务。',
  'core.job.timedOut': '视频 {minutes, plural, other {# 分钟}}后仍未完成，机器人已放弃。',
  'core.job.lost': '视频服务找不到这个任务了，请再试一次。',

  'core.videoApi.notFetched': '视频已生成，但无法从视频服务取回。',
  'core.videoApi.refusedWithReason': '视频服务拒绝了这个请求：{reason}',
  'core.videoApi.refused': '视频服务拒绝了这个请求（HTTP {status}）。',
  'core.videoApi.tooLarge': '生成的视频超过了本机器人 {limit} 的上限。',
  'core.videoApi.tooLargeSized': '生成的视频有 {size}，超过了本机器人 {limit} 的上限。',
  'core.chain.previousGone':
    '要延长的视频已经不在了（视频服务和聊天里都没有保存），所以没有生成任何内容。这一段没有扣除额度。',
  'core.chain.tooBig':
    '这个视频是 {width, number}×{height, number}，我只能延长长边不超过 {max, number} 像素的视频。没有扣除额度。',
  'core.chain.tooManyFps': '这个视频每秒 {fps} 帧，我只能延长不超过 {max} 帧每秒的视频。没有扣除额度。',
  'core.quota.amount':
    '{unit, select, videos {{n, plural, other {# 个视频}}} seconds {{n, plural, other {# 秒}}} other {{n, plural, other {# 积分}}}}',
  'core.quota.period': '{period, select, day {今天} week {本周} month {本月} other {累计}}',
  'core.quota.noPrice': '本机器人没有为这个模型和分辨率定价，所以无法生成这个视频。',
  'core.quota.adminOnly': '只有管理员或机器人所有者才能修改额度。',
  'core.quota.ownerOnlyGlobal': '只有机器人所有者才能查看或修改用户在所有使用本机器人的地方的上限。',
  'core.quota.limitRange': '上限必须是 0 到 {max, number} 之间的整数。',
  'core.quota.budgetUsed':
    '本机器人{when}的视频预算已用 {used, number}，上限 {limit}{need, select, credits {；这个视频需要 {cost}} seconds {；这个视频需要 {cost}} other {}}，{partly, select, yes {无法处理这个请求} other {暂不接受新请求}}。{resets, select, yes {预算将于 {at}重置。} other {预算不会自动重置，需要运维人员调高。}}',
  'core.quota.zeroHere': '你在这里不能生成视频（你的额度为 0）。如有误，请联系管理员。',
  'core.quota.zeroGlobal':
    '你不能生成视频（你在所有使用本机器人的地方的上限为 0）。如有误，请联系机器人所有者。',
  'core.quota.reset': '{scope, select, global {你的上限将于 {at}重置。} other {你的额度将于 {at}重置。}}',
  'core.quota.usedVideos':
    '你{when}{scope, select, global {在所有使用本机器人的地方} other {}}的额度为 {limit}，已用 {used, number}。{reset}',
  'core.quota.left':
    '你{when}{scope, select, global {在所有使用本机器人的地方} other {}}的额度共 {limit}，只剩 {left}。{reset}',
  'core.quota.needSeconds': '这个 {seconds} 秒的视频需要 {cost}，但{left}',
  'core.quota.costCredits': '这个视频需要 {cost}，但{left}',
  'core.quota.show':
    '{when}已用 {used, number}，上限 {limit}。{global, select, yes {所有{spaces}合计已用 {globalUsed, number}，上限 {globalLimit}。} other {}}{resets, select, yes {将于 {at}重置。} other {永不重置。}}',
  'core.quota.showGlobalUnlimited':
    '{when}在所有{spaces}共用了 {used}，没有总上限。{resets, select, yes {将于 {at}重置。} other {永不重置。}}',
  'core.quota.showGlobal':
    '{when}在所有{spaces}已用 {used, number}，上限 {limit}（{source, select, owner {由机器人所有者设定} other {默认值}}）。{resets, select, yes {将于 {at}重置。} other {永不重置。}}',
  'core.usage.ownerOnly': '只有机器人所有者才能查看整个机器人的用量。',
  'core.usage.adminOnly': '只有管理员或机器人所有者才能查看这里的用量；查看你自己的用量请用 /quota show。',

  'core.jobs.justSent': '刚提交的一个视频',
  'core.jobs.tooMany':
    '你已有 {count, plural, other {# 个视频}}在生成中（上限为 {max, number} 个）：{prompts}。请等其中一个完成，或取消一个。',
  'core.jobs.cancelled': '已被 {by} 取消。',
  'core.jobs.cancelledCharged': '已被 {by} 取消；视频服务已经开始生成，所以仍计入额度。',
  'core.jobs.imagesTooSlow': '获取和处理你的图片耗时过长，所以没有开始生成，也没有扣除额度。请再试一次。',
  'core.jobs.restartedBeforeSubmit': '机器人在你的视频发送给视频服务之前重启了。',
  'core.extend.gone': '机器人已没有这个视频的记录，无法延长。请直接回复该视频并附上提示词。',
  'core.extend.noVideo': '请回复一个视频（MP4）并附上提示词来延长它。',
  'core.extend.tooLong':
    '延长后视频将长达 {total, number} 秒，上限是 {max, number} 秒（现在是 {now, number} 秒）。没有扣除额度。',
  'core.settings.adminOnly': '只有管理员（或机器人所有者）才能修改这些设置。',
  'core.settings.banEmpty': '请给出要屏蔽的词、短语或 /正则表达式/。',
  'core.settings.banTooLong': '屏蔽规则最多 {max, number} 个字符，这条有 {length, number} 个。',
  'core.settings.banBackreference':
    '不支持反向引用（例如 {examples}）：屏蔽规则由一个在线性时间内检查每条提示词的引擎匹配',
  'core.settings.banLookaround':
    '不支持先行或后行断言（例如 {examples}）：屏蔽规则由一个在线性时间内检查每条提示词的引擎匹配',
  'core.settings.banInvalidRegex': '“{source}”在这里不是有效的正则表达式：{problem}。',
  'core.settings.banRegexTooLarge':
    '“{source}”这个正则表达式太大，无法快速检查每条提示词（{example} 这类大的计数重复会导致这种情况）。请写得短一些。',
  'core.settings.bannedPrompt': '这条提示词不能在这里使用。',
  'core.settings.banExists': '“{rule}”已在屏蔽列表中。',
  'core.settings.banListFull': '屏蔽列表最多 {max, number} 条，请先删除一条。',
  'core.settings.banMissing': '“{rule}”不在屏蔽列表中。请查看 `/settings show`。',
  'core.settings.channelExists': '这个频道已在列表中。',
  'core.settings.channelsFull': '最多只能列出 {max, number} 个频道，请先删除一个。',
  'core.settings.channelMissing': '这个频道不在列表中。',
  'core.settings.channelNotAllowed': '在这里只能在 {channels} 中使用我。',
  'core.settings.imagesOff': '管理员已在这里关闭图片输入。请不带图片再试一次。',
  'core.settings.modelNotAllowed':
    '这里不允许使用 {model}；{count, plural, other {这里允许的模型是}} {allowed}。',
  'core.settings.modelsEmpty': '请至少指定一个模型，或者 `all`：{offered}。',
  'core.settings.defaultNotAllowed':
    '这里不允许使用 {model}（{count, plural, other {只允许}} {allowed}）：请同时允许它，或从中选一个作为默认模型。',
  'core.settings.defaultLeftOut':
    '这里未指定模型的请求使用 {model}，而这个列表没有包含它：请同时从列表中选一个默认模型，或先更改默认模型。',
  'core.settings.show.channelsEverywhere': '频道：所有频道',
  'core.settings.show.channels': '频道：{channels}',
  'core.settings.show.defaults':
    '默认值：{seconds} 秒{secondsDefault, select, yes {（机器人默认）} other {}}，{aspectRatio}{aspectRatioDefault, select, yes {（机器人默认）} other {}}，{resolution}{resolutionDefault, select, yes {（机器人默认）} other {}}',
  'core.settings.show.models': '模型：{models}',
  'core.settings.show.defaultModel': '{model}（默认）',
  'core.settings.show.imagesAllowed': '图片输入：允许',
  'core.settings.show.imagesOff': '图片输入：关闭',
  'core.settings.show.bansEmpty': '屏蔽列表：空',
  'core.settings.show.bans': '屏蔽列表（{count, number} 条）：{bans}',
  'core.settings.show.bansHidden': '屏蔽列表：{count, plural, other {# 条}}（管理员可见）',
  'core.video.notAVideo': '这个文件不是我能读取的视频（需要 MP4），所以无法延长。没有扣除额度。',
  'core.video.ffmpegUnavailable': '机器人暂时无法处理视频，已通知运维人员。没有扣除额度。',
  'core.video.joinTooLarge': '延长后的视频会超过本机器人 {limit} 的上限，所以没有生成。这一段没有扣除额度。',
  'core.video.joinFailed': '无法把这几段合成一个视频。这一段没有扣除额度。',
  'core.store.busy': '另一项更改正在保存，请稍后再试。',
};
