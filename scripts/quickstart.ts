import { spawn } from 'node:child_process';
import { startVideoApiEmulator } from '../test/emulators/video-api/server.js';

/**
 * `npm run quickstart -- "<prompt>"`: the product without credentials. Starts the bundled video-API emulator,
 * points the real CLI at it, and writes the MP4 the emulator returns.
 */
const prompt = process.argv.slice(2).join(' ') || 'a red fox running through fresh snow, slow motion';
const emulator = await startVideoApiEmulator({ generationMs: 4000 });
console.log(`Video-API emulator on ${emulator.baseUrl} (no credits spent)`);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', 'bin/cli.ts', 'generate', prompt, '--out', 'quickstart.mp4'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, VIDEO_API_BASE_URL: emulator.baseUrl, VIDEO_API_KEY: emulator.apiKey },
  },
);
let stdout = '';
child.stdout.on('data', (chunk: Buffer) => {
  stdout += chunk.toString();
});
const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
await emulator.close();
if (code === 0) console.log(`Video written to ${stdout.trim()}`);
process.exitCode = code;
