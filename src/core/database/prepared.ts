import type { Compilable, CompiledQuery, DialectAdapter, Kysely, QueryResult } from 'kysely'
import { runAtOnce } from './sqlite-driver.js'

/** Stand-ins for a prepared query's arguments while it is built; each is a distinct object. */
const SLOTS: object[] = []
const SLOT_INDEX = new Map<unknown, number>()

function slots(count: number): object[] {
  while (SLOTS.length < count) {
    const slot = Object.freeze({ preparedSlot: SLOTS.length })
    SLOT_INDEX.set(slot, SLOTS.length)
    SLOTS.push(slot)
  }
  return SLOTS.slice(0, count)
}
slots(8)

/**
 * A list argument is compiled for each power of two from 1: SQLite runs `in (?)` as `= ?`,
 * while any longer list builds a temporary index first, which costs more than the lookup.
 */
const SMALLEST_LIST = 1

/** Where each parameter of the compiled SQL comes from: an argument's index, or a fixed value. */
type Binding = { argument: number } | { value: unknown }

/**
 * A query built and compiled once, then run with new values. Kysely otherwise builds and
 * compiles the same SQL on every call, which costs more than SQLite takes to run most of
 * ours. The SQL is compiled by each database it runs on, so it stays dialect-neutral.
 *
 * `build` gets stand-ins for the arguments: use them only as values (`=`, `<`, `limit`,
 * `eb.val`), never to decide the query's shape — a query whose shape varies needs one
 * prepared query per shape.
 *
 * ```ts
 * const findToken = prepared((db: Kysely<AuthTables>, hash: string) =>
 *   db.selectFrom('tokens').selectAll().where('token_hash', '=', hash))
 * const { rows } = await findToken(db, hash)
 * ```
 */
export function prepared<DB, A extends unknown[], R>(
  build: (db: Kysely<DB>, ...args: A) => Compilable<R>,
): (db: Kysely<DB>, ...args: A) => Promise<QueryResult<R>> {
  // One template per database, keyed by its adapter (which its transactions share): each
  // engine compiles its own SQL, and placeholders differ.
  const templates = new WeakMap<object, { compiled: CompiledQuery<R>; bindings: Binding[] }>()
  return (db, ...args) => {
    const adapter = db.getExecutor().adapter
    let template = templates.get(adapter)
    if (template === undefined) templates.set(adapter, (template = compile(db, build)))
    const parameters = template.bindings.map((binding) => ('argument' in binding ? args[binding.argument] : binding.value))
    return execute(db, adapter, withParameters(template.compiled, parameters))
  }
}

/** `compiled` with its own values; spelled out, since a spread with a property added copies through V8's slow path. */
function withParameters<R>(compiled: CompiledQuery<R>, parameters: readonly unknown[]): CompiledQuery<R> {
  return { query: compiled.query, queryId: compiled.queryId, sql: compiled.sql, parameters }
}

/** On SQLite at once where the connection allows it (see `runAtOnce`), else through Kysely. */
function execute<DB, R>(db: Kysely<DB>, adapter: DialectAdapter, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  return runAtOnce<DB, R>(db, adapter, query) ?? db.executeQuery<R>(query)
}

function compile<DB, A extends unknown[], R>(db: Kysely<DB>, build: (db: Kysely<DB>, ...args: A) => Compilable<R>, standIns: unknown[] = slots(8)) {
  const compiled = build(db, ...(standIns as A)).compile()
  const bindings = compiled.parameters.map((parameter): Binding => {
    const argument = SLOT_INDEX.get(parameter)
    return argument === undefined ? { value: parameter } : { argument }
  })
  return { compiled, bindings }
}

/**
 * `prepared` for a query that comes in a few shapes (optional conditions, sort direction):
 * `shape` is a real value the builder may branch on, and each distinct shape is compiled once.
 */
export function preparedShapes<DB, S extends object, A extends unknown[], R>(
  build: (db: Kysely<DB>, shape: S, ...args: A) => Compilable<R>,
): (db: Kysely<DB>, shape: S, ...args: A) => Promise<QueryResult<R>> {
  const byShape = new Map<string, (db: Kysely<DB>, ...args: A) => Promise<QueryResult<R>>>()
  return (db, shape, ...args) => {
    const key = JSON.stringify(shape)
    let run = byShape.get(key)
    if (run === undefined) byShape.set(key, (run = prepared((db: Kysely<DB>, ...rest: A) => build(db, shape, ...rest))))
    return run(db, ...args)
  }
}

/**
 * `prepared` for a query over a list of values (`where id in (…)`): compiled once for each
 * size bucket (1, 2, 4, 8, …). The unused places repeat the list's first value, which changes
 * nothing an `in (…)` answers and costs SQLite no lookup (it keeps one copy of each value);
 * an empty list's are `filler`, a value that matches nothing. `build` gets stand-ins for the
 * values and must use each only as a value.
 *
 * ```ts
 * const ofMessages = preparedList((db: Kysely<AttachmentTables>, ids: readonly number[]) =>
 *   db.selectFrom('attachments').selectAll().where('message_id', 'in', ids), 0)
 * ```
 */
export function preparedList<DB, V, R>(
  build: (db: Kysely<DB>, values: readonly V[]) => Compilable<R>,
  filler: NoInfer<V>,
): (db: Kysely<DB>, values: readonly V[]) => Promise<QueryResult<R>> {
  const templates = new WeakMap<object, Map<number, { compiled: CompiledQuery<R>; bindings: Binding[] }>>()
  return (db, values) => {
    const adapter = db.getExecutor().adapter
    let bySize = templates.get(adapter)
    if (bySize === undefined) templates.set(adapter, (bySize = new Map()))
    let size = SMALLEST_LIST
    while (size < values.length) size *= 2
    let template = bySize.get(size)
    if (template === undefined) bySize.set(size, (template = compile(db, (db, ...list: V[]) => build(db, list), slots(size))))
    const unused = values.length > 0 ? values[0] : filler
    const parameters = template.bindings.map((binding) =>
      'argument' in binding ? (binding.argument < values.length ? values[binding.argument] : unused) : binding.value,
    )
    return execute(db, adapter, withParameters(template.compiled, parameters))
  }
}
