import { describe, expect } from 'vitest';
import type { InteractionHandle, StoredMessage } from '../emulators/discord/server.js';
import type { RecordedForm, VideoApiEmulator } from '../emulators/video-api/server.js';
import { discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * Choosing the model on Discord, through real discord.js and the emulators: the chosen sibling reaches the
 * video API as multipart with its own fields, a model or size the bot does not offer is refused privately
 * before anything is sent, and Again and Vary keep the job's model.
 */

const it = discordWorldTest({
  generationMs: 300,
  env: { QUOTA_DEFAULT: '50', VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3' },
});
const { guildId, general: channelId, alice, bob, carol } = discordSeed;

const EPHEMERAL = 64;
const posts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');

function formOf(body: unknown): RecordedForm {
  const form = body as RecordedForm | undefined;
  if (form?.kind !== 'multipart') throw new Error(`not a multipart body: ${JSON.stringify(body)}`);
  return form;
}

async function ephemeralAnswer(handle: InteractionHandle): Promise<string> {
  const ack = await handle.waitForAck(4000);
  expect(ack.type).toBe(4);
  const data = (ack.body as { data?: { flags?: number; content?: string } }).data;
  expect((data?.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
  return data?.content ?? '';
}

function buttonId(message: StoredMessage, action: 'again' | 'vary'): string {
  const match = /"custom_id":"(again:[^"]+)"/.exec(JSON.stringify(message.components));
  if (!match?.[1]) throw new Error('no Again button');
  return match[1].replace('again:', `${action}:`);
}

describe('Discord: /imagine model', () => {
  it('sends grok-video-3 for 10 s as multipart; Again and Vary send grok-video-3 again', async ({
    world: { discord, video },
  }) => {
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a lighthouse at dusk' },
        { name: 'model', value: 'grok-video-3' },
        { name: 'seconds', value: 10 },
        { name: 'resolution', value: '1080P' },
      ],
    });
    const result = await first.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const sent = posts(video)[0];
    expect(sent?.status).toBe(200);
    expect(sent?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(formOf(sent?.body).fields).toMatchObject({
      model: 'grok-video-3',
      prompt: 'a lighthouse at dusk',
      seconds: '10',
      size: '1080P',
    });

    const resultMessage = discord.message(result.id) ?? result;
    const again = await discord.button({
      message: resultMessage,
      customId: buttonId(resultMessage, 'again'),
      user: bob,
    });
    await again.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(formOf(posts(video)[1]?.body).fields).toMatchObject({
      model: 'grok-video-3',
      prompt: 'a lighthouse at dusk',
      seconds: '10',
      size: '1080P',
    });

    const vary = await discord.button({
      message: resultMessage,
      customId: buttonId(resultMessage, 'vary'),
      user: bob,
    });
    await vary.waitForAck();
    const submit = await discord.modalSubmit({ from: vary, fields: { prompt: 'a lighthouse at night' } });
    await submit.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(formOf(posts(video)[2]?.body).fields).toMatchObject({
      model: 'grok-video-3',
      prompt: 'a lighthouse at night',
      seconds: '10',
    });
  });

  it('refuses a model not offered, a length and a size the model lacks, privately with nothing sent', async ({
    world: { discord, video, used },
  }) => {
    const ask = (options: Array<{ name: string; value: string | number }>) =>
      discord.slashCommand({
        channelId,
        guildId,
        user: carol,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'a fox' }, ...options],
      });
    expect(await ephemeralAnswer(await ask([{ name: 'model', value: 'sora-2' }]))).toBe(
      'This bot does not offer sora-2; choose grok-imagine-video, grok-video-1.5 or grok-video-3.',
    );
    expect(
      await ephemeralAnswer(
        await ask([
          { name: 'model', value: 'grok-video-3' },
          { name: 'seconds', value: 6 },
        ]),
      ),
    ).toContain('grok-video-3 makes 10 s (Pro) or 15 s (Max) videos');
    // 1080P is a sibling's size: the default model makes 480P or 720P.
    expect(await ephemeralAnswer(await ask([{ name: 'resolution', value: '1080P' }]))).toContain(
      'The resolution must be 480P or 720P',
    );
    expect(posts(video)).toHaveLength(0);
    expect(await used(carol.id)).toBe(0);
  });
});
