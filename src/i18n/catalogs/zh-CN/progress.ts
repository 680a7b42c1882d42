import type { progress as en } from '../en/progress.js';

export const progress: Record<keyof typeof en, string> = {
  'progress.state.queued': '排队中',
  'progress.state.starting': '即将开始',
  'progress.state.generating': '生成中',
  'progress.state.uploading': '上传中',
  'progress.state.done': '已完成',
  'progress.state.failed': '失败',
  'progress.state.cancelled': '已取消',
  'progress.queue.next': '下一个就轮到你',
  'progress.queue.ahead': '前面还有 {count, number} 个',
  'progress.queue.startsIn': '大约 {wait}后开始',
  'progress.upstreamQueue': '正在视频服务的队列中等候',
  'progress.slow': '视频服务响应较慢，仍在等待',
  'progress.notCounted': '本次不计入你的额度。',
  'progress.wait.seconds': '{seconds, number} 秒',
  'progress.wait.minutes': '{minutes, number} 分钟',
  'progress.settings.seconds': '{seconds} 秒',
  'progress.settings.images': '{count, plural, other {# 张图片}}',
  'progress.settings.joined': '共 {clips, number} 段，总长 {seconds} 秒',
  'progress.settings.credits': '{count, plural, other {# 积分}}',
};
