import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from '@keyv/redis';

/** The Redis the tests use: the one `scripts/ensure-redis.sh` provides. */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

const ENSURE_SCRIPT = fileURLToPath(new URL('../../scripts/ensure-redis.sh', import.meta.url));

function pings(): boolean {
  try {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], {
      encoding: 'utf8',
      timeout: 5000,
    })
      .trim()
      .startsWith('PONG');
  } catch {
    return false;
  }
}

let ensured = false;

/**
 * Makes sure Redis answers on 127.0.0.1:6379, installing or starting it through scripts/ensure-redis.sh.
 * Tests that need Redis call this and fail when it throws: they are never skipped.
 */
export function ensureRedis(): string {
  if (ensured || pings()) {
    ensured = true;
    return TEST_REDIS_URL;
  }
  execFileSync('bash', [ENSURE_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 });
  if (!pings()) throw new Error(`Redis is still not answering on ${TEST_REDIS_URL} after ${ENSURE_SCRIPT}`);
  ensured = true;
  return TEST_REDIS_URL;
}

/** A key prefix no other test (or test run) shares. */
export function uniqueRedisPrefix(label = 'test'): string {
  return `test:${label}:${process.pid}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteRedisPrefix(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const reply = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 500 });
      cursor = String(reply.cursor);
      if (reply.keys.length > 0) deleted += await client.del(reply.keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    await client.close();
  }
}

/**
 * The URL of Redis database `db`, emptied: for tests whose bot processes share the whole keyspace of their
 * Redis (BullMQ, keyv and the ledger each use their own key names), so a prefix cannot keep them apart. Each
 * such test file takes a database number of its own.
 */
export async function emptyRedisDatabase(db: number): Promise<string> {
  const url = `${ensureRedis()}/${db}`;
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.flushDb();
  } finally {
    await client.close();
  }
  return url;
}
