/**
 * zod schemas for the REST bodies the emulator accepts, with Discord's limits, and the conversion of zod
 * issues into Discord's `50035 Invalid Form Body` error shape.
 */
import { z } from 'zod';
import { MessageFlagBits } from './util.js';

const snowflake = z.string().regex(/^\d{15,21}$/, { error: 'Value is not snowflake.' });

export const allowedMentionsSchema = z
  .looseObject({
    parse: z.array(z.enum(['users', 'roles', 'everyone'])).optional(),
    users: z.array(snowflake).max(100).optional(),
    roles: z.array(snowflake).max(100).optional(),
    replied_user: z.boolean().optional(),
  })
  .superRefine((value, ctx) => {
    for (const kind of ['users', 'roles'] as const) {
      if (value.parse?.includes(kind) && (value[kind]?.length ?? 0) > 0) {
        ctx.addIssue({
          code: 'custom',
          path: [kind],
          message: `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`,
          params: { discordCode: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE' },
        });
      }
    }
  });

const embedSchema = z.looseObject({
  title: z.string().max(256).nullish(),
  description: z.string().max(4096).nullish(),
  url: z.string().nullish(),
  color: z.number().int().min(0).max(0xffffff).nullish(),
  fields: z
    .array(
      z.looseObject({
        name: z.string().min(1).max(256),
        value: z.string().min(1).max(1024),
        inline: z.boolean().nullish(),
      }),
    )
    .max(25)
    .nullish(),
  footer: z.looseObject({ text: z.string().min(1).max(2048) }).nullish(),
  author: z.looseObject({ name: z.string().min(1).max(256) }).nullish(),
});
type EmbedBody = z.infer<typeof embedSchema>;

function embedLength(embed: EmbedBody): number {
  let total = (embed.title ?? '').length + (embed.description ?? '').length;
  total += (embed.footer?.text ?? '').length + (embed.author?.name ?? '').length;
  for (const field of embed.fields ?? []) total += field.name.length + field.value.length;
  return total;
}

const customId = z.string().min(1).max(100);

const buttonSchema = z
  .looseObject({
    type: z.literal(2),
    style: z.number().int().min(1).max(6),
    label: z.string().max(80).nullish(),
    custom_id: customId.nullish(),
    url: z.string().max(512).nullish(),
    sku_id: snowflake.nullish(),
    disabled: z.boolean().nullish(),
    emoji: z.looseObject({}).nullish(),
  })
  .superRefine((button, ctx) => {
    if (button.style === 5) {
      if (!button.url)
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'A link button requires a url.' });
      if (button.custom_id) {
        ctx.addIssue({
          code: 'custom',
          path: ['custom_id'],
          message: 'A link button cannot have a custom_id.',
        });
      }
    } else if (button.style === 6) {
      if (!button.sku_id) ctx.addIssue({ code: 'custom', path: ['sku_id'], message: 'sku_id is required.' });
    } else {
      if (!button.custom_id) {
        ctx.addIssue({ code: 'custom', path: ['custom_id'], message: 'This field is required' });
      }
      if (button.url)
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'Only link buttons have a url.' });
    }
    if (button.style !== 6 && !button.label && !button.emoji) {
      ctx.addIssue({ code: 'custom', path: ['label'], message: 'A button needs a label or an emoji.' });
    }
  });

const selectSchema = z
  .looseObject({
    type: z.union([z.literal(3), z.literal(5), z.literal(6), z.literal(7), z.literal(8)]),
    custom_id: customId,
    placeholder: z.string().max(150).nullish(),
    min_values: z.number().int().min(0).max(25).nullish(),
    max_values: z.number().int().min(1).max(25).nullish(),
    disabled: z.boolean().nullish(),
    options: z
      .array(
        z.looseObject({
          label: z.string().min(1).max(100),
          value: z.string().min(1).max(100),
          description: z.string().max(100).nullish(),
        }),
      )
      .max(25)
      .nullish(),
  })
  .superRefine((select, ctx) => {
    if (select.type === 3 && (select.options?.length ?? 0) === 0) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'A string select needs 1 to 25 options.' });
    }
  });

export const actionRowSchema = z
  .looseObject({
    type: z.literal(1),
    components: z
      .array(z.union([buttonSchema, selectSchema]))
      .min(1)
      .max(5),
  })
  .superRefine((row, ctx) => {
    if (row.components.some((c) => c.type !== 2) && row.components.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['components'],
        message: 'A select menu must be alone in its action row.',
      });
    }
  });

const attachmentRefSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  filename: z.string().min(1).max(1024).nullish(),
  description: z.string().max(1024).nullish(),
});

export const messageBodySchema = z
  .looseObject({
    content: z.string().max(2000).nullish(),
    embeds: z.array(embedSchema).max(10).nullish(),
    components: z
      .array(z.looseObject({ type: z.number().int() }))
      .max(40)
      .nullish(),
    flags: z.number().int().nonnegative().nullish(),
    allowed_mentions: allowedMentionsSchema.nullish(),
    attachments: z.array(attachmentRefSchema).max(10).nullish(),
    message_reference: z
      .looseObject({
        message_id: snowflake,
        channel_id: snowflake.nullish(),
        guild_id: snowflake.nullish(),
        fail_if_not_exists: z.boolean().nullish(),
      })
      .nullish(),
    tts: z.boolean().nullish(),
    nonce: z.union([z.string().max(25), z.number().int()]).nullish(),
    sticker_ids: z.array(snowflake).max(3).nullish(),
    poll: z.looseObject({}).nullish(),
  })
  .superRefine((body, ctx) => {
    const total = (body.embeds ?? []).reduce((sum, embed) => sum + embedLength(embed), 0);
    if (total > 6000) {
      ctx.addIssue({
        code: 'custom',
        path: ['embeds'],
        message: 'Embed size exceeds maximum size of 6000',
      });
    }
    const componentsV2 = ((body.flags ?? 0) & MessageFlagBits.IsComponentsV2) !== 0;
    if (componentsV2 || body.components === undefined || body.components === null) return;
    if (body.components.length > 5) {
      ctx.addIssue({
        code: 'too_big',
        origin: 'array',
        maximum: 5,
        inclusive: true,
        path: ['components'],
        message: 'Must be 5 or fewer in length.',
        input: body.components,
      });
    }
    const seen = new Set<string>();
    for (const [index, raw] of body.components.entries()) {
      const row = actionRowSchema.safeParse(raw);
      if (!row.success) {
        for (const issue of row.error.issues) {
          ctx.addIssue({ ...issue, path: ['components', index, ...issue.path] } as Parameters<
            typeof ctx.addIssue
          >[0]);
        }
        continue;
      }
      for (const [childIndex, child] of row.data.components.entries()) {
        const id = child.custom_id;
        if (typeof id !== 'string') continue;
        if (seen.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['components', index, 'components', childIndex, 'custom_id'],
            message: 'Component custom id cannot be duplicated',
            params: { discordCode: 'COMPONENT_CUSTOM_ID_DUPLICATED' },
          });
        }
        seen.add(id);
      }
    }
  });
export type MessageBody = z.infer<typeof messageBodySchema>;

export const callbackSchema = z.looseObject({
  type: z.number().int(),
  data: z.unknown().optional(),
});

export const deferSchema = z.looseObject({ flags: z.number().int().nonnegative().nullish() }).nullish();

const textInputSchema = z.looseObject({
  type: z.literal(4),
  custom_id: customId,
  style: z.union([z.literal(1), z.literal(2)]),
  label: z.string().min(1).max(45).nullish(),
  min_length: z.number().int().min(0).max(4000).nullish(),
  max_length: z.number().int().min(1).max(4000).nullish(),
  required: z.boolean().nullish(),
  value: z.string().max(4000).nullish(),
  placeholder: z.string().max(100).nullish(),
});

const modalRowSchema = z
  .looseObject({ type: z.literal(1), components: z.array(textInputSchema).length(1) })
  .superRefine((row, ctx) => {
    if (!row.components[0]?.label) {
      ctx.addIssue({
        code: 'custom',
        path: ['components', 0, 'label'],
        message: 'A text input in an action row needs a label.',
      });
    }
  });

const labelSchema = z.looseObject({
  type: z.literal(18),
  label: z.string().min(1).max(45),
  description: z.string().max(100).nullish(),
  component: z.looseObject({ type: z.number().int(), custom_id: customId }),
});

const textDisplaySchema = z.looseObject({ type: z.literal(10), content: z.string().min(1).max(4000) });

export const modalSchema = z.looseObject({
  custom_id: customId,
  title: z.string().min(1).max(45),
  components: z
    .array(z.union([modalRowSchema, labelSchema, textDisplaySchema]))
    .min(1)
    .max(5),
});
export type ModalBody = z.infer<typeof modalSchema>;

export const openDmSchema = z.looseObject({ recipient_id: snowflake });

// ---------------------------------------------------------------------------------------------------------
// Application commands

export interface CommandOptionBody {
  type: number;
  name: string;
  description: string;
  required?: boolean | null | undefined;
  options?: CommandOptionBody[] | null | undefined;
  [key: string]: unknown;
}

const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

const optionNameSchema = z
  .string()
  .regex(CHAT_INPUT_NAME, { error: 'Command name is invalid' })
  .refine((name) => name === name.toLowerCase(), { error: 'Command name must be lowercase' });

/**
 * The locales Discord accepts as keys of `name_localizations` / `description_localizations`
 * (https://discord.com/developers/docs/reference#locales). `en` or `zh` alone are refused.
 */
export const DISCORD_LOCALES = [
  'id',
  'da',
  'de',
  'en-GB',
  'en-US',
  'es-ES',
  'es-419',
  'fr',
  'hr',
  'it',
  'lt',
  'hu',
  'nl',
  'no',
  'pl',
  'pt-BR',
  'ro',
  'fi',
  'sv-SE',
  'vi',
  'tr',
  'cs',
  'el',
  'bg',
  'ru',
  'uk',
  'hi',
  'th',
  'zh-CN',
  'ja',
  'zh-TW',
  'ko',
] as const;
const localeSchema = z.enum(DISCORD_LOCALES, { error: 'Invalid locale' });

/**
 * A localization dict: Discord locales to values with the same rules as the default value
 * (https://discord.com/developers/docs/interactions/application-commands#localization).
 */
function localizations(value: z.ZodString) {
  return z.partialRecord(localeSchema, value).nullish();
}

const optionSchema: z.ZodType<CommandOptionBody> = z.lazy(() =>
  z.looseObject({
    type: z.number().int().min(1).max(11),
    name: optionNameSchema,
    name_localizations: localizations(optionNameSchema),
    description: z.string().min(1).max(100),
    description_localizations: localizations(z.string().min(1).max(100)),
    required: z.boolean().nullish(),
    choices: z
      .array(
        z.looseObject({
          name: z.string().min(1).max(100),
          name_localizations: localizations(z.string().min(1).max(100)),
          value: z.union([z.string().max(100), z.number()]),
        }),
      )
      .max(25)
      .nullish(),
    options: z.array(optionSchema).max(25).nullish(),
    min_length: z.number().int().min(0).max(6000).nullish(),
    max_length: z.number().int().min(1).max(6000).nullish(),
    autocomplete: z.boolean().nullish(),
  }),
);

function checkOptions(options: CommandOptionBody[], path: (string | number)[], ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  let sawOptional = false;
  for (const [index, option] of options.entries()) {
    if (names.has(option.name)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, index, 'name'],
        message: 'Application command option names must be unique',
        params: { discordCode: 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS' },
      });
    }
    names.add(option.name);
    const isSub = option.type === 1 || option.type === 2;
    if (!isSub) {
      if (option.required === true && sawOptional) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, index, 'required'],
          message: 'Required options must be placed before non-required options',
          params: { discordCode: 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID' },
        });
      }
      if (option.required !== true) sawOptional = true;
    }
    if (option.options !== undefined && option.options !== null) {
      checkOptions(option.options, [...path, index, 'options'], ctx);
    }
  }
}

export const commandSchema = z
  .looseObject({
    name: z.string().min(1).max(32),
    // Chat input names follow the option name rules (checked below); context menu names may have spaces.
    name_localizations: localizations(z.string().min(1).max(32)),
    type: z.number().int().min(1).max(4).nullish(),
    description: z.string().max(100).nullish(),
    description_localizations: localizations(z.string().min(1).max(100)),
    options: z.array(optionSchema).max(25).nullish(),
    default_member_permissions: z.string().regex(/^\d+$/).nullish(),
    dm_permission: z.boolean().nullish(),
    contexts: z.array(z.number().int().min(0).max(2)).nullish(),
    integration_types: z.array(z.number().int().min(0).max(1)).nullish(),
    nsfw: z.boolean().nullish(),
  })
  .superRefine((command, ctx) => {
    const type = command.type ?? 1;
    if (type === 1) {
      if (!optionNameSchema.safeParse(command.name).success) {
        ctx.addIssue({ code: 'custom', path: ['name'], message: 'Command name is invalid' });
      }
      for (const [locale, name] of Object.entries(command.name_localizations ?? {})) {
        if (!optionNameSchema.safeParse(name).success) {
          ctx.addIssue({
            code: 'custom',
            path: ['name_localizations', locale],
            message: 'Command name is invalid',
          });
        }
      }
      if (!command.description) {
        ctx.addIssue({
          code: 'custom',
          path: ['description'],
          message: 'This field is required',
          params: { discordCode: 'BASE_TYPE_REQUIRED' },
        });
      }
      checkOptions(command.options ?? [], ['options'], ctx);
    } else {
      if (command.description) {
        ctx.addIssue({
          code: 'custom',
          path: ['description'],
          message: 'Context menu commands cannot have description',
        });
      }
      if ((command.options?.length ?? 0) > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['options'],
          message: 'Context menu commands cannot have options',
        });
      }
    }
  });
export type CommandBody = z.infer<typeof commandSchema>;

export const commandListSchema = z
  .array(commandSchema)
  .max(200)
  .superRefine((commands, ctx) => {
    const seen = new Set<string>();
    for (const [index, command] of commands.entries()) {
      const key = `${command.type ?? 1}:${command.name}`;
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: 'Application command names must be unique',
          params: { discordCode: 'APPLICATION_COMMANDS_DUPLICATE_NAME' },
        });
      }
      seen.add(key);
    }
  });

// ---------------------------------------------------------------------------------------------------------
// Errors

interface ErrorNode {
  _errors?: { code: string; message: string }[];
  [key: string]: unknown;
}

function discordCode(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom') {
    const params: unknown = issue.params;
    if (typeof params === 'object' && params !== null && 'discordCode' in params) {
      return String(params.discordCode);
    }
    return 'CUSTOM_VALIDATION_ERROR';
  }
  if (issue.code === 'too_big') return 'BASE_TYPE_MAX_LENGTH';
  if (issue.code === 'too_small') return 'BASE_TYPE_MIN_LENGTH';
  if (issue.code === 'invalid_type') return 'BASE_TYPE_REQUIRED';
  return issue.code.toUpperCase();
}

function discordMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_big') return `Must be ${String(issue.maximum)} or fewer in length.`;
  if (issue.code === 'too_small') return `Must be ${String(issue.minimum)} or more in length.`;
  if (issue.code === 'invalid_type') return 'This field is required';
  return issue.message;
}

/** `{code: 50035, message: 'Invalid Form Body', errors: {field: {_errors: [...]}}}`. */
export function invalidFormBody(
  issues: readonly z.core.$ZodIssue[],
  prefix: (string | number)[] = [],
): unknown {
  const errors: ErrorNode = {};
  for (const issue of issues) {
    let node = errors;
    for (const key of [...prefix, ...issue.path]) {
      const name = String(key);
      const next = node[name];
      if (typeof next === 'object' && next !== null) {
        node = next as ErrorNode;
      } else {
        const created: ErrorNode = {};
        node[name] = created;
        node = created;
      }
    }
    node._errors ??= [];
    node._errors.push({ code: discordCode(issue), message: discordMessage(issue) });
  }
  return { message: 'Invalid Form Body', code: 50035, errors };
}
