import fc from 'fast-check'
import { expect } from 'vitest'

/**
 * The building blocks of the fuzzer's hostile requests: strings and values an attacker would
 * try, and the checks every answer must pass.
 */

/** Strings that have broken parsers, queries and terminals before. */
export const NASTY_STRINGS = [
  "'; DROP TABLE messages; --",
  '" OR 1=1 --',
  "') OR ('1'='1",
  '%',
  '_',
  '\\',
  '%25%00',
  '\u0000',
  'a\u0000b',
  '\u202eevil\u202c',
  '\u200b\u200c\u200d\ufeff',
  '\u0645\u0631\u062d\u0628\u0627',
  '𝕏🧨👩‍👩‍👧‍👦',
  '\ud800',
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  'R'.repeat(5000),
  'xRBX' + '1'.repeat(60),
  'R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBr',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '9'.repeat(400),
  '0x10',
  'true',
  'null',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'toString',
  ' ',
  '',
]

export const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
)

/** Nested arrays or objects, deep enough to hurt a recursive walker. */
export function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}

/** Any JSON value, with the edges of numbers and strings well represented. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, 2 ** 31, -(2 ** 31) - 1, -0, 0.5, -1, 0, true, false, null),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(nastyString, { maxLength: 60 }),
)

/** Where raw bodies come from: wrong types, broken encodings, poisoned keys, deep nesting. */
export const rawBody: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom(
    '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"content":"x"}',
    '{"content":"x","content":"y"}',
    '{"content":1e999}',
    '{"content":"\\ud800"}',
    '{"content":"\\u0000"}',
    '{',
    '',
    'null',
    '[]',
    '"text"',
    '\u00ff\u00fe',
    deeplyNested(20_000, 'array'),
    deeplyNested(10_000, 'object'),
  ),
  // Invalid UTF-8 inside an otherwise well-formed JSON string.
  fc.constant(new Uint8Array([...Buffer.from('{"content":"'), 0xc3, 0x28, 0xff, 0xfe, ...Buffer.from('"}')])),
)

/** Text that betrays internals: stack frames, file paths, SQL engine messages. */
const LEAK =
  /\bat [\w.<>$]+ \(|node_modules|\/work\/|\bsrc\/[\w/-]+\.ts|\.ts:\d+|SQLITE_|sqlite3?\b|syntax error|no such (table|column)|constraint failed|\bselect .+ from\b|insert into|"stack"/i

/**
 * Asserts an answer keeps the contract whatever the input: never a 5xx; errors in the
 * contract's shapes (400: `{field: [messages]}`, or `{detail}` for an unparseable body; any
 * other 4xx: `{detail}`); nothing internal unless the request itself carried that text.
 */
export function expectContractAnswer(
  answer: { status: number; text: string },
  request: { method: string; label: string; text: string },
): void {
  const context = `${request.label} → ${answer.status} ${answer.text.slice(0, 300)}`
  expect(answer.status, context).toBeLessThan(500)
  const leak = LEAK.exec(answer.text)
  if (leak && !request.text.toLowerCase().includes(leak[0].toLowerCase())) {
    expect.fail(`internal detail "${leak[0]}" in ${context}`)
  }
  if (answer.status < 400 || request.method === 'HEAD') return
  expect(isContractError(answer.status, JSON.parse(answer.text)), context).toBe(true)
}

/** A 4xx body in the contract's shape: `{detail}`, or for 400 also `{field: [messages]}`. */
export function isContractError(status: number, body: unknown): boolean {
  return isDetail(body) || (status === 400 && isFieldErrors(body))
}

function isDetail(body: unknown): boolean {
  return typeof body === 'object' && body !== null && Object.keys(body).join() === 'detail' && typeof (body as { detail: unknown }).detail === 'string'
}

function isFieldErrors(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const entries = Object.entries(body)
  return entries.length > 0 && entries.every(([, messages]) => Array.isArray(messages) && messages.length > 0 && messages.every((m) => typeof m === 'string'))
}
