// Navigation to a point: a geo: URI (the phone's own map app) and an https
// link to a map site (Amap's URI API, which converts from WGS-84 itself).
export function geoUri(lat: number, lon: number, label: string): string {
  return `geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(label)})`
}

export function mapLink(lat: number, lon: number, label: string): string {
  const q = new URLSearchParams({ position: `${lon},${lat}`, name: label, coordinate: 'wgs84', callnative: '1' })
  return `https://uri.amap.com/marker?${q.toString()}`
}

/** The phone's position now, or null (no permission, no fix within the time). */
export function currentPosition(timeoutMs = 10000): Promise<{ lat: number; lon: number } | null> {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) return resolve(null)
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: Math.round(p.coords.latitude * 1e6) / 1e6, lon: Math.round(p.coords.longitude * 1e6) / 1e6 }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 },
    )
  })
}
