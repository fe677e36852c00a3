/** One operation of the OpenAPI document: the app's own route table, as it validates. */
export interface Operation {
  method: string
  /** OpenAPI path, e.g. `/api/chat/{uuid}/message/`. */
  path: string
  pathParams: string[]
  queryParams: string[]
  /** Properties of the JSON body, when the operation takes one. */
  bodyFields: string[] | null
}

interface OpenApiOperation {
  parameters?: { in: string; name: string }[]
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> }
}

/** Every operation `GET /api/schema/` documents, in document order. */
export async function routeTable(baseUrl: string): Promise<Operation[]> {
  const document = (await (await fetch(`${baseUrl}/api/schema/`)).json()) as {
    paths: Record<string, Record<string, OpenApiOperation>>
  }
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const parameters = operation.parameters ?? []
      const body = operation.requestBody?.content['application/json']?.schema
      return {
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: body ? Object.keys(body.properties ?? {}) : null,
      }
    }),
  )
}

/** `METHOD /path/{param}/`, the key the tests index operations by. */
export function operationKey(operation: { method: string; path: string }): string {
  return `${operation.method} ${operation.path}`
}
