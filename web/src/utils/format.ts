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
