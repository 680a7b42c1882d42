import type { AckFn, RespondArguments, SlashCommand } from '@slack/bolt';
import { SLASH_COMMANDS } from '../../commands/index.js';
import { pickLanguage, toBotError, translator, type Invocation, type OptionValue } from '../../src/port.js';
import { parseCommandText, type ParsedCommand } from './arguments.js';
import { slackDelivery, type SlackContext } from './context.js';
import { commandAck } from './private-answer.js';
import { plainSlackText, resolveNames } from './text.js';

/**
 * Slash commands: one listener for the registry's commands. Each is decoded into an Invocation by the
 * registry's option data and handed to the core. The text is decoded once, here (text.ts), with the names of
 * the people and channels it mentions. A job's command (`/imagine a cat`) is acknowledged empty at once and
 * answered through its response_url; for the others the acknowledgement waits for the core's first answer,
 * so an answer known at once (usage, /quota, a refusal) rides in the ack body, which Slack shows wherever the
 * command was typed, and one later than 2 s goes through the response_url. Whether the users named are in this workspace, and whether the invoker is an admin, come from
 * users.info.
 */
export function registerSlashCommands(
  context: SlackContext,
  rememberDomain: (team: string, domain: string) => void,
) {
  const definitions = new Map(SLASH_COMMANDS.map((definition) => [`/${definition.name}`, definition]));
  // One listener for every command: Bolt runs each listener's middleware chain on every request it receives
  // (commands, buttons, events alike), so a listener per command multiplies that work under a burst.
  context.bolt.command(exactly([...definitions.keys()]), async ({ command, ack }) => {
    const definition = definitions.get(command.command);
    if (definition) await handleCommand(definition, command, ack);
  });

  async function handleCommand(
    definition: (typeof SLASH_COMMANDS)[number],
    command: SlashCommand,
    ack: AckFn<string | RespondArguments>,
  ): Promise<void> {
    const acknowledgement = commandAck(ack, context.log);
    // A job's command is acknowledged before any lookup: users.info is a round trip to Slack and the core's
    // checks read the store, and during a burst every command's ack would wait for them. Its answers (a
    // refusal) go through the response_url, which reaches the user wherever they typed it. The usage text of
    // a bare `/imagine` still rides in the ack body: it needs no lookup.
    if (definition.visibility === 'job' && command.text.trim() !== '') {
      await acknowledgement.settle();
      // Its lookups wait too, like its job's work: the burst's other commands are still waiting for theirs.
      await context.afterAcks();
    }
    const responseUrl = command.response_url
      ? { url: command.response_url, issuedAt: Date.now() }
      : undefined;
    rememberDomain(command.team_id, command.team_domain);
    const here = { kind: 'channel' as const, id: command.channel_id, name: command.channel_name };
    let parsed: ParsedCommand = { options: {}, help: false };
    let refusal: Invocation['refusal'];
    // Where the bot is not enabled the core refuses the command anyway: no users.info lookups for it.
    const enabled = context.core().allows({ platform: 'slack', spaceId: command.team_id });
    // The user's locale matters to every command (its answers, a refusal of its text); admin rights only to
    // commands that answer (a job's rules are the same for everyone).
    const user = enabled ? await context.lookupUser(command.user_id, command.team_id) : undefined;
    try {
      // Where the bot is not enabled no lookups at all: the names stay as they came.
      const names = enabled ? await resolveNames(command.text, context.names(command.team_id)) : undefined;
      const tr = translator(pickLanguage([user?.locale]));
      parsed = parseCommandText(definition, command.text, here, (raw) => plainSlackText(raw, names), tr);
      if (enabled) await resolveUsers(context, parsed.options, command.team_id);
    } catch (error) {
      refusal = toBotError(error);
    }
    const isSpaceAdmin = definition.visibility !== 'job' && (user?.admin ?? false);
    const invocation: Invocation = {
      platform: 'slack',
      spaceId: command.team_id,
      channelId: command.channel_id,
      userId: command.user_id,
      userName: command.user_name,
      locale: user?.locale,
      isSpaceAdmin,
      command: definition.name,
      subcommandGroup: parsed.subcommandGroup,
      subcommand: parsed.subcommand,
      options: parsed.options,
      images: [],
      delivery: slackDelivery(`trigger:${command.trigger_id}`),
      help: parsed.help,
      refusal,
    };
    const ref = {
      kind: 'slack' as const,
      teamId: command.team_id,
      channel: command.channel_id,
      userId: command.user_id,
      responseUrl,
    };
    const reply = context.replyAt(ref, {
      ack: acknowledgement,
      settleOnJob: !parsed.help,
      locale: user?.locale,
    });
    // Not awaited: Bolt's listener must not be held for a whole job. A command that never answered (a
    // repeated delivery) is acknowledged empty when the core is done with it.
    void context
      .core()
      .handle(invocation, reply)
      .finally(() => acknowledgement.settle());
  }
}

/** A pattern matching exactly one of `words`. */
export function exactly(words: readonly string[]): RegExp {
  return new RegExp(`^(?:${words.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
}

async function resolveUsers(
  context: SlackContext,
  options: Record<string, OptionValue | undefined>,
  teamId: string,
): Promise<void> {
  for (const [name, value] of Object.entries(options)) {
    if (typeof value !== 'object' || 'kind' in value) continue;
    const user = await context.lookupUser(value.id, teamId);
    // The display name over the mention's label: Slack is phasing labels out, and they are usernames.
    options[name] = { ...value, inSpace: user.inTeam, displayName: user.name ?? value.displayName };
  }
}
