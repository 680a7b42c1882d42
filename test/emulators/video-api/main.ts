/**
 * `npm run emulator`: runs the video API emulator for manual work against a real bot.
 * The first two lines are exactly what goes into `.env`; then one line per request.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startVideoApiEmulator } from './server.js';
import type { RecordedRequest } from './server.js';

const usage = `usage: npm run emulator -- [--port N] [--host H] [--key KEY] [--generation-ms MS] [--model NAME]
                            [--clips rendered|sample]
  --clips: rendered (default) gives each job a real clip coloured by its prompt and as long as its seconds;
           sample gives every job the same tiny 2 s MP4
  env: PORT, EMULATOR_API_KEY`;

const Port = z.coerce.number().int().min(0).max(65_535);
const Ms = z.coerce.number().int().min(0);

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

function parseOrFail<T>(schema: z.ZodType<T>, value: string, name: string): T {
  const result = schema.safeParse(value);
  if (!result.success) fail(`invalid ${name}: ${value}`);
  return result.data;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        key: { type: 'string' },
        'generation-ms': { type: 'string' },
        model: { type: 'string' },
        clips: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(usage);
    return;
  }

  const started = Date.now();
  const log = (request: RecordedRequest, server: 'api' | 'foreign'): void => {
    const status = request.status === 0 ? 'dropped' : String(request.status);
    const where = server === 'foreign' ? ' [foreign]' : '';
    console.log(
      `${new Date(request.at).toISOString()} ${request.method} ${request.path}${where} -> ${status} (${Date.now() - request.at} ms)`,
    );
  };

  const emulator = await startVideoApiEmulator({
    host: values.host ?? '127.0.0.1',
    port: parseOrFail(Port, values.port ?? process.env.PORT ?? '4010', 'port'),
    apiKey: values.key ?? process.env.EMULATOR_API_KEY ?? 'emu-dev-key',
    generationMs: parseOrFail(Ms, values['generation-ms'] ?? '8000', 'generation-ms'),
    ...(values.model === undefined ? {} : { model: values.model }),
    clips: parseOrFail(z.enum(['rendered', 'sample']), values.clips ?? 'rendered', 'clips'),
    onRequest: log,
  });

  console.log(`VIDEO_API_BASE_URL=${emulator.baseUrl}`);
  console.log(`VIDEO_API_KEY=${emulator.apiKey}`);
  console.log(
    `# video API emulator ready in ${Date.now() - started} ms; foreign files on ${emulator.foreignOrigin}`,
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`# ${signal}: closing`);
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('close failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('video API emulator failed to start:', error);
  process.exit(1);
});
