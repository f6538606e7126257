/**
 * Images: what editors send (`ImageInput`: dimensions required, so pages can reserve the space before the image
 * loads) and what clients get (`Image`: the same plus renditions for `srcset`, built from the image CDN's URL
 * template, e.g. imgix `https://cdn.example/{path}?w={width}` or Thumbor `https://thumbor.example/unsafe/{width}x0/{url}`).
 */
import { type Static, Type } from 'typebox'
import type { StoredImage } from '../db/schema.js'
import { HttpUrl, Nullable } from './schemas.js'

export interface ImageSettings {
  /** `{url}` (the original, URL-encoded), `{path}` (its path) and `{width}`; undefined: no image CDN. */
  template: string | undefined
  /** Rendition widths offered, ascending; only those narrower than the original are listed. */
  widths: number[]
}

export const DEFAULT_IMAGE_WIDTHS = [320, 640, 960, 1280, 1920]

const Dimension = (description: string) => Type.Integer({ minimum: 1, maximum: 100_000, description })

export const FocalPoint = Type.Object(
  {
    x: Type.Number({ minimum: 0, maximum: 1, description: 'From the left edge (0) to the right edge (1).' }),
    y: Type.Number({ minimum: 0, maximum: 1, description: 'From the top edge (0) to the bottom edge (1).' }),
  },
  {
    additionalProperties: false,
    title: 'FocalPoint',
    description: 'What a crop must keep in view, as fractions of the width and height.',
  },
)

const common = {
  url: HttpUrl,
  alt: Type.String({ maxLength: 500, description: 'Alternative text for screen readers.' }),
  caption: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  credit: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
}

export const ImageInput = Type.Object(
  {
    ...common,
    width: Dimension('Width of the original, in pixels.'),
    height: Dimension('Height of the original, in pixels.'),
    focalPoint: Type.Optional(Nullable(FocalPoint)),
  },
  { additionalProperties: false, title: 'ImageInput' },
)
export type ImageInput = Static<typeof ImageInput>

export const Rendition = Type.Object(
  {
    width: Type.Integer({ description: 'Pixels; the `w` descriptor in `srcset`.' }),
    url: Type.String(),
  },
  { additionalProperties: false, title: 'Rendition' },
)

export const Image = Type.Object(
  {
    url: HttpUrl,
    alt: common.alt,
    caption: Nullable(Type.String()),
    credit: Nullable(Type.String()),
    width: Nullable(
      Dimension('Width of the original; null only for images stored before dimensions were required.'),
    ),
    height: Nullable(
      Dimension('Height of the original; null only for images stored before dimensions were required.'),
    ),
    focalPoint: Nullable(FocalPoint),
    renditions: Type.Array(Rendition, {
      description: 'The image at each offered width, narrowest first, ending with the original.',
    }),
    srcset: Type.String({ description: 'The renditions as an HTML `srcset` value.' }),
  },
  { additionalProperties: false, title: 'Image' },
)
export type Image = Static<typeof Image>

export function renditionsOf(url: string, width: number | null, settings: ImageSettings) {
  const original = { width: width ?? 0, url }
  if (settings.template === undefined) return width === null ? [] : [original]
  const template = settings.template
  let path = ''
  try {
    path = new URL(url).pathname.slice(1)
  } catch {}
  const at = (w: number) =>
    template.replace(/\{(url|path|width)\}/g, (_, name: string) =>
      name === 'width' ? String(w) : name === 'url' ? encodeURIComponent(url) : path,
    )
  const smaller = settings.widths
    .filter((w) => width === null || w < width)
    .map((w) => ({ width: w, url: at(w) }))
  return width === null ? smaller : [...smaller, original]
}

/** An image as the database holds it (older rows may lack dimensions and focal point), as clients get it. */
export function presentImage(stored: StoredImage, settings: ImageSettings): Image {
  const width = stored.width ?? null
  const renditions = renditionsOf(stored.url, width, settings)
  return {
    url: stored.url,
    alt: stored.alt,
    caption: stored.caption ?? null,
    credit: stored.credit ?? null,
    width,
    height: stored.height ?? null,
    focalPoint: stored.focalPoint ?? null,
    renditions,
    srcset: renditions.map((r) => `${r.url} ${r.width}w`).join(', '),
  }
}

/** `IMAGE_URL_TEMPLATE`: an absolute http(s) URL template that names `{width}` and `{url}` or `{path}`. */
export const isImageTemplate = (raw: string) =>
  /^https?:\/\/\S+$/.test(raw) &&
  raw.includes('{width}') &&
  /\{(url|path)\}/.test(raw) &&
  raw.replace(/\{(url|path|width)\}/g, '').search(/[{}]/) === -1
