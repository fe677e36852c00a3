import AjvCompiler from '@fastify/ajv-compiler'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

const buildCompiler = AjvCompiler()

/**
 * Fastify's schema controller with two validators. Query strings and paths are text, so
 * their values are coerced to the schema's types; JSON bodies carry their own types and are
 * taken as sent, since coercion would read `"shop_id": 0` as no shop or `["x"]` as `"x"`.
 */
export const schemaController = {
  compilersFactory: {
    buildValidator: ((externalSchemas, options = {}) => {
      const text = buildCompiler(externalSchemas, options)
      const json = buildCompiler(externalSchemas, {
        ...options,
        customOptions: { ...options.customOptions, coerceTypes: false },
      } as typeof options)
      return (route) => (route.httpPart === 'body' ? json : text)(route)
    }) satisfies AjvCompiler.BuildCompilerFromPool,
  },
}

/**
 * Request bodies are JSON only, as in the contract: any other type is 415 (Fastify would
 * otherwise read text/plain as a string). An empty body, with or without a JSON content type
 * (many clients send one on every request), has empty data, as in DRF.
 */
export function acceptJsonBodies(app: FastifyInstance): void {
  const { onProtoPoisoning = 'remove', onConstructorPoisoning = 'remove' } = app.initialConfig
  const json = app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning)
  app.removeContentTypeParser(['text/plain', 'application/json'])
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) done(null, undefined)
    else json(request, body as string, done)
  })
  // Only on routes that declare a body: a hook on every route costs every request.
  app.addHook('onRoute', (route) => {
    if (route.schema?.body !== undefined) route.preValidation = [emptyBodyAsEmptyData, ...[route.preValidation ?? []].flat()]
  })
}

function emptyBodyAsEmptyData(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
  if (request.body === undefined) request.body = {}
  done()
}
