import { Redis } from 'ioredis';
import { UsageError } from '../usage-error.js';

/**
 * Opens an ioredis client for a `--queue redis://[:password@]host:port/db` URL and checks it with a
 * PING within `timeoutMs`, so an unreachable server or a wrong password is one line before any job
 * runs. BullMQ needs `maxRetriesPerRequest: null` on the clients it blocks on.
 */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--queue must be a redis://host:port/db URL; got '${url}'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new UsageError(`--queue must be a redis:// or rediss:// URL; got '${url}'`);
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  const safe = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs),
      ),
    ]);
  } catch (err) {
    client.disconnect();
    const msg = err instanceof Error ? err.message : String(err);
    if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(msg))
      throw new UsageError(`Redis at ${safe} refused the password (${msg.split('\n')[0]})`);
    throw new UsageError(`cannot reach Redis at ${safe} (${msg.split('\n')[0]})`);
  }
  // Later failures (server restart) must not crash the process: BullMQ reports them per job.
  client.options.retryStrategy = (times) => Math.min(times * 200, 2000);
  return client;
}
