import { readFileSync } from 'node:fs';
import { type CliIo, EXIT, processIo, UsageError, watchProcessPipes } from './cli-io.ts';
import { UnreadableFileError } from './read-input-file.ts';
import { COMMAND_HELP, OVERVIEW } from './usage-text.ts';

type CommandRunner = (args: string[], io: CliIo) => Promise<number>;

// Commands load on demand so `validate` starts without the AWS SDK and the emulators.
const COMMANDS: Record<string, () => Promise<CommandRunner>> = {
  validate: async () => (await import('./validate-command.ts')).runValidateCommand,
  render: async () => (await import('./render-command.ts')).runRenderCommand,
  up: async () => (await import('./up-command.ts')).runUpCommand,
  history: async () => (await import('./history-command.ts')).runHistoryCommand,
  status: async () => (await import('./status-command.ts')).runStatusCommand,
  serve: async () => (await import('./serve-command.ts')).runServeCommand,
  credentials: async () => (await import('./credentials-command.ts')).runCredentialsCommand,
};

/** The `kube-aws` command line; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  if (io === processIo) watchProcessPipes();
  const { global, remaining } = takeGlobalOptions(argv);
  if (global === undefined) {
    io.err('kube-aws: --state-dir needs a directory; run kube-aws --help\n');
    return EXIT.usage;
  }
  const [command, ...commandArgs] = remaining;
  // A global --state-dir given before the command goes to it, first, so `--` and the command's
  // own last option keep their meaning (and its own --state-dir wins); validate reads no state.
  const rest =
    global.stateDir === undefined || command === 'validate'
      ? commandArgs
      : ['--state-dir', global.stateDir, ...commandArgs];
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    // `kube-aws help up` is `kube-aws up --help`; `help nosuch` is an unknown command.
    const topic = command === 'help' ? commandArgs[0] : undefined;
    if (topic !== undefined && COMMAND_HELP[topic] === undefined) {
      io.err(`${await describeUnknownCommand(topic)}\n`);
      return EXIT.usage;
    }
    io.out(topic === undefined ? OVERVIEW : (COMMAND_HELP[topic] ?? OVERVIEW));
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    io.out(`${readVersion()}\n`);
    return EXIT.ok;
  }

  const load = COMMANDS[command];
  if (load === undefined) {
    io.err(`${await describeUnknownCommand(command)}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(COMMAND_HELP[command] ?? OVERVIEW);
    return EXIT.ok;
  }

  try {
    const run = await load();

    return await run(rest, io);
  } catch (error: unknown) {
    return reportFailure(command, error, io);
  }
}

/**
 * Global options written before the command (`kube-aws --state-dir DIR status demo`). Returns
 * `global: undefined` when --state-dir has no value.
 */
function takeGlobalOptions(argv: string[]): {
  global: { stateDir?: string } | undefined;
  remaining: string[];
} {
  const global: { stateDir?: string } = {};
  let index = 0;
  for (; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg.startsWith('--state-dir=')) {
      global.stateDir = arg.slice('--state-dir='.length);
    } else if (arg === '--state-dir') {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('-')) return { global: undefined, remaining: [] };
      global.stateDir = value;
      index++;
    } else {
      break;
    }
  }

  return { global, remaining: argv.slice(index) };
}

/** `unknown command "histroy"; did you mean history?`, else the hint to list the commands. */
async function describeUnknownCommand(command: string): Promise<string> {
  // Loaded here only: the key checks bring the config schema, which other paths may not need.
  const { suggestKey } = await import('../cluster-config/check-keys.ts');
  const suggestion = command.startsWith('-')
    ? undefined
    : suggestKey(command, Object.keys(COMMANDS));
  const remedy = suggestion === undefined ? 'run kube-aws --help' : `did you mean ${suggestion}?`;

  return `kube-aws: unknown command ${JSON.stringify(command)}; ${remedy}`;
}

function reportFailure(command: string, error: unknown, io: CliIo): number {
  // By name: the state-dir module brings the embedded backend's files, which main does not load.
  const emptyStateDir = (error as Error | undefined)?.name === 'EmptyStateDirError';
  if (error instanceof UsageError || emptyStateDir || isParseArgsError(error)) {
    io.err(
      `kube-aws ${command}: ${describeUsageError(error as Error)}; run kube-aws ${command} --help\n`,
    );
    return EXIT.usage;
  }
  if (error instanceof UnreadableFileError) {
    io.err(`kube-aws ${command}: ${error.message}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`kube-aws ${command}: ${message}\n`);

  return EXIT.failed;
}

/** node:util's parseArgs explains `--` at length; the option's name is what the user needs. */
function describeUsageError(error: Error): string {
  const unknown = /^Unknown option '([^']*)'/.exec(error.message);
  if (unknown !== null) return `unknown option ${unknown[1]}`;
  // Node words it `Option '--rotate <value>' argument missing`.
  const missing = /^Option '(-[^ ']*)[^']*' argument missing/.exec(error.message);
  if (missing !== null) return `${missing[1]} needs a value (received none)`;
  // Node's words for a value that looks like an option: `--rotate --verbose`.
  const ambiguous = /^Option '(-[^ ']*)[^']*' argument is ambiguous/.exec(error.message);
  if (ambiguous !== null) {
    return `${ambiguous[1]} needs a value (received another option); write ${ambiguous[1]}=<value> for a value that starts with -`;
  }

  return error.message;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;

  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function readVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version: string };

  return manifest.version;
}
