import AjvCompiler from '@fastify/ajv-compiler'
import { describe, expect, it } from 'vitest'
import { Attachment } from '../../../src/features/attachments/attachment-schemas.js'

// Checked as the app checks a schema: with its own Ajv, which reads OpenAPI's `nullable`.
const fits = AjvCompiler()({}, { customOptions: { coerceTypes: false, removeAdditional: false } })({ schema: Attachment })
const check = (value: unknown) => fits(value) === true

const image: Attachment = {
  id: 'k3Jx9vQ2',
  kind: 'image',
  content_type: 'image/jpeg',
  size: 48_213,
  name: 'holiday.jpg',
  width: 200,
  height: 300,
  url: '/api/chat/attachments/k3Jx9vQ2/',
  thumbnail_url: '/api/chat/attachments/k3Jx9vQ2/thumbnail/',
}

describe('the Attachment schema', () => {
  it('accepts an image, and a file with no dimensions and no thumbnail', () => {
    expect(check(image)).toBe(true)
    expect(
      check({ ...image, kind: 'file', content_type: 'application/pdf', width: null, height: null, thumbnail_url: null }),
    ).toBe(true)
  })

  it('refuses a kind other than image or file, and a missing field', () => {
    expect(check({ ...image, kind: 'video' })).toBe(false)
    const { thumbnail_url: _, ...withoutThumbnail } = image
    expect(check(withoutThumbnail)).toBe(false)
  })
})
