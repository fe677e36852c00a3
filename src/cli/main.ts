#!/usr/bin/env node
import { Command } from 'commander'
import { describeFailure } from './output.js'
import { readSession } from './session-store.js'

const program = new Command('vfx-chat')
  .description('The VFX chat service: run it, and talk through it from a terminal.')
  .option('--server <url>', 'the vfx-chat server (default: VFX_CHAT_URL, the signed-in server, or http://127.0.0.1:8000)')
  .option('--json', 'print JSON (one document or one line per record) for scripts')
  .showHelpAfterError()

const json = () => program.opts<{ json?: boolean }>().json === true
const server = () => program.opts<{ server?: string }>().server ?? process.env.VFX_CHAT_URL ?? readSession()?.server ?? 'http://127.0.0.1:8000'

// Each command loads only what it runs: a person's commands never load the server, and --help loads nothing.
const account = () => import('./account-commands.js')
const chat = () => import('./chat-commands.js')
const operator = () => import('./operator-commands.js')

/** Adds a command with its one-line example, shown by `--help`. */
function command(name: string, description: string, example: string): Command {
  return program.command(name).description(description).addHelpText('after', `\nExample:\n  $ ${example}`)
}

command('serve', 'run the server (configured by the environment, docs/api.md §7)', 'vfx-chat serve --port 8000 --database sqlite:./data/chat.db')
  .option('--port <port>', 'port to listen on (PORT)')
  .option('--host <host>', 'address to bind (HOST)')
  .option('--database <url>', 'sqlite:<file> or postgres://… (DATABASE_URL)')
  .action(async (options) => (await operator()).serve(options))

command('migrate', "bring the database's schema up to date (DATABASE_URL)", 'vfx-chat migrate').action(async () => (await operator()).migrate(json()))

command('backup', 'copy the SQLite database while the server runs (PostgreSQL: use pg_dump)', 'vfx-chat backup ./backups/chat-2026-11-30.db')
  .argument('<file>', 'new file to write')
  .action(async (file: string) => (await operator()).backup(file, json()))

command('restore', 'replace the SQLite database by a backup (stop the server first)', 'vfx-chat restore ./backups/chat-2026-11-30.db')
  .argument('<file>', 'a file `vfx-chat backup` wrote')
  .action(async (file: string) => (await operator()).restore(file, json()))

command('doctor', 'check the configuration, database, Redis, disk and web build, and say how to fix what is wrong', 'vfx-chat doctor')
  .action(async () => (await operator()).doctor(json()))

command('keygen', 'create a VFX key pair: print it, or write the key to a file (mode 0600)', 'vfx-chat keygen --out ~/.vfx/chat.key')
  .option('--out <file>', 'write the private key here instead of printing it')
  .option('--testnet', 'a testnet address')
  .action(async (options) => (await account()).keygen(options, json()))

command('login', 'sign in with a key file, or through a running VFX wallet; keeps the token (mode 0600)', 'vfx-chat login --key ~/.vfx/chat.key')
  .option('--key <file>', 'a file holding the private key (hex); it signs here and is never sent')
  .option('--wallet [url]', 'ask the VFX wallet at url (default http://localhost:7292) to sign')
  .option('--address <address>', 'the address the wallet signs for (with --wallet)')
  .option('--testnet', 'the key is a testnet key')
  .action(async (options) => (await account()).login(server(), options, json()))

command('logout', 'sign out: the token stops working everywhere, and is forgotten here', 'vfx-chat logout').action(async () => (await account()).logout(json()))

command('whoami', 'the signed-in address and server', 'vfx-chat whoami').action(async () => (await account()).whoami(json()))

command('threads', 'your threads, most recent first', 'vfx-chat threads --requests')
  .option('--requests', 'only message requests waiting for you')
  .option('--page <n>', 'page number')
  .action(async (options) => (await chat()).threads(options, json()))

command('open', 'show a thread by its uuid, or the thread with an address (created if new)', 'vfx-chat open xRBXm4JkCXyd4E7DtrZj5MEq1jbhtTTzkh')
  .argument('<address|uuid>')
  .action(async (target: string) => (await chat()).open(target, json()))

command('send', 'send a message to a thread', 'vfx-chat send 6f1c…-… "Is it still for sale?"')
  .argument('<uuid>', 'the thread')
  .argument('<text...>', 'the message')
  .option('--client-id <id>', 'makes a retried send idempotent')
  .action(async (uuid: string, text: string[], options) => (await chat()).send(uuid, text, options, json()))

command('tail', 'follow new messages live (resumes by itself after a dropped connection)', 'vfx-chat tail --thread 6f1c…')
  .option('--thread <uuid>', 'only this thread')
  .option('--after <id>', 'replay every message after this id first')
  .action(async (options) => (await chat()).tail(options, json()))

command('export', 'all your data as JSON Lines (thread, message, shop, block, attachment records)', 'vfx-chat export --out my-chat.jsonl')
  .option('--out <file>', 'write here (mode 0600) instead of standard output')
  .action(async (options) => (await chat()).exportData(options))

command('import-shops', "import a VFX node's DecShop list (GetDecShopStateTreiList) into the shop directory", 'vfx-chat import-shops decshops.json')
  .argument('<file>', 'the JSON list: UniqueId, Name, DecShopURL, OwnerAddress, Description, IsOffline')
  .action(async (file: string) => (await operator()).importShops(file, json()))

try {
  await program.parseAsync()
} catch (error) {
  process.stderr.write(`vfx-chat: ${describeFailure(error)}\n`)
  process.exit(1)
}
