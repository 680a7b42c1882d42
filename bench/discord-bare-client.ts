import { Client, Events, GatewayIntentBits } from 'discord.js';

/**
 * The baseline of bench/discord-burst.ts: a discord.js client that does nothing but `deferReply()` on every
 * interaction, compiled and run in its own process like the bot. It reaches Discord the way the bot does (REST at
 * DISCORD_API_BASE_URL, the gateway URL from GET /gateway/bot there) with the bot's default intents, so what
 * separates the two figures is the bot's own work between an interaction arriving and its acknowledgement.
 */
const apiBase = process.env.DISCORD_API_BASE_URL;
const token = process.env.DISCORD_TOKEN;
if (!apiBase || !token) throw new Error('DISCORD_API_BASE_URL and DISCORD_TOKEN are required');

const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
  rest: { api: apiBase },
});
client.on(Events.InteractionCreate, (interaction) => {
  if (!interaction.isRepliable()) return;
  interaction.deferReply().catch((error: unknown) => console.error('deferReply failed', error));
});
process.on('SIGTERM', () => {
  void client.destroy().finally(() => process.exit(0));
});
await client.login(token);
