import { BotError, toBotError } from '../errors.js';
import { lazyChild, type Logger } from '../log.js';
import {
  DEFAULT_LANGUAGE,
  resolveLanguages,
  type InvocationLanguages,
  type Language,
} from '../i18n/languages.js';
import { translator, type Translator } from '../i18n/translate.js';
import type { SpaceSettings } from '../settings/space-settings.js';
import type { AckGate } from './ack-gate.js';
import type { FirstSeen } from '../store/first-seen.js';
import type { GenerationReply, Invocation, Reply } from '../port.js';
import type { CommandContext, CommandDefinition, CommandRegistry } from './command.js';

/**
 * `handle(invocation, reply)`: the checks every command passes, in this order and only here: the platform's
 * repeated delivery is dropped, a space ALLOWED_SPACES does not list hears only that the bot is not enabled
 * there, a draining bot says it is restarting, the command is looked up (an unknown one or an unknown
 * subcommand, as a stale registration sends, gets an answer, never silence), input refused without I/O (the
 * adapter's reading, the command's `precheck`) is answered, the platform is acknowledged, then the command
 * runs, once the other invocations on their way to an acknowledgement have theirs (`ackGate`). Generating commands go
 * on through `CommandContext.generate` (rules, cap, quota, images, record, upstream). Whatever is thrown
 * becomes `reply.fail` with the error's user message.
 */

/** A subcommand the command does not have: typed by mistake (Slack) or left registered by an older version. */
function unknownSubcommand(
  command: CommandDefinition,
  words: string,
  known: readonly { name: string }[],
  tr: Translator,
): BotError {
  return new BotError('invalid_input', `unknown subcommand ${command.name} ${words}`, {
    userMessage: tr.t('core.unknownSubcommand', {
      command: `/${command.name}`,
      words,
      count: known.length,
      known: tr.orList(known.map((s) => `\`${s.name}\``)),
    }),
  });
}

/** A stale registration's subcommand (or group) gets an answer before anything is acknowledged. */
function checkSubcommand(command: CommandDefinition, invocation: Invocation, tr: Translator): void {
  const { subcommand, subcommandGroup } = invocation;
  if (subcommandGroup !== undefined) {
    const group = command.subcommandGroups?.find((g) => g.name === subcommandGroup);
    if (!group) throw unknownSubcommand(command, subcommandGroup, command.subcommands ?? [], tr);
    if (subcommand !== undefined && !group.subcommands.some((s) => s.name === subcommand)) {
      throw unknownSubcommand(command, `${subcommandGroup} ${subcommand}`, group.subcommands, tr);
    }
    return;
  }
  if (subcommand !== undefined && !command.subcommands?.some((s) => s.name === subcommand)) {
    throw unknownSubcommand(command, subcommand, command.subcommands ?? [], tr);
  }
}

export interface DispatchDeps {
  registry: CommandRegistry;
  firstSeen: FirstSeen;
  draining(): boolean;
  /** ALLOWED_SPACES; every space when absent (the operator CLI). */
  allows?(space: Pick<Invocation, 'platform' | 'spaceId'>): boolean;
  /**
   * The context for a command invoked on this invocation's platform, speaking `languages`; `space` is the
   * space's settings as `readSpace` read them for this invocation, for the context's own checks to reuse.
   */
  contextFor(invocation: Invocation, languages: InvocationLanguages, space?: SpaceSettings): CommandContext;
  /**
   * The space's settings, read once per invocation after the command is known: its `/settings language`
   * picks the languages, and the command's context reuses the same read (the precheck's model), so the
   * acknowledgement waits for one store read, not one per question. Absent where spaces have no settings
   * (the operator CLI).
   */
  readSpace?(invocation: Invocation): Promise<SpaceSettings>;
  /**
   * Holds each command's work after its acknowledgement until the other invocations on their way to theirs
   * are acknowledged (see ack-gate.ts); the work runs right after the acknowledgement when absent.
   */
  ackGate?: AckGate;
  /** DEFAULT_LANGUAGE; English when absent. */
  defaultLanguage?: Language;
  logger: Logger;
}

/** Refusals are the users' business and logged quietly; anything else is ours. */
const QUIET_KINDS = new Set(['invalid_input', 'forbidden', 'not_enabled', 'quota_exceeded', 'too_many_jobs']);

export function createDispatcher(deps: DispatchDeps) {
  return async function handle(invocation: Invocation, reply: Reply | GenerationReply): Promise<void> {
    const log = lazyChild(deps.logger, {
      platform: invocation.platform,
      userId: invocation.userId,
      command: invocation.command,
    });
    // Until it is acknowledged or answered, whatever the way out.
    const answered = deps.ackGate?.arrive() ?? (() => undefined);
    const defaultLanguage = deps.defaultLanguage ?? DEFAULT_LANGUAGE;
    // Until the space's settings are read (refusals before the command is known): the platform's locales.
    let languages = resolveLanguages({
      userLocale: invocation.locale,
      spaceLocale: invocation.spaceLocale,
      defaultLanguage,
    });
    try {
      const delivery = invocation.delivery;
      const firstDelivery = async (): Promise<boolean> => {
        if (!delivery) return true;
        const first = await deps.firstSeen(`${invocation.platform}:${delivery.id}`, delivery.ttlMs, {
          acrossRestarts: delivery.acrossRestarts,
        });
        if (!first) log.info({ deliveryId: delivery.id }, 'ignoring a repeated delivery of an event');
        return first;
      };
      if (!delivery?.afterAcknowledge && !(await firstDelivery())) return;
      // Before anything with a cost or an answer of its own: no acknowledgement (a public "thinking"), no
      // lookup, no reservation, no image. Owners get no exception: the list is where the bot works.
      if (deps.allows && !deps.allows(invocation)) {
        throw new BotError('not_enabled', `space ${invocation.spaceId} is not in ALLOWED_SPACES`, {
          userMessage: deps.contextFor(invocation, languages).format.notEnabled(invocation.spaceId),
          detail: { spaceId: invocation.spaceId },
        });
      }
      if (deps.draining()) {
        await reply.fail(
          new BotError('aborted', 'command while draining', {
            userMessage: translator(languages.private).t('core.restarting'),
          }),
        );
        return;
      }
      const command = deps.registry.get(invocation.command);
      if (!command) {
        throw new BotError('invalid_input', `unknown command ${invocation.command}`, {
          userMessage: translator(languages.private).t('core.noLongerAvailable'),
        });
      }
      const space = await deps.readSpace?.(invocation);
      languages = resolveLanguages({
        userLocale: invocation.locale,
        spaceLocale: invocation.spaceLocale,
        spaceSetting: space?.language,
        defaultLanguage,
      });
      checkSubcommand(command, invocation, translator(languages.private));
      // Refused input was never going to run: answered before any acknowledgement that would promise it.
      if (invocation.refusal) throw invocation.refusal;
      const context = deps.contextFor(invocation, languages, space);
      if (!invocation.help) await command.precheck?.(invocation, context);
      try {
        await reply.acknowledge?.(command.visibility, languages.space);
      } catch (error) {
        // Most often another process acknowledged it first (Discord: 40060); either way nothing can answer.
        log.info({ err: error }, 'the platform refused our acknowledgement');
        return;
      }
      answered();
      await deps.ackGate?.afterAcks();
      if (delivery?.afterAcknowledge && !(await firstDelivery())) return;
      if (invocation.help) {
        await reply.text(context.format.usage(command), { ephemeral: true, formatted: true });
        return;
      }
      await command.handle(invocation, reply, context);
    } catch (error) {
      const botError = toBotError(error);
      if (QUIET_KINDS.has(botError.kind)) log.info({ kind: botError.kind, err: botError }, 'request refused');
      else log.error({ err: botError }, 'command failed');
      // A refusal is the user's business: said in their language (a service names its text, docs/i18n.md).
      await reply
        .fail(botError.localized(translator(languages.private)))
        .catch((e: unknown) => log.warn({ err: e }, 'could not report a failure'));
    } finally {
      answered();
    }
  };
}
