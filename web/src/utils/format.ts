// One time format for display: Asia/Shanghai, 24-hour, as the bureau reads it.
const TZ = 'Asia/Shanghai'

const display = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
})

function parts(d: Date): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of display.formatToParts(d)) out[p.type] = p.value
  if (out.hour === '24') out.hour = '00'
  return out
}

/** "2024-05-01 08:30:00" in Beijing time, or "—" for nothing. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const p = parts(d)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`
}

/** ISO 8601 with the +08:00 offset, as the API takes times. */
export function toIsoShanghai(d: Date): string {
  const p = parts(d)
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}+08:00`
}

const intFormat = new Intl.NumberFormat('en-US')

/** 15862 → "15,862"; a rate keeps its decimals; nothing → "—". */
export function formatNumber(v: number | null | undefined, digits?: number): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  if (digits !== undefined) return new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v)
  return intFormat.format(v)
}

/** A signed percentage with a true minus sign: −34.9%, +2.0%. */
export function formatPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  const s = Math.abs(v).toFixed(digits)
  if (Number(s) === 0) return `${s}%`
  return `${v < 0 ? '\u2212' : '+'}${s}%`
}

/** Percentage change from a to b, or null when a is zero. */
export function pctChange(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || a === 0) return null
  return ((b - a) / a) * 100
}

/** "2019-03" → ["2019-03-01", "2019-04-01"] (from inclusive, to exclusive, as the case list takes them). */
export function monthBounds(period: string): [string, string] {
  const [y, m] = period.split('-').map(Number)
  const ny = m === 12 ? y + 1 : y
  const nm = m === 12 ? 1 : m + 1
  return [`${y}-${String(m).padStart(2, '0')}-01`, `${ny}-${String(nm).padStart(2, '0')}-01`]
}

/** A plain YYYY-MM-DD moved by some days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** The YYYY-MM-DD of a Date in Beijing time. */
export function toDateShanghai(d: Date): string {
  return toIsoShanghai(d).slice(0, 10)
}
