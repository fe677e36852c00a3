// After tsup: drops the server's augmentations of Fastify's types from the declarations. They
// come along with the schemas the SDK's types are made from; a client has no Fastify, and its
// compiler would reject them.
import { readFileSync, writeFileSync } from 'node:fs'

const AUGMENTATION = "declare module 'fastify' {"

for (const file of ['dist/index.d.ts', 'dist/index.d.cts']) {
  let text = readFileSync(file, 'utf8')
  for (let start = text.indexOf(AUGMENTATION); start !== -1; start = text.indexOf(AUGMENTATION)) {
    let depth = 0
    let end = text.indexOf('{', start)
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++
      else if (text[end] === '}' && --depth === 0) break
    }
    text = text.slice(0, start) + text.slice(end + 1)
  }
  writeFileSync(file, text)
}
