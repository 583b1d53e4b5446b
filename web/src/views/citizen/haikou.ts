// Whether a point lies in one of Haikou's four districts (the bundled
// outline the maps draw; ray casting over each polygon's rings). The server
// decides (422 invalid_location); this only says so before sending.
import outline from '@/assets/geo/haikou.json'

export function inHaikou(lat: number, lon: number): boolean {
  for (const f of (outline as GeoJSON.FeatureCollection).features) {
    const g = f.geometry
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []
    for (const rings of polys) {
      let inside = false
      for (const ring of rings)
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          const [xi, yi] = ring[i]
          const [xj, yj] = ring[j]
          if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
        }
      if (inside) return true
    }
  }
  return false
}
