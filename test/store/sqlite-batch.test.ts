import { describe, expect, it } from 'vitest';
import { createKeyvBatcher } from '../../src/store/sqlite-batch.js';
import { AsyncLock } from '../../src/store/sqlite-lock.js';

/**
 * The batcher against a fake statement runner that keeps rows in a map and records each statement, so the
 * test sees how many statements a burst costs and in which order they ran.
 */
function fakeFile() {
  const rows = new Map<string, string>();
  const statements: string[] = [];
  let failNext: Error | undefined;
  const run = async (sql: string, parameters: Array<string | number>): Promise<unknown[]> => {
    await new Promise((resolve) => setImmediate(resolve));
    statements.push(sql.trim().split(' ')[0] ?? '');
    if (failNext) {
      const error = failNext;
      failNext = undefined;
      throw error;
    }
    if (sql.startsWith('SELECT')) {
      return parameters.flatMap((key) => {
        const value = rows.get(String(key));
        return value === undefined ? [] : [{ key: String(key), value }];
      });
    }
    for (let i = 0; i < parameters.length; i += 2) rows.set(String(parameters[i]), String(parameters[i + 1]));
    return [];
  };
  const parse = (list: unknown[]) => list as Array<{ key: string; value: string | null }>;
  return { rows, statements, run, parse, failNextStatement: (error: Error) => (failNext = error) };
}

describe('keyv batcher', () => {
  it('writes 300 records asked at once in two statements, then reads them back in one per 250 keys', async () => {
    const file = fakeFile();
    const batch = createKeyvBatcher(new AsyncLock(), file.run, file.parse);
    const keys = Array.from({ length: 300 }, (_, i) => `job:${i}`);
    await Promise.all(keys.map((key) => batch.write(key, `"${key}"`)));
    expect(file.statements).toEqual(['INSERT', 'INSERT']);
    const values = await Promise.all(keys.map((key) => batch.read([key])));
    expect(values.map(([value]) => value)).toEqual(keys.map((key) => `"${key}"`));
    expect(file.statements).toEqual(['INSERT', 'INSERT', 'SELECT', 'SELECT']);
  });

  it('keeps the order asked: a read after a write sees it, and the last of two writes to a key wins', async () => {
    const file = fakeFile();
    const batch = createKeyvBatcher(new AsyncLock(), file.run, file.parse);
    const before = batch.read(['cfg:a']);
    const first = batch.write('cfg:a', '1');
    const second = batch.write('cfg:a', '2');
    const after = batch.read(['cfg:a', 'cfg:missing', 'cfg:a']);
    expect(await before).toEqual([undefined]);
    await Promise.all([first, second]);
    expect(await after).toEqual(['2', undefined, '2']);
    expect(file.statements).toEqual(['SELECT', 'INSERT', 'SELECT']);
  });

  it('fails only the operations of the statement that failed', async () => {
    const file = fakeFile();
    const batch = createKeyvBatcher(new AsyncLock(), file.run, file.parse);
    file.failNextStatement(new Error('SQLITE_IOERR'));
    const failed = [batch.write('job:a', '1'), batch.write('job:b', '2')];
    const read = batch.read(['job:a']);
    await expect(Promise.all(failed)).rejects.toThrow('SQLITE_IOERR');
    expect(await read).toEqual([undefined]);
    await batch.write('job:a', '3');
    expect(await batch.read(['job:a'])).toEqual(['3']);
  });
});
