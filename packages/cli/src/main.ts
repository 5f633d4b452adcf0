import { cac } from 'cac';
import { isSkillproofError } from '@skillproof/core';
import { bake, unbakeCommand } from './commands/bake.js';
import { keysGenerate } from './commands/keys.js';
import { sign } from './commands/sign.js';
import { signBatch } from './commands/sign-batch.js';
import { verifyBatch } from './commands/verify-batch.js';
import { EXIT, verify } from './commands/verify.js';
import { UsageError } from './io.js';

/** Runs the skillproof command with the given arguments; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const cli = cac('skillproof');
  let run: (() => Promise<number>) | undefined;

  cli
    .command('keys <action>', 'Manage keys: `keys generate` writes a new private key file')
    .option('--type <type>', 'ed25519 (default) or rsa')
    .option('--out <file>', 'Where to write the key (mode 0600); standard output if absent')
    .option('--controller <did>', 'The DID or URL that controls the key (default: its own did:key)')
    .action((action: string, options) => {
      if (action !== 'generate') throw new UsageError(`Unknown keys action ${JSON.stringify(action)}: use generate.`);
      run = () => keysGenerate(options);
    });

  cli
    .command('sign [credential]', 'Sign an unsigned credential (Data Integrity eddsa-rdfc-2022, or a VC-JWT)')
    .option('--key <file>', 'The private key file')
    .option('--format <format>', 'di (default) or jwt')
    .option('--created <iso>', 'The proof creation time (default: now)')
    .option('--out <file>', 'Where to write the signed credential; standard output if absent')
    .action((credential: string | undefined, options) => {
      run = () => sign(credential, options);
    });

  cli
    .command('verify [...inputs]', 'Verify credentials: JSON, JWT or baked PNG/SVG files, or URLs')
    .option('--json', 'Print the checks as JSON')
    .option('--offline', 'Never use the network (checks that need it are reported as unknown)')
    .option('--ledger', "Check the issuer's transparency log holds this very credential (a .bundle.json always is)")
    .option('--require-ledger', 'Fail a credential whose issuer names no transparency log')
    .option('--proof <file>', 'The tlog-proof of the credential (offline ledger check), e.g. its .tlog-proof download')
    .option('--log-key <vkey>', "Pin the log's verifier key instead of the DID document's (repeatable)")
    .option('--witness <vkey>', 'A witness whose cosignature the checkpoint must carry (repeatable)')
    .option('--quorum <n>', 'How many of the --witness keys must have cosigned (default: all)')
    .action((inputs: string[], options) => {
      run = () => verify(inputs, options);
    });

  cli
    .command('sign-batch', 'Sign JSON Lines: unsigned credentials on standard input, signed ones on standard output')
    .option('--key <file>', 'The private key file')
    .option('--format <format>', 'di (default: one signed credential per line) or jwt (one JWT as a JSON string)')
    .option('--created <iso>', 'The proof creation time of every credential (default: now, once for the batch)')
    .option(
      '--threads <n>',
      'Worker threads (default: the available cores, after 1 s in this thread; 1 signs in this thread)',
    )
    .option('--stats', 'Print throughput and the in-flight peak as JSON on standard error')
    .action((options) => {
      run = () => signBatch(options);
    });

  cli
    .command('verify-batch', 'Verify JSON Lines: one { verified, checks } line per input line')
    .option('--offline', 'Never use the network (checks that need it are reported as unknown)')
    .option(
      '--threads <n>',
      'Worker threads (default: the available cores, after 1 s in this thread; 1 verifies in this thread)',
    )
    .option('--stats', 'Print throughput and the in-flight peak as JSON on standard error')
    .action((options) => {
      run = () => verifyBatch(options);
    });

  cli
    .command('issue', 'Issue a credential through a Skillproof server, with an API token')
    .option('--server <url>', 'The server (https://…; http only for localhost)')
    .option('--token <token>', 'An API token with credentials:issue (or SKILLPROOF_TOKEN)')
    .option('--org <id>', "The organisation's id")
    .option('--achievement <id>', "The achievement's id")
    .option('--email <address>', 'The recipient, by email (mailed a claim link)')
    .option('--did <did>', 'The recipient, by DID')
    .option('--name <name>', "The recipient's name, written into the credential")
    .option('--idempotency-key <key>', 'Makes re-running safe: the same key never issues twice (default: a new one)')
    .option('--no-notify', 'Do not mail the recipient')
    .option('--json', 'Print the credential, its Data Integrity and JWT forms as JSON')
    .action((options) => {
      run = async () => {
        const { issue } = await import('./commands/issue.js');
        return issue(options);
      };
    });

  cli
    .command('log <action> [base-url]', "Audit an instance's transparency log: `log audit https://badges.example.edu`")
    .option('--state <dir>', 'Where the state of each log audited is kept (default ~/.skillproof/audit)')
    .option('--log-key <vkey>', 'The log key to trust (default: the saved one, else the one served, on first use)')
    .option('--org <id>', 'Also require a log entry for every credential this organisation lists (needs --token)')
    .option('--token <token>', 'An API token with credentials:read (or SKILLPROOF_TOKEN)')
    .option('--credential <url>', 'Also require a log entry for this credential (id or uuid; repeatable)')
    .option('--json', 'Print the report as JSON')
    .action((action: string, baseUrl: string | undefined, options) => {
      if (action !== 'audit') throw new UsageError(`Unknown log action ${JSON.stringify(action)}: use audit.`);
      run = async () => {
        const { logAudit } = await import('./commands/log-audit.js');
        return logAudit(baseUrl, options);
      };
    });

  cli
    .command('bake [image] [credential]', 'Bake a credential into a PNG or SVG image')
    .option('--out <file>', 'Where to write the baked image')
    .action((image: string | undefined, credential: string | undefined, options) => {
      run = () => bake(image, credential, options);
    });

  cli.command('unbake [image]', 'Print the credential baked into an image').action((image: string | undefined) => {
    run = () => unbakeCommand(image);
  });

  cli
    .command('serve', 'Run the Skillproof server')
    .option('--port <port>', 'Port (default: PORT or 3000)')
    .action((options: { port?: string }) => {
      run = async () => {
        const { serve } = await import('./commands/serve.js');
        return serve(options);
      };
    });

  cli
    .command('migrate', 'Apply pending database migrations (DATABASE_URL, or PGlite in DATA_DIR) and exit')
    .option('--json', 'Print the migrations applied as JSON')
    .action((options: { json?: boolean }) => {
      run = async () => {
        const { migrate } = await import('./commands/migrate.js');
        return migrate(options);
      };
    });

  cli
    .command(
      'import <kind> <path>',
      'Import a competency framework (esco: CSV directory, onet: text-file directory, case: CFPackage JSON file) ' +
        'into the database (DATABASE_URL, or PGlite in DATA_DIR), migrating it first',
    )
    .option('--json', 'Print the counts the database holds afterwards as one JSON line')
    .option('--org <slug>', 'Import into this organisation (private to it) instead of as a global framework')
    .option('--framework-version <version>', 'The release, overriding what the source says (ESCO, O*NET)')
    .option('--force', 'Compare every row even when the source is byte-for-byte the one imported last')
    .action((kind: string, path: string, options) => {
      run = async () => {
        const { importCommand } = await import('./commands/import.js');
        return importCommand(kind, path, options);
      };
    });

  cli
    .command('skills <action>', 'Map text to ESCO skills, offline: `skills extract` reads one text per line on stdin')
    .option('--top <k>', 'How many skills per text (default 10, at most 100)')
    .option('--json', 'One JSON line per input: {"text","skills":[{"uri","label","score"}]}')
    .action((action: string, options: { top?: string; json?: boolean }) => {
      if (action !== 'extract') throw new UsageError(`Unknown skills action ${JSON.stringify(action)}: use extract.`);
      run = async () => {
        const { skillsExtract } = await import('./commands/skills-extract.js');
        return skillsExtract(options);
      };
    });

  cli.help();
  cli.version('0.1.0');

  try {
    cli.parse(['node', 'skillproof', ...argv], { run: false });
    if (cli.options.help || cli.options.version) {
      return 0;
    }
    if (!cli.matchedCommand) {
      if (argv.length > 0) throw new UsageError(`Unknown command ${JSON.stringify(argv[0])}. Run skillproof --help.`);
      cli.outputHelp();
      return EXIT.usage;
    }
    await cli.runMatchedCommand();
    if (!run) return 0;
    return await run();
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && e.name === 'CACError')) {
      console.error(`skillproof: ${e.message}`);
      return EXIT.usage;
    }
    if (isSkillproofError(e)) {
      console.error(`skillproof: ${e.code}: ${e.message}${e.path ? ` (at ${e.path})` : ''}`);
      return EXIT.failed;
    }
    throw e;
  }
}
