// Lint (issue 13, "CI checks the house"): typescript-eslint's recommended rules over the
// source, the tests, the benches and the tools; `npm run lint`, run by .ci/run before the tests.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '.oosnet-test-*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // an empty catch is how "best effort, the error is not ours to report" is written here
      'no-empty': ['error', { allowEmptyCatch: true }],
      // control characters are what the text rules look for (oos/text.ts, protocol SPEC §3): the point, not a slip
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }]
    }
  },
  {
    // tests, benches, chaos scenarios and the vector generator feed hostile, ill-typed input on purpose
    files: ['tests/**', 'bench/**', 'chaos/**', 'protocol/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', performance: 'readonly', fetch: 'readonly', CustomEvent: 'readonly', EventTarget: 'readonly', Event: 'readonly' } }
  }
)
