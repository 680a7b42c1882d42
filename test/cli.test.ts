import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startVideoApiEmulator,
  type RecordedForm,
  type VideoApiEmulator,
} from './emulators/video-api/server.js';
import { testImage } from './helpers/images.js';

let emulator: VideoApiEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startVideoApiEmulator({ generationMs: 300 });
  dir = await mkdtemp(join(tmpdir(), 'cli-test-'));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process, with an environment built from scratch (no .env, no inherited keys). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/cli.ts', ...args],
      {
        cwd: process.cwd(),
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          VIDEO_API_BASE_URL: emulator.baseUrl,
          VIDEO_API_KEY: emulator.apiKey,
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('cli generate', () => {
  it('writes the MP4 and prints only its path on stdout', async () => {
    const out = join(dir, 'fox.mp4');
    const run = await cli(['generate', 'a fox in the snow', '--seconds', '4', '--out', out]);
    expect(run.stderr).toContain('Done in');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${out}\n`);
    expect(await readFile(out)).toEqual(emulator.mp4);
    const post = emulator.requests.find((r) => r.method === 'POST');
    expect(post?.body).toMatchObject({ prompt: 'a fox in the snow', seconds: '4' });
  });

  it('sends an image file as a data URI', async () => {
    const image = join(dir, 'photo.png');
    await writeFile(image, await testImage({ width: 64, height: 48, fill: '#3366cc' }));
    emulator.reset();
    const run = await cli(['generate', 'make it move', '--image', image, '--out', join(dir, 'img.mp4')]);
    expect(run.code).toBe(0);
    const body = emulator.requests.find((r) => r.method === 'POST')?.body as { image?: string };
    expect(body.image).toMatch(/^data:image\/jpeg;base64,/);
  });

  it('exits 2 on invalid input without calling the API', async () => {
    emulator.reset();
    const run = await cli(['generate', 'x', '--aspect-ratio', '8:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('too wide');
    expect(run.stdout).toBe('');
    expect(emulator.requests).toHaveLength(0);
  });

  it('sends the --model chosen, as that model’s wire format', async () => {
    emulator.reset();
    const out = join(dir, 'boat.mp4');
    const run = await cli(
      [
        'generate',
        'a paper boat',
        '--model',
        'grok-video-3',
        '--seconds',
        '15',
        '--resolution',
        '1080p',
        '--out',
        out,
      ],
      { VIDEO_MODELS: 'grok-imagine-video,grok-video-3' },
    );
    expect(run.stderr).toContain('Done in');
    expect(run.code).toBe(0);
    expect(await readFile(out)).toEqual(emulator.mp4);
    const body = emulator.requests.find((r) => r.method === 'POST')?.body as RecordedForm;
    expect(body.kind).toBe('multipart');
    expect(body.fields).toMatchObject({ model: 'grok-video-3', seconds: '15', size: '1080P' });
  });

  it('sends an image to a sibling model as the file part input_reference', async () => {
    emulator.reset();
    const image = join(dir, 'sibling.png');
    await writeFile(image, await testImage({ width: 64, height: 48, fill: '#cc3366' }));
    const run = await cli(
      [
        'generate',
        'make it move',
        '--model',
        'grok-video-1.5',
        '--image',
        image,
        '--out',
        join(dir, 's.mp4'),
      ],
      { VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5' },
    );
    expect(run.code).toBe(0);
    const body = emulator.requests.find((r) => r.method === 'POST')?.body as RecordedForm;
    expect(body.kind).toBe('multipart');
    expect(body.fields).toMatchObject({ model: 'grok-video-1.5', seconds: '10' });
    expect(body.fields).not.toHaveProperty('image');
    expect(body.files.input_reference?.type).toMatch(/^image\//);
  });

  it('exits 2 naming the model’s rule, with nothing sent, for a length, size or model it lacks', async () => {
    emulator.reset();
    const env = { VIDEO_MODELS: 'grok-imagine-video,grok-video-3' };
    const seconds = await cli(['generate', 'x', '--model', 'grok-video-3', '--seconds', '6'], env);
    expect(seconds.code).toBe(2);
    expect(seconds.stderr).toContain(
      'grok-video-3 makes 10 s (Pro) or 15 s (Max) videos; “6” is not one of them.',
    );
    const size = await cli(['generate', 'x', '--resolution', '1080P'], env);
    expect(size.code).toBe(2);
    expect(size.stderr).toContain('The resolution must be 480P or 720P');
    const model = await cli(['generate', 'x', '--model', 'grok-video-1.5'], env);
    expect(model.code).toBe(2);
    expect(model.stderr).toContain(
      'This bot does not offer grok-video-1.5; choose grok-imagine-video or grok-video-3.',
    );
    expect(seconds.stdout + size.stdout + model.stdout).toBe('');
    expect(emulator.requests).toHaveLength(0);
  });

  it('exits 2 when the API refuses the request (400)', async () => {
    const run = await cli(['generate', 'x'], { VIDEO_MODEL: 'not-a-model' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('The video service refused this request');
  });

  it('exits 1 on a failed job, a bad key and a missing key', async () => {
    const failed = await cli(['generate', '[emu:fail=GPU on fire] x']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('GPU on fire');

    const badKey = await cli(['generate', 'x'], { VIDEO_API_KEY: 'wrong-key-123' });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain('misconfigured');
    expect(badKey.stderr).not.toContain('wrong-key-123');

    const noKey = await cli(['generate', 'x'], { VIDEO_API_KEY: '' });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('VIDEO_API_KEY is required');
  });

  it('prints help', async () => {
    const run = await cli(['generate', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--aspect-ratio');
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Commands:');
  });

  it('exits 2 on an unknown option', async () => {
    const run = await cli(['generate', 'x', '--colour', 'red']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--colour');
  });
});

describe('cli quota and jobs (operator commands on the shared store)', () => {
  it('mirrors the admin quota commands and lists job records', async () => {
    const env = { STORE_URL: `sqlite://${join(dir, 'ops.sqlite')}` };
    const setDefault = await cli(
      ['quota', 'default', '--platform', 'discord', '--space', 'g1', '--limit', '7'],
      env,
    );
    expect(setDefault.stderr).toBe('');
    expect(setDefault.stdout).toBe('The default limit here is now 7 videos.\n');
    const set = await cli(
      ['quota', 'set', '--platform', 'discord', '--space', 'g1', '--user', 'u1', '--limit', '9'],
      env,
    );
    expect(set.stdout).toBe('u1’s limit is now 9 videos.\n');
    const show = await cli(['quota', 'show', '--platform', 'discord', '--space', 'g1', '--user', 'u2'], env);
    expect(show.stdout).toMatch(
      /^u2: Used 0 of 7 videos today\. It resets at \d{4}-\d\d-\d\d 00:00 UTC\.\n$/,
    );
    const bad = await cli(
      ['quota', 'set', '--platform', 'discord', '--space', 'g1', '--user', 'u1', '--limit', '1000'],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('from 0 to 100');
    const noPlatform = await cli(['quota', 'show', '--space', 'g1', '--user', 'u1'], env);
    expect(noPlatform.code).toBe(2);

    const { openApp } = await import('../src/app.js');
    const { configFor, capturedLogger } = await import('./helpers/core.js');
    const { recordingSink } = await import('./helpers/app.js');
    const app = await openApp(configFor(emulator, env), capturedLogger().logger);
    await app.runner?.start(
      { platform: 'slack', spaceId: 'T1', channelId: 'C1', userId: 'U1', messageRef: {}, imageRefs: [] },
      { prompt: '[emu:fail=boom] a listed job' },
      recordingSink().sink,
    );
    await app.close();
    const jobs = await cli(['jobs', '--status', 'failed'], env);
    expect(jobs.code).toBe(0);
    expect(jobs.stdout).toMatch(
      /\tfailed\trefunded\tslack:T1:U1\t6s 16:9 720P\t\[emu:fail=boom\] a listed job\n$/,
    );
    expect((await cli(['jobs', '--status', 'completed'], env)).stderr).toBe('0 job(s)\n');
    expect((await cli(['jobs', '--status', 'nope'], env)).code).toBe(2);
  });

  it('sets, shows and resets a user’s limit across every server as a bot owner (`quota global`)', async () => {
    const env = { STORE_URL: `sqlite://${join(dir, 'global.sqlite')}`, QUOTA_GLOBAL_PER_USER: '3' };
    const set = await cli(['quota', 'global', 'set', 'discord:123', '10'], env);
    expect(set).toEqual({
      code: 0,
      stdout: '123’s limit across all servers and workspaces is now 10 videos.\n',
      stderr: '',
    });

    const { openApp } = await import('../src/app.js');
    const { configFor, capturedLogger } = await import('./helpers/core.js');
    const app = await openApp(configFor(emulator, env), capturedLogger().logger, { needsGeneration: false });
    await app.quota.reserve({ platform: 'discord', spaceId: 'g1', userId: '123' }, 'j1', 6);
    await app.quota.reserve({ platform: 'discord', spaceId: 'g2', userId: '123' }, 'j2', 6);
    await app.close();

    const show = await cli(['quota', 'global', 'show', 'discord:123'], env);
    expect(show.stdout).toMatch(
      /^123: Used 2 of 10 videos across all servers and workspaces today \(set by a bot owner\)\. It resets at \d{4}-\d\d-\d\d 00:00 UTC\.\n$/,
    );
    expect((await cli(['quota', 'global', 'reset', 'discord:123'], env)).stdout).toBe(
      '123’s usage across all servers and workspaces for this period is cleared (was 2).\n',
    );

    const noPlatform = await cli(['quota', 'global', 'set', '123', '10'], env);
    expect(noPlatform.code).toBe(2);
    expect(noPlatform.stderr).toContain('discord:<user id> or slack:<user id>');
    const badLimit = await cli(['quota', 'global', 'set', 'discord:123', 'ten'], env);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('whole number');
  });
});

describe('cli usage (the /usage report for operators)', () => {
  it('prints this period’s use with its cost in credits, for the whole bot, a space or a user, and as CSV', async () => {
    // QUOTA_UNIT stays videos: the cost in credits comes from PRICES all the same.
    const env = {
      STORE_URL: `sqlite://${join(dir, 'usage.sqlite')}`,
      VIDEO_MODELS: 'grok-imagine-video,grok-video-3',
      PRICES: 'grok-imagine-video:1/s,grok-video-3:3/s',
    };
    const { openApp } = await import('../src/app.js');
    const { configFor, capturedLogger } = await import('./helpers/core.js');
    const { recordingSink } = await import('./helpers/app.js');
    const app = await openApp(configFor(emulator, env), capturedLogger().logger);
    const at = (platform: 'slack' | 'discord', spaceId: string, userId: string) => ({
      platform,
      spaceId,
      channelId: 'C1',
      userId,
      messageRef: {},
      imageRefs: [],
    });
    await app.runner?.start(at('slack', 'T1', 'U1'), { prompt: 'a fox', seconds: 6 }, recordingSink().sink);
    await app.runner?.start(
      at('slack', 'T1', 'U2'),
      { prompt: 'a lighthouse', model: 'grok-video-3', seconds: 10 },
      recordingSink().sink,
    );
    await app.runner?.start(
      at('discord', 'g1', 'u9'),
      { prompt: 'a boat', seconds: 4 },
      recordingSink().sink,
    );
    await app.runner?.start(
      at('slack', 'T1', 'U1'),
      { prompt: '[emu:fail=boom] refunded' },
      recordingSink().sink,
    );
    await app.close();

    const all = await cli(['usage'], env);
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')).toEqual([
      expect.stringMatching(/^Usage of the whole bot today \(it resets at .* UTC\): 3 videos\.$/),
      'Cost: 40 credits.',
      'By model:',
      '• grok-imagine-video: 2 videos, 10 credits',
      '• grok-video-3: 1 video, 30 credits',
      'Users:',
      '• slack:U2: 1 video, 30 credits',
      '• slack:U1: 1 video, 6 credits',
      '• discord:u9: 1 video, 4 credits',
      'By space:',
      '• slack:T1: 2 videos, 36 credits',
      '• discord:g1: 1 video, 4 credits',
      'Given back (failed or cancelled in time): 1 video.',
      '',
    ]);

    const space = await cli(['usage', '--platform', 'slack', '--space', 'T1'], env);
    expect(space.stdout).toMatch(/^Usage in slack:T1 today .*: 2 videos\.\nCost: 36 credits\.\n/);
    expect(space.stdout).not.toContain('discord');
    const user = await cli(['usage', '--platform', 'slack', '--space', 'T1', '--user', 'U1'], env);
    expect(user.stdout).toMatch(/^Usage of U1 in slack:T1 today .*: 1 video\.\nCost: 6 credits\.\n/);
    expect(user.stdout).not.toContain('Users:');

    const csv = await cli(['usage', '--csv', '--platform', 'slack'], env);
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trimEnd().split('\n');
    const period = new Date().toISOString().slice(0, 10);
    expect(rows).toEqual([
      'period,kind,name,jobs,amount,unit,credits',
      `${period},total,,2,2,videos,36`,
      `${period},model,grok-video-3,1,1,videos,30`,
      `${period},model,grok-imagine-video,1,1,videos,6`,
      `${period},user,slack:U2,1,1,videos,30`,
      `${period},user,slack:U1,1,1,videos,6`,
      `${period},space,slack:T1,2,2,videos,36`,
      `${period},in_flight,,0,0,videos,0`,
    ]);

    // The quota commands speak the unit: credits here.
    const credits = { ...env, QUOTA_UNIT: 'credits' };
    expect(
      (await cli(['quota', 'default', '--platform', 'slack', '--space', 'T1', '--limit', '500'], credits))
        .stdout,
    ).toBe('The default limit here is now 500 credits.\n');
    expect(
      (await cli(['quota', 'show', '--platform', 'slack', '--space', 'T1', '--user', 'U3'], credits)).stdout,
    ).toMatch(/^U3: Used 0 of 500 credits today\./);
    const noPlatform = await cli(['usage', '--space', 'T1'], env);
    expect(noPlatform.code).toBe(2);
    expect(noPlatform.stderr).toContain('--space needs --platform');
    expect((await cli(['usage', '--platform', 'teams'], env)).code).toBe(2);
  });
});
