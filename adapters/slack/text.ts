/**
 * Slack text as it arrives (slash command text, message and app_mention text) is Slack's wire form: the `&`,
 * `<` and `>` a person typed come as `&amp;`, `&lt;`, `&gt;`, and `<…>` is a control sequence naming a user,
 * a channel, a link, a special mention or a date (https://api.slack.com/reference/surfaces/formatting,
 * "Escaping text" and "Retrieving messages"). The video model, our usage checks and our own messages want the
 * text as the person read it, so it is decoded once, here, at the edge. Rendering escapes it again
 * (render.ts escapeSlack), so nothing decoded can turn back into a ping.
 */

export type SlackTextPart =
  | { kind: 'text'; text: string }
  | { kind: 'user'; id: string; label?: string }
  | { kind: 'channel'; id: string; label?: string }
  | { kind: 'link'; url: string; label?: string }
  /** `<!here>`, `<!channel>`, `<!everyone>`, `<!subteam^S1|@team>`, `<!date^…|fallback>`: `name` is after the `!`. */
  | { kind: 'special'; name: string; label?: string };

const ENTITY = /&(amp|lt|gt);/g;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>' };

/** Only these three are entity-encoded by Slack; one pass, so `&amp;lt;` stays the `&lt;` that was typed. */
export function decodeEntities(text: string): string {
  return text.replace(ENTITY, (_m, name: string) => ENTITIES[name] ?? _m);
}

export function parseSlackText(text: string): SlackTextPart[] {
  const parts: SlackTextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(/<([^<>]*)>/g)) {
    if (match.index > last) parts.push({ kind: 'text', text: decodeEntities(text.slice(last, match.index)) });
    last = match.index + match[0].length;
    parts.push(controlSequence(match[1] ?? ''));
  }
  if (last < text.length) parts.push({ kind: 'text', text: decodeEntities(text.slice(last)) });
  return parts;
}

function controlSequence(inner: string): SlackTextPart {
  const bar = inner.indexOf('|');
  const head = bar < 0 ? inner : inner.slice(0, bar);
  // `<#C1|>` (an empty label) is how newer clients send a channel: as good as no label.
  const label = bar < 0 || bar === inner.length - 1 ? undefined : decodeEntities(inner.slice(bar + 1));
  const withLabel = label === undefined ? {} : { label };
  if (head.startsWith('@')) return { kind: 'user', id: head.slice(1), ...withLabel };
  if (head.startsWith('#')) return { kind: 'channel', id: head.slice(1), ...withLabel };
  if (head.startsWith('!')) return { kind: 'special', name: head.slice(1), ...withLabel };
  return { kind: 'link', url: decodeEntities(head), ...withLabel };
}

/** Names the text refers to, looked up (and cached) by the adapter. Undefined when unknown. */
export interface SlackNames {
  user(id: string): Promise<string | undefined>;
  channel(id: string): Promise<string | undefined>;
}

export interface ResolvedNames {
  users: ReadonlyMap<string, string | undefined>;
  channels: ReadonlyMap<string, string | undefined>;
}

/** One message naming a hundred people must not become a hundred users.info calls; the rest use labels. */
const MAX_LOOKUPS = 20;

/** Looks up every user, and every channel without a label, that `text` names. */
export async function resolveNames(text: string, names: SlackNames): Promise<ResolvedNames> {
  const userIds = new Set<string>();
  const channelIds = new Set<string>();
  for (const part of parseSlackText(text)) {
    if (part.kind === 'user') userIds.add(part.id);
    else if (part.kind === 'channel' && part.label === undefined) channelIds.add(part.id);
  }
  const lookup = async (ids: Set<string>, find: (id: string) => Promise<string | undefined>) =>
    new Map(
      await Promise.all(
        [...ids]
          .slice(0, MAX_LOOKUPS)
          .map(async (id) => [id, await find(id).catch(() => undefined)] as const),
      ),
    );
  const [users, channels] = await Promise.all([
    lookup(userIds, (id) => names.user(id)),
    lookup(channelIds, (id) => names.channel(id)),
  ]);
  return { users, channels };
}

const NO_NAMES: ResolvedNames = { users: new Map(), channels: new Map() };

const SPECIAL_WORDS: Readonly<Record<string, string>> = {
  here: '@here',
  channel: '@channel',
  group: '@channel',
  everyone: '@everyone',
};

function special(name: string, label: string | undefined): string {
  const word = SPECIAL_WORDS[name.split('^')[0] ?? ''];
  if (word !== undefined) return word;
  if (name.startsWith('subteam^')) {
    if (label === undefined) return '@group';
    return label.startsWith('@') ? label : `@${label}`;
  }
  if (name.startsWith('date^')) {
    if (label !== undefined) return label;
    const seconds = Number(name.split('^')[1]);
    return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().slice(0, 10) : '';
  }
  return label ?? '';
}

/**
 * The text as a person reads it: entities decoded, `<@U1>` → `@display name` (else its label, else
 * `@someone`), `<#C1|general>` → `#general` (without a label: the looked-up name, else `#channel`), links →
 * their label or URL, `<!here>` → `@here`, a user group → its label, a date → its fallback text.
 */
export function plainSlackText(text: string, names: ResolvedNames = NO_NAMES): string {
  return parseSlackText(text)
    .map((part) => {
      switch (part.kind) {
        case 'text':
          return part.text;
        case 'user':
          return `@${names.users.get(part.id) ?? part.label ?? 'someone'}`;
        case 'channel':
          return `#${part.label ?? names.channels.get(part.id) ?? 'channel'}`;
        case 'link':
          return part.label ?? part.url.replace(/^mailto:/i, '');
        case 'special':
          return special(part.name, part.label);
      }
    })
    .join('');
}

/** Decodes `text` with the names it refers to looked up first. */
export async function decodeSlackText(text: string, names: SlackNames): Promise<string> {
  return plainSlackText(text, await resolveNames(text, names));
}
