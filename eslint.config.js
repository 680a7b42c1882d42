import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['bench/**', 'scripts/**', 'bin/**', 'test/emulators/**/main.ts'],
    rules: { 'no-console': 'off' },
  },
  // The seams of the design, enforced: adapters reach the core only through the port (src/util and src/log
  // are shared helpers); the core knows neither adapters nor commands; only bin/ (composition roots) knows all.
  {
    files: ['adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(?!port\\.js$|log\\.js$|util/)',
              message: 'Adapters import the core only through src/port.ts (and src/util, src/log).',
            },
            { group: ['**/bin/**'], message: 'Only composition roots live in bin/; nothing imports them.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**', '**/commands/**', '**/bin/**'],
              message:
                'The core imports neither adapters nor commands: they are handed to it by a composition root in bin/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['commands/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**', '**/bin/**'],
              message: 'Commands are platform-neutral: they import the core, never an adapter.',
            },
          ],
        },
      ],
    },
  },
);
