import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function start(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/main.ts'],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 20_000 },
      (error, _stdout, stderr) =>
        resolve({ code: error && typeof error.code === 'number' ? error.code : 0, stderr }),
    );
  });
}

describe('npm start', () => {
  it('exits 1 naming every missing setting when no tokens are configured', async () => {
    const run = await start({ STORE_URL: 'memory://' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Cannot start the bot');
    expect(run.stderr).toContain('VIDEO_API_KEY is required');
    expect(run.stderr).toContain('No chat platform configured: set DISCORD_TOKEN');
  });

  it('names the Slack signing secret when only the bot token is set', async () => {
    const run = await start({ SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN');
  });

  it('exits 1 with the variable named when a setting is malformed', async () => {
    const run = await start({ MAX_SECONDS: '99' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MAX_SECONDS must be an integer 1-15');
  });
});
