import { ConfigError } from '../src/config.js';
import { StartupError } from '../src/errors.js';

/**
 * Runs a process entry point and exits with its code. A configuration error prints its sentence (it names
 * the variable), a start-up error its own (it names the service and its URL), and exits 1; anything else
 * thrown is printed whole. Exiting explicitly, because open handles (a pool's keep-alive sockets, a timer)
 * would otherwise hold the process.
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof StartupError) console.error(`Cannot start: ${error.message}`);
      else console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
