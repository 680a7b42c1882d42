import { REST, Routes } from 'discord.js';
import { allCommandsJson } from '../adapters/discord/command-json.js';
import { slashCommandsOffering } from '../commands/index.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { runMain } from './run-main.js';

/**
 * `npm run register`: publishes the slash commands and the Animate menu. Globally by default (Discord may take
 * up to an hour to show changes), or to DISCORD_GUILD_ID only, which updates at once.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.discord) throw new ConfigError(['DISCORD_TOKEN is required to register commands']);
  const rest = new REST({ api: config.discord.apiBaseUrl }).setToken(config.discord.token);
  const appId = config.discord.appId ?? ((await rest.get(Routes.currentApplication())) as { id: string }).id;
  const body = allCommandsJson(slashCommandsOffering(config.videoApi.models));
  const route = config.discord.guildId
    ? Routes.applicationGuildCommands(appId, config.discord.guildId)
    : Routes.applicationCommands(appId);
  await rest.put(route, { body });
  console.log(
    `Registered ${body.length} commands (${body.map((c) => c.name).join(', ')}) ${
      config.discord.guildId ? `to guild ${config.discord.guildId}` : 'globally'
    } for application ${appId}.`,
  );
  return 0;
}

runMain(main);
