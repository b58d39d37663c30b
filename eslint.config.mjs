import tseslint from 'typescript-eslint';
import { fixupPluginRules } from '@eslint/compat';
import snPluginRaw from '@servicenow/eslint-plugin-sdk-app-plugin';

// The SDK's plugin was written for ESLint 8 (its rules call context.getScope()); fixupPluginRules
// adapts it to ESLint 9's API without changing what the rules check.
const snPlugin = fixupPluginRules(snPluginRaw);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'target/**', '.data/**', 'fluent/generated/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Code that runs on the instance: only what the platform's JavaScript engine supports.
    files: ['src/server/**/*.ts'],
    plugins: { '@servicenow/sdk-app-plugin': snPlugin },
    rules: {
      ...snPluginRaw.configs.recommended.rules,
      '@servicenow/sdk-app-plugin/no-promise': 'error',
      '@servicenow/sdk-app-plugin/no-async-functions': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
