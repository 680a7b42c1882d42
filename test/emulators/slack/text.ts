/**
 * What Slack makes of the text a person types before an app sees it
 * (https://api.slack.com/reference/surfaces/formatting, "Escaping text" and "Retrieving messages"):
 * `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;`; a mentioned person, channel or `@here`, and a URL, become
 * control sequences (`<@U1>`, `<#C1>`, `<!here>`, `<https://…>`). A slash command's text gets the control
 * sequences only when the command is configured to escape them ("Escape channels, users, and links sent to
 * your app", manifest `should_escape`, https://api.slack.com/interactivity/slash-commands); otherwise they
 * arrive as typed, and still entity-escaped.
 *
 * Typed text here is what the person typed, where `@name` / `#name` of a known user or channel stands for
 * one picked from Slack's autocomplete, and a control sequence already written out (`<@U1|bob>`,
 * `<!subteam^S1|@team>`) stands for what the client would have made of it.
 */

export type TypedForm = 'message' | 'escaped-command' | 'plain-command';

export interface TypedWorkspace {
  /** User id by name (the `name` of users.info), for `@name`. */
  users: ReadonlyMap<string, string>;
  /** Channel id by name, for `#name`. */
  channels: ReadonlyMap<string, string>;
  userName(id: string): string;
  channelName(id: string): string;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const regexpEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function alternation(names: Iterable<string>): string {
  const sorted = [...names].filter(Boolean).sort((a, b) => b.length - a.length);
  // A pattern that never matches when there is nothing to match.
  return sorted.length === 0 ? '(?!)' : sorted.map(regexpEscape).join('|');
}

/** The part of a typed URL Slack links: trailing punctuation stays outside, as in Slack. */
function splitUrl(url: string): [string, string] {
  const trailing = /[.,;:!?)'"]+$/.exec(url)?.[0] ?? '';
  return [url.slice(0, url.length - trailing.length), trailing];
}

export function encodeTyped(typed: string, form: TypedForm, workspace: TypedWorkspace): string {
  const pattern = new RegExp(
    [
      // 1: a control sequence written out
      '<((?:[@#!][^<>\\s|]+|(?:https?|mailto|tel):[^<>\\s|]+)(?:\\|[^<>]*)?)>',
      // 2: a bare URL
      '(https?://[^\\s<>]+)',
      // 3: a special mention
      '(?<![\\w@])@(here|channel|everyone)(?![\\w.-])',
      // 4: a known user
      `(?<![\\w@])@(${alternation(workspace.users.keys())})(?![\\w.-])`,
      // 5: a known channel
      `(?<![\\w#])#(${alternation(workspace.channels.keys())})(?![\\w.-])`,
    ].join('|'),
    'g',
  );
  const controls = form !== 'plain-command';
  let out = '';
  let last = 0;
  for (const match of typed.matchAll(pattern)) {
    out += escape(typed.slice(last, match.index));
    last = match.index + match[0].length;
    const [, written, url, special, userName, channelName] = match;
    if (written !== undefined) out += controls ? match[0] : escape(asTyped(written, workspace));
    else if (url !== undefined) {
      const [linked, trailing] = splitUrl(url);
      out += (controls ? `<${escape(linked)}>` : escape(linked)) + escape(trailing);
    } else if (special !== undefined) out += controls ? `<!${special}>` : `@${special}`;
    else if (userName !== undefined) {
      const id = workspace.users.get(userName) ?? '';
      if (form === 'message') out += `<@${id}>`;
      else out += controls ? `<@${id}|${userName}>` : `@${userName}`;
    } else if (channelName !== undefined) {
      const id = workspace.channels.get(channelName) ?? '';
      if (form === 'message') out += `<#${id}>`;
      else out += controls ? `<#${id}|${channelName}>` : `#${channelName}`;
    }
  }
  return out + escape(typed.slice(last));
}

/** A written-out control sequence as the person would have typed it. */
function asTyped(inner: string, workspace: TypedWorkspace): string {
  const bar = inner.indexOf('|');
  const head = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 || bar === inner.length - 1 ? undefined : inner.slice(bar + 1);
  const rest = head.slice(1);
  if (head.startsWith('@')) return `@${label ?? workspace.userName(rest)}`;
  if (head.startsWith('#')) return `#${label ?? workspace.channelName(rest)}`;
  if (head.startsWith('!')) {
    if (['here', 'channel', 'everyone'].includes(rest)) return `@${rest}`;
    return label ?? `@${rest.split('^')[0] ?? ''}`;
  }
  return label ?? head;
}
