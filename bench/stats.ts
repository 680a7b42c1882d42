/** Small helpers shared by the benchmark scripts. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function fixed(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/**
 * Figures a benchmark hands to `npm run bench` (bench/run-all.ts): written as JSON to the file named by
 * BENCH_JSON when it is set, so every script still runs alone and prints for humans.
 */
export async function writeFigures(figures: Record<string, number | string | boolean>): Promise<void> {
  const path = process.env.BENCH_JSON;
  if (!path) return;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, `${JSON.stringify(figures, null, 2)}\n`);
}
