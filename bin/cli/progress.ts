import { textBar } from '../../src/generation/progress-view.js';
import type { GenerationEvent } from '../../src/generation/video-job.js';

/** Renders runner events on a terminal: a redrawn bar on a TTY, one line per change otherwise (logs, CI). */
export function createProgressPrinter(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY === true;
  let barShown = false;

  const line = (text: string) => {
    if (tty && barShown) stream.write('\r\x1b[2K');
    barShown = false;
    stream.write(`${text}\n`);
  };

  return {
    event(event: GenerationEvent): void {
      const seconds = 'elapsedMs' in event ? `${(event.elapsedMs / 1000).toFixed(1)}s` : '';
      switch (event.type) {
        case 'submitted':
          line(`Submitted job ${event.jobId}`);
          return;
        case 'progress': {
          const pct = event.progress === undefined ? '' : ` ${event.progress}%`;
          if (tty) {
            stream.write(`\r\x1b[2K${textBar(event.progress, 30)} ${event.status}${pct} ${seconds}`);
            barShown = true;
          } else {
            line(`${event.status}${pct} after ${seconds}`);
          }
          return;
        }
        case 'delayed':
          line(`The video service is slow to answer (${event.reason}); still waiting…`);
          return;
        case 'downloading':
          line(`Downloading after ${seconds}`);
          return;
        case 'completed':
          line(`Done in ${seconds} (${event.video.bytes.toLocaleString('en-US')} bytes)`);
          return;
      }
    },
    message(text: string): void {
      line(text);
    },
  };
}
