import { copyFile, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Config } from '../../src/config.js';
import { InvalidInputError } from '../../src/errors.js';
import type { ImageSource } from '../../src/generation/request.js';
import { createGenerationService } from '../../src/generation/service.js';
import type { Logger } from '../../src/log.js';
import { createProgressPrinter } from './progress.js';

export const GENERATE_HELP = `Usage: npm run cli -- generate "<prompt>" [options]

Generates one video with the same core the bot uses and writes it to disk.
Progress goes to stderr; stdout carries only the path of the written MP4.

Options:
  --seconds N           length in seconds (default DEFAULT_SECONDS)
  --aspect-ratio R      16:9, 9:16, 1:1, ... or a custom w:h between 1:4 and 4:1
  --resolution R        480P or 720P; the multipart models also 540P and 1080P
  --model NAME          one of VIDEO_MODELS (default VIDEO_MODEL)
  --image PATH          a reference image (PNG, JPEG, WebP, GIF); repeat for several
  --out FILE            where to write the MP4 (default ./<job id>.mp4)
  -h, --help            this text

Exit status: 0 written, 2 invalid input (nothing was charged), 1 any other failure.`;

export async function generateCommand(args: string[], config: Config, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      seconds: { type: 'string' },
      'aspect-ratio': { type: 'string' },
      resolution: { type: 'string' },
      model: { type: 'string' },
      image: { type: 'string', multiple: true },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${GENERATE_HELP}\n`);
    return 0;
  }
  const printer = createProgressPrinter(process.stderr);
  const images: ImageSource[] = [];
  for (const path of values.image ?? []) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new InvalidInputError('images', `Cannot read the image file “${path}”.`);
    images.push({ url: pathToFileURL(resolve(path)).toString(), name: path, size: info.size });
  }

  const service = createGenerationService(config, logger);
  const prepared = await service.prepare(
    {
      prompt: positionals.join(' '),
      seconds: values.seconds,
      aspectRatio: values['aspect-ratio'],
      resolution: values.resolution,
      model: values.model,
      images,
    },
    (source) => readFile(fileURLToPath(source.url ?? '')),
  );
  const { summary } = prepared;
  printer.message(
    `Generating ${summary.model} ${summary.seconds}s ${summary.aspectRatio} ${summary.resolution}` +
      (summary.imageCount ? ` from ${summary.imageCount} image(s)` : ''),
  );

  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    for await (const event of service.run({ body: prepared.body }, abort.signal)) {
      printer.event(event);
      if (event.type === 'completed') {
        const out = resolve(values.out ?? `${event.jobId.replace(/[^\w.-]/g, '_')}.mp4`);
        try {
          await copyFile(event.video.path, out);
        } finally {
          await event.video.cleanup();
        }
        process.stdout.write(`${out}\n`);
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return 0;
}
