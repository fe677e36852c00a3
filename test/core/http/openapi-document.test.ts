import AjvCompiler from '@fastify/ajv-compiler'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../helpers/server.js'

interface MediaType {
  schema?: { $ref?: string }
  example?: unknown
  examples?: Record<string, unknown>
}

interface OperationObject {
  operationId?: string
  summary?: string
  requestBody?: { content: Record<string, MediaType> }
  responses: Record<string, { content?: Record<string, MediaType> }>
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>
  components: { schemas: Record<string, { example?: unknown }> }
}

const PROJECT = fileURLToPath(new URL('../../../', import.meta.url))

let server: TestServer
let document: OpenApiDocument
let operations: { key: string; operation: OperationObject }[]

beforeAll(async () => {
  server = await startTestServer()
  document = (await (await fetch(`${server.url}/api/schema/`)).json()) as OpenApiDocument
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
  )
})

afterAll(() => server.destroy())

/** The example on the media type itself, or on the shared schema it references (as Swagger UI shows it). */
function exampleOf(media: MediaType): unknown {
  if (media.example !== undefined) return media.example
  const shared = media.schema?.$ref?.replace('#/components/schemas/', '')
  return shared === undefined ? undefined : document.components.schemas[shared]?.example
}

function hasExample(media: MediaType): boolean {
  return media.examples !== undefined || exampleOf(media) !== undefined
}

interface Payload {
  /** `METHOD /path [status] type` */
  at: string
  part: 'request' | 'success'
  type: string
  media: MediaType
}

/** Every request body and every success answer with a body. */
function payloads(): Payload[] {
  return operations.flatMap(({ key, operation }) => [
    ...Object.entries(operation.requestBody?.content ?? {}).map(([type, media]) => ({ at: `${key} ${type}`, part: 'request' as const, type, media })),
    ...Object.entries(operation.responses)
      .filter(([status]) => /^2\d\d$/.test(status))
      .flatMap(([status, response]) =>
        Object.entries(response.content ?? {}).map(([type, media]) => ({ at: `${key} ${status} ${type}`, part: 'success' as const, type, media })),
      ),
  ])
}

// The app's own Ajv (formats included), taking examples as they are: no coercion, no defaults.
const compile = AjvCompiler()({}, { customOptions: { strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false } })

/** Why `example` does not fit `schema` (OpenAPI 3.0: `nullable`, refs into the document's components); none when it fits. */
function misfits(schema: object, example: unknown): string[] {
  const validate = compile({ schema: { ...schema, components: document.components } })
  return validate(example) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`)
}

describe('GET /api/schema/, for integrators', () => {
  it('documents every operation under a unique camelCase operationId, with a summary', () => {
    expect(operations.length).toBeGreaterThan(40)
    const ids = operations.map(({ operation }) => operation.operationId)
    expect(operations.filter(({ operation }) => !/^[a-z][A-Za-z]+$/.test(operation.operationId ?? '')).map(({ key }) => key)).toEqual([])
    expect(new Set(ids).size).toBe(ids.length)
    expect(operations.filter(({ operation }) => !operation.summary).map(({ key }) => key)).toEqual([])
    expect(document.paths['/api/chat/{uuid}/message/']?.post?.operationId).toBe('sendMessage')
  })

  it('shows an example of every request body', () => {
    const bodies = payloads().filter(({ part }) => part === 'request')
    expect(bodies.length).toBeGreaterThan(15)
    expect(bodies.filter(({ media }) => !hasExample(media)).map(({ at }) => at)).toEqual([])
  })

  it('shows an example of every success answer with a body (a download’s bytes aside)', () => {
    const answers = payloads().filter(({ part, type }) => part === 'success' && type !== 'application/octet-stream')
    expect(answers.length).toBeGreaterThan(30)
    expect(answers.filter(({ media }) => !hasExample(media)).map(({ at }) => at)).toEqual([])
    // Every operation answers success somehow: a body, 204, or the WebSocket's 101.
    const withoutSuccess = operations.filter(({ operation }) => !Object.keys(operation.responses).some((status) => /^(2\d\d|101)$/.test(status)))
    expect(withoutSuccess.map(({ key }) => key)).toEqual([])
  })
})

describe('the examples of GET /api/schema/', () => {
  it('each fit the schema they illustrate, shared ones included', () => {
    const examples = [
      ...Object.entries(document.components.schemas)
        .filter(([, schema]) => schema.example !== undefined)
        .map(([name, schema]) => ({ at: name, schema, example: schema.example })),
      ...payloads()
        .filter(({ media }) => media.example !== undefined)
        .map(({ at, media }) => ({ at, schema: media.schema ?? {}, example: media.example })),
    ]
    expect(examples.length).toBeGreaterThan(30)
    expect(examples.flatMap(({ at, schema, example }) => misfits(schema, example).map((why) => `${at}: ${why}`))).toEqual([])
  })

  it('catch a misfit: a message whose id is text', () => {
    const message = document.components.schemas.Message!
    expect(misfits(message, { ...(message.example as object), id: '42' })).toEqual(['/id must be integer'])
  })
})

describe('a TypeScript client generated from GET /api/schema/ by openapi-typescript', () => {
  let folder: string

  beforeAll(async () => {
    // Inside the project, whose package.json makes these .ts files ES modules for NodeNext (a crash's leftovers: .gitignore).
    folder = mkdtempSync(join(PROJECT, 'test', '.openapi-client-'))
    writeFileSync(join(folder, 'api.ts'), astToString(await openapiTS(new URL(`${server.url}/api/schema/`))))
  })

  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  /** Type-checks a module that sends a message with the generated types; its diagnostics, as text. */
  function typeCheckCall(call: string): string[] {
    const file = join(folder, 'send-message.ts')
    writeFileSync(
      file,
      `import type { paths } from './api.js'

type SendMessage = paths['/api/chat/{uuid}/message/']['post']
type MessageBody = SendMessage['requestBody']['content']['application/json']
type SentMessage = SendMessage['responses'][201]['content']['application/json']

export async function sendMessage(baseUrl: string, token: string, uuid: string, body: MessageBody): Promise<SentMessage> {
  const answer = await fetch(\`\${baseUrl}/api/chat/\${encodeURIComponent(uuid)}/message/\`, {
    method: 'POST',
    headers: { authorization: \`Bearer \${token}\`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return (await answer.json()) as SentMessage
}

export const sent: Promise<{ id: number; thread_uuid: string }> = ${call}
`,
    )
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: true,
    })
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
  }

  it('types the call that sends a message and its 201 answer: it compiles', () => {
    expect(typeCheckCall(`sendMessage('http://localhost:8000', 'token', 'uuid', { content: 'Hello!', client_id: 'c1' })`)).toEqual([])
  })

  it('refuses a wrong call (a number for content) at compile time', () => {
    const problems = typeCheckCall(`sendMessage('http://localhost:8000', 'token', 'uuid', { content: 42 })`)
    expect(problems.join('\n')).toContain("Type 'number' is not assignable to type 'string'")
  })
})
