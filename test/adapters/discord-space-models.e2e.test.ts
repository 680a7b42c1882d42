import { describe, expect } from 'vitest';
import type { DiscordEmulator, InteractionHandle } from '../emulators/discord/server.js';
import type { RecordedForm, VideoApiEmulator } from '../emulators/video-api/server.js';
import { testImage } from '../helpers/images.js';
import { MANAGE_GUILD, discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * A server's models (`/settings models`) through real discord.js and the emulators: the server's default model
 * reaches the video API (multipart for a sibling), a model the server does not allow is refused privately
 * before the acknowledgement with nothing sent, a server default length the model cannot make gives way to
 * the model's own, Again refuses a model disallowed since, and the Animate form offers the allowed models.
 */

const it = discordWorldTest({
  generationMs: 300,
  env: { QUOTA_DEFAULT: '50', VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3' },
});
const { guildId, general: channelId, admin, alice, bob } = discordSeed;

const EPHEMERAL = 64;
const posts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');

function formOf(body: unknown): RecordedForm {
  const form = body as RecordedForm | undefined;
  if (form?.kind !== 'multipart') throw new Error(`not a multipart body: ${JSON.stringify(body)}`);
  return form;
}

type Option = { name: string; value: string | number | boolean };

async function settings(discord: DiscordEmulator, subcommand: string, options: Option[]): Promise<string> {
  const handle = await discord.slashCommand({
    channelId,
    guildId,
    user: admin,
    permissions: MANAGE_GUILD,
    name: 'settings',
    subcommand,
    options,
  });
  return (await handle.waitForOriginal((m) => m.content.length > 0, 5000)).content;
}

/** The world is shared by this file's tests: each starts from the bot's own models and defaults. */
async function reset(discord: DiscordEmulator): Promise<void> {
  await settings(discord, 'models', [{ name: 'clear', value: true }]);
  await settings(discord, 'defaults', [{ name: 'clear', value: true }]);
}

const imagine = (discord: DiscordEmulator, user: typeof alice, options: Option[] = []) =>
  discord.slashCommand({
    channelId,
    guildId,
    user,
    name: 'imagine',
    options: [{ name: 'prompt', value: 'a lighthouse at dusk' }, ...options],
  });

/** A refusal answered in place of the acknowledgement: ephemeral, no public "thinking…" first. */
async function refusedBeforeAck(handle: InteractionHandle): Promise<string> {
  const ack = await handle.waitForAck(4000);
  expect(ack.type).toBe(4);
  const data = (ack.body as { data?: { flags?: number; content?: string } }).data;
  expect((data?.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
  return data?.content ?? '';
}

describe('Discord: a server’s models', () => {
  it('a plain /imagine uses the server’s default model, sent as that model’s multipart', async ({
    world: { discord, video },
  }) => {
    await reset(discord);
    expect(await settings(discord, 'models', [{ name: 'default', value: 'grok-video-3' }])).toBe(
      'Saved. Models: grok-imagine-video, grok-video-1.5, grok-video-3 (default)',
    );
    const done = await imagine(discord, alice);
    await done.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const sent = posts(video);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(formOf(sent[0]?.body).fields).toMatchObject({ model: 'grok-video-3', seconds: '10' });
  });

  it('refuses a model the server does not allow, privately before the acknowledgement, nothing sent', async ({
    world: { discord, video },
  }) => {
    await reset(discord);
    await settings(discord, 'models', [{ name: 'allowed', value: 'grok-imagine-video, grok-video-3' }]);
    const refused = await imagine(discord, alice, [{ name: 'model', value: 'grok-video-1.5' }]);
    expect(await refusedBeforeAck(refused)).toBe(
      'grok-video-1.5 is not allowed here; the models allowed here are grok-imagine-video and grok-video-3.',
    );
    expect(posts(video)).toHaveLength(0);
    // Disallowing the default, or choosing a default that is not allowed, is refused with the reason.
    expect(await settings(discord, 'models', [{ name: 'allowed', value: 'grok-video-3' }])).toContain(
      'Requests without a model use grok-imagine-video here, which that list leaves out',
    );
    expect(await settings(discord, 'models', [{ name: 'default', value: 'grok-video-1.5' }])).toContain(
      'grok-video-1.5 is not allowed here (grok-imagine-video and grok-video-3 are)',
    );
  });

  it('a server default of 6 s gives way to the sibling’s 10 s; an explicit 6 s gets the model’s rule', async ({
    world: { discord, video },
  }) => {
    await reset(discord);
    await settings(discord, 'defaults', [
      { name: 'seconds', value: 6 },
      { name: 'resolution', value: '1080P' },
    ]);
    await settings(discord, 'models', [{ name: 'default', value: 'grok-video-1.5' }]);
    const done = await imagine(discord, alice);
    await done.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(formOf(posts(video)[0]?.body).fields).toMatchObject({
      model: 'grok-video-1.5',
      seconds: '10',
      size: '1080P',
    });
    // grok-imagine-video keeps the 6 s default but cannot make 1080P: the bot's default size.
    const json = await imagine(discord, alice, [{ name: 'model', value: 'grok-imagine-video' }]);
    await json.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(posts(video)[1]?.body).toMatchObject({
      model: 'grok-imagine-video',
      seconds: '6',
      resolution: '720P',
    });
    const explicit = await imagine(discord, alice, [{ name: 'seconds', value: 6 }]);
    expect(await refusedBeforeAck(explicit)).toContain(
      'grok-video-1.5 makes 10 s (Pro) or 15 s (Max) videos',
    );
    expect(posts(video)).toHaveLength(2);
  });

  it('Again and Vary on a job whose model the server has disallowed since are refused, nothing sent', async ({
    world: { discord, video },
  }) => {
    await reset(discord);
    const first = await imagine(discord, alice, [{ name: 'model', value: 'grok-video-1.5' }]);
    const result = await first.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    await settings(discord, 'models', [{ name: 'allowed', value: 'grok-imagine-video,grok-video-3' }]);
    const message = discord.message(result.id) ?? result;
    const againId = /"custom_id":"(again:[^"]+)"/.exec(JSON.stringify(message.components))?.[1] ?? '';
    const again = await discord.button({ message, customId: againId, user: bob });
    const refusal =
      'grok-video-1.5 is not allowed here; the models allowed here are grok-imagine-video and grok-video-3.';
    expect(await refusedBeforeAck(again)).toBe(refusal);
    // Vary keeps the job's model too, so its new prompt is refused the same way.
    const vary = await discord.button({ message, customId: againId.replace('again:', 'vary:'), user: bob });
    await vary.waitForAck();
    const submit = await discord.modalSubmit({ from: vary, fields: { prompt: 'a lighthouse at night' } });
    expect(await refusedBeforeAck(submit)).toBe(refusal);
    expect(posts(video)).toHaveLength(1);
  });

  it('the Animate form offers the server’s models, its default selected, and runs the chosen one', async ({
    world: { discord, video },
  }) => {
    await reset(discord);
    await settings(discord, 'models', [
      { name: 'default', value: 'grok-video-3' },
      { name: 'allowed', value: 'grok-video-1.5,grok-video-3' },
    ]);
    const image = await discord.userMessage({
      channelId,
      guildId,
      author: alice,
      content: 'a paper boat',
      attachments: [
        {
          filename: 'boat.png',
          contentType: 'image/png',
          bytes: await testImage({ width: 320, height: 240, fill: '#0000e0' }),
        },
      ],
    });
    const menu = await discord.messageContextMenu({ name: 'Animate', targetMessage: image, user: bob });
    await menu.waitForAck();
    const shown = JSON.stringify(menu.modal()?.components);
    expect(shown).toContain('"custom_id":"model"');
    expect(shown).toContain('{"label":"grok-video-3","value":"grok-video-3","default":true}');
    expect(shown).toContain('"value":"grok-video-1.5"');
    expect(shown).not.toContain('"value":"grok-imagine-video"');
    const submit = await discord.modalSubmit({
      from: menu,
      fields: { prompt: 'the boat drifts away', model: ['grok-video-1.5'] },
    });
    await submit.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const form = formOf(posts(video)[0]?.body);
    expect(form.fields).toMatchObject({ model: 'grok-video-1.5', prompt: 'the boat drifts away' });
    // The image goes as the sibling's file part, not as a JSON data URI.
    expect(Object.keys(form.files)).toEqual(['input_reference']);
    expect(form.files.input_reference?.type).toMatch(/^image\//);
  });
});
