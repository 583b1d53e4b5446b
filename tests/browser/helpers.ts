// Helpers the browser specs share: the generated city's folder, test ids,
// required environment variables and a small CSV reader for the truth files.
import { dirname } from 'node:path'
import type { Locator, Page } from '@playwright/test'

export const truthFile = process.env.JINGWU_TRUTH
export const genDir = truthFile ? dirname(truthFile) : ''
export const tid = (scope: Page | Locator, id: string) => scope.locator(`[data-test="${id}"]`)

export function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

/** A small CSV reader (quoted fields, doubled quotes), header row → objects. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      field = ''
      if (row.length > 1 || row[0] !== '') rows.push(row)
      row = []
    } else field += c
  }
  if (field !== '' || row.length) {
    row.push(field)
    rows.push(row)
  }
  const [head, ...body] = rows
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])))
}
