import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** A signed-in session the CLI keeps between commands. */
export interface StoredSession {
  server: string
  address: string
  token: string
}

/** `$VFX_CHAT_CONFIG_DIR`, else `$XDG_CONFIG_HOME/vfx-chat`, else `~/.config/vfx-chat`. */
export function configDir(): string {
  return process.env.VFX_CHAT_CONFIG_DIR || join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'vfx-chat')
}

const sessionFile = () => join(configDir(), 'session.json')

export function readSession(): StoredSession | null {
  try {
    return JSON.parse(readFileSync(sessionFile(), 'utf8')) as StoredSession
  } catch {
    return null
  }
}

/** Writes the session readable by its owner only: the token stands for the address. */
export function saveSession(session: StoredSession): void {
  mkdirSync(configDir(), { recursive: true, mode: 0o700 })
  writeFileSync(sessionFile(), `${JSON.stringify(session)}\n`, { mode: 0o600 })
  // A file that existed keeps its mode on write; make sure.
  chmodSync(sessionFile(), 0o600)
}

export function forgetSession(): void {
  rmSync(sessionFile(), { force: true })
}
