/**
 * Runs a process entry point and exits with its code; anything it throws is printed and exits 1. Exiting
 * explicitly, because open handles (a pool's keep-alive sockets, a timer) would otherwise hold the process.
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
