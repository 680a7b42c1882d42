/** Small helpers shared by the Discord emulator's modules: snowflakes, permission bits, HTTP plumbing. */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody as readLimitedBody } from '../http-util.js';

const DISCORD_EPOCH = 1_420_070_400_000n;
let lastSnowflake = 0n;

/**
 * A fresh snowflake (17-19 digits, like Discord's; @discordjs/rest only treats 17-19 digit ids as major
 * parameters). Always taken from the real clock so ids stay valid whatever clock a test injects.
 */
export function snowflake(at: number = Date.now()): string {
  let id = ((BigInt(Math.floor(at)) - DISCORD_EPOCH) << 22n) | (1n << 17n);
  if (id <= lastSnowflake) id = lastSnowflake + 1n;
  lastSnowflake = id;
  return id.toString();
}

/** Epoch ms encoded in a snowflake. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** Something that looks like an interaction token (they start with base64 `interaction:`). */
export function interactionToken(): string {
  return `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`;
}

export function shortHash(text: string, length = 32): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

/** Permission bits used by the emulator (the same values as discord.js `PermissionFlagsBits`). */
export const PermissionBits = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewAuditLog: 1n << 7n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  ChangeNickname: 1n << 26n,
  ManageRoles: 1n << 28n,
  UseApplicationCommands: 1n << 31n,
  CreatePublicThreads: 1n << 35n,
  SendMessagesInThreads: 1n << 38n,
} as const;

const P = PermissionBits;
/** What `@everyone` gets in a new server (the subset the emulator knows about). */
export const DEFAULT_EVERYONE_PERMISSIONS =
  P.CreateInstantInvite |
  P.AddReactions |
  P.ViewChannel |
  P.SendMessages |
  P.EmbedLinks |
  P.AttachFiles |
  P.ReadMessageHistory |
  P.UseExternalEmojis |
  P.Connect |
  P.Speak |
  P.ChangeNickname |
  P.UseApplicationCommands |
  P.CreatePublicThreads |
  P.SendMessagesInThreads;
/** Default `app_permissions` in guilds: what a bot invited with the usual message permissions holds. */
export const DEFAULT_APP_PERMISSIONS = DEFAULT_EVERYONE_PERMISSIONS | P.ManageMessages;
/** `app_permissions` Discord reports in DMs. */
export const DM_APP_PERMISSIONS =
  P.AddReactions |
  P.ViewChannel |
  P.SendMessages |
  P.EmbedLinks |
  P.AttachFiles |
  P.ReadMessageHistory |
  P.UseExternalEmojis |
  P.UseApplicationCommands;
/** Every bit up to 2^50: what an administrator or the owner gets. */
export const ALL_PERMISSIONS = (1n << 51n) - 1n;

export function toPermissions(value: string | bigint | number): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

/** Gateway intent bits the emulator looks at. */
export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  DirectMessages: 1 << 12,
  MessageContent: 1 << 15,
} as const;

export const PRIVILEGED_INTENTS = Intents.GuildMembers | Intents.GuildPresences | Intents.MessageContent;

/** Message flag bits. */
export const MessageFlagBits = {
  SuppressEmbeds: 1 << 2,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
  IsComponentsV2: 1 << 15,
} as const;

export { flattenHeaders } from '../http-util.js';

/** The whole body, or undefined when the client went away mid-body. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return (await readLimitedBody(req, Infinity))?.data;
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const data = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': String(data.length),
  });
  res.end(data);
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Discord renders timestamps with microseconds and an explicit offset. */
export function discordTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000+00:00');
}
