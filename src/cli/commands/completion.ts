import { completionScript, SHELLS, type Shell } from '../completion.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'

export const completion: Command = {
  name: 'completion',
  summary: 'print a shell completion script for bash, zsh or fish',
  usage: 'completion bash|zsh|fish',
  help: 'bash: eval "$(oos completion bash)" in ~/.bashrc; zsh: eval "$(oos completion zsh)" in ~/.zshrc, after compinit; fish: oos completion fish > ~/.config/fish/completions/oos.fish. The script is made from the command table: every command, its options and the global ones.',
  args: [1, 1],
  async run (ctx) {
    const shell = ctx.positionals[0]
    if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`completion: the shell must be one of ${SHELLS.join(', ')}, not ${JSON.stringify(shell)}`)
    // every command's module, for its options (the table loads this one when it runs)
    const { loadCommands } = await import('./index.ts')
    ctx.io.document(completionScript(shell as Shell, await loadCommands()))
  }
}
