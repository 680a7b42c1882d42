import { z } from 'zod';
import { StartupError, errorMessage } from '../../src/port.js';

/**
 * Checks SLACK_BOT_TOKEN with `auth.test` (https://api.slack.com/methods/auth.test) before Bolt does. Left to
 * Bolt, a refused token ends the process with an unhandled rejection that names neither Slack's URL nor the
 * variable, and a Slack that does not answer keeps the bot "starting" through minutes of retries. One attempt
 * here, with a short timeout, and a sentence naming Slack and the URL either way.
 */

const authTestSchema = z.object({
  ok: z.boolean(),
  error: z.string().optional(),
  team_id: z.string().optional(),
  user_id: z.string().optional(),
});

export interface SlackIdentity {
  teamId: string | undefined;
  userId: string | undefined;
}

const TIMEOUT_MS = 10_000;

/** Resolves with the token's workspace and bot user; throws a StartupError naming Slack and the URL. */
export async function checkSlackToken(
  apiUrl: string,
  botToken: string,
  fetchImpl: typeof fetch = fetch,
): Promise<SlackIdentity> {
  const url = `${apiUrl}auth.test`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${botToken}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new StartupError('Slack', url, `not reachable (${errorMessage(error)}); is SLACK_API_URL right?`, {
      cause: error,
    });
  }
  const body: unknown = await response.json().catch(() => undefined);
  const parsed = authTestSchema.safeParse(body);
  if (!parsed.success) {
    throw new StartupError('Slack', url, `auth.test answered HTTP ${response.status} without Slack's JSON`);
  }
  if (!parsed.data.ok) {
    const reason = parsed.data.error ?? 'no reason given';
    throw new StartupError(
      'Slack',
      url,
      `SLACK_BOT_TOKEN was refused (${reason}); is it the app's Bot User OAuth Token?`,
    );
  }
  return { teamId: parsed.data.team_id, userId: parsed.data.user_id };
}
