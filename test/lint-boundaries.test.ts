import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The design's seams are a lint rule, not a habit: this lints small fixture texts as if they were files in
 * each folder and checks which imports the project's ESLint config refuses.
 */

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('lets an adapter import the core only through the port (and src/util, src/log)', async () => {
    const allowed = [
      "import type { Invocation } from '../../src/port.js';",
      "import { createEditPacer } from '../../src/util/edit-pacer.js';",
      "import type { Logger } from '../../src/log.js';",
      "import { SLASH_COMMANDS } from '../../commands/index.js';",
    ];
    for (const line of allowed) {
      expect(await restrictedImports('adapters/discord/fixture.ts', `${line}\nexport {};\n`)).toEqual([]);
    }
    const forbidden = [
      "import type { App } from '../../src/app.js';",
      "import type { JobRecord } from '../../src/jobs/job-store.js';",
      "import { createBot } from '../../src/core/bot.js';",
      "import { main } from '../../bin/main.js';",
    ];
    for (const line of forbidden) {
      const messages = await restrictedImports('adapters/slack/fixture.ts', `${line}\nexport {};\n`);
      expect(messages, line).toHaveLength(1);
    }
  });

  it('keeps adapters and commands out of the core, and adapters out of commands', async () => {
    expect(
      await restrictedImports('src/core/fixture.ts', "import { REGISTRY } from '../../commands/index.js';\n"),
    ).toHaveLength(1);
    expect(
      await restrictedImports(
        'src/jobs/fixture.ts',
        "import type { SlackAdapter } from '../../adapters/slack/index.js';\n",
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImports(
        'commands/fixture.ts',
        "import { discordFormat } from '../adapters/discord/format.js';\n",
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImports(
        'bin/fixture.ts',
        "import { REGISTRY } from '../commands/index.js';\nimport '../adapters/slack/index.js';\n",
      ),
    ).toEqual([]);
  });
});
