// The Leaflet map the city pages share: Haikou's district outlines from the
// bundled GeoJSON (so the map works offline), a tile layer underneath when the
// server names one, one layer for the page's own markers, a second fit once
// the page has laid out, and the map removed with the page. The page draws
// its markers into `layer` and says how to fit them.
import { onBeforeUnmount, onMounted, watch, type Ref, type WatchSource } from 'vue'
import { useI18n } from 'vue-i18n'
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import outline from '@/assets/geo/haikou.json'
import { systemInfo } from '@/api/system'
import { codeLabel } from '@/utils/codes'

/** Text made safe for a tooltip's HTML. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export interface CityMapOptions {
  /** Once the map stands: draw the markers and fit. */
  ready: () => void
  /** After the first layout (the map's size known): fit again. */
  resized: () => void
  /** The districts' fill opacity (0.45 unless given). */
  outlineOpacity?: number
  /** A district's name as its tooltip, in the page's language (on unless false). */
  districtTooltips?: boolean
  /** A click on the map (on a district or beside it): where, for a page that picks a point. */
  click?: (lat: number, lon: number) => void
}

const districtName = (f: GeoJSON.Feature | undefined) => codeLabel('district', String(f?.properties?.name ?? ''))

export function useCityMap(el: Ref<HTMLDivElement | null>, o: CityMapOptions) {
  const layer = L.layerGroup()
  let map: L.Map | null = null
  let base: L.GeoJSON | null = null

  onMounted(async () => {
    if (!el.value) return
    map = L.map(el.value, { center: [20.0, 110.35], zoom: 10, scrollWheelZoom: false })
    // No scroll jump of the page when a marker is pressed.
    const container = map.getContainer()
    const focus = container.focus.bind(container)
    container.focus = (f?: FocusOptions) => focus({ ...f, preventScroll: true })
    base = L.geoJSON(outline as GeoJSON.FeatureCollection, {
      style: { color: '#409eff', weight: 1.5, fillColor: '#ecf5ff', fillOpacity: o.outlineOpacity ?? 0.45 },
      onEachFeature: o.districtTooltips === false ? undefined : (f, l) => l.bindTooltip(districtName(f), { sticky: true }),
    }).addTo(map)
    layer.addTo(map)
    if (o.click) map.on('click', (e: L.LeafletMouseEvent) => o.click?.(e.latlng.lat, e.latlng.lng))
    o.ready()
    setTimeout(() => {
      if (!map) return
      map.invalidateSize()
      o.resized()
    }, 100)
    const url = await systemInfo()
      .then((i) => i.map_tile_url ?? '')
      .catch(() => '')
    if (url && map) L.tileLayer(url, { maxZoom: 18 }).addTo(map).bringToBack()
  })
  onBeforeUnmount(() => {
    map?.remove()
    map = null
  })

  /** The whole outline in view. */
  function fitOutline(): void {
    if (map && base) map.fitBounds(base.getBounds(), { animate: false })
  }
  /** The points in view (padded, not closer than maxZoom); none: the outline, unless orOutline is false. */
  function fitPoints(points: [number, number][], pad: number, maxZoom: number, orOutline = true): void {
    if (!map || !base) return
    if (points.length) map.fitBounds(L.latLngBounds(points).pad(pad), { animate: false, maxZoom })
    else if (orOutline) fitOutline()
  }
  /** The districts' tooltips again, in the language the page now speaks. */
  function relabelDistricts(): void {
    base?.eachLayer((l) => {
      const f = (l as L.GeoJSON & { feature?: GeoJSON.Feature }).feature
      if (f) (l as L.Layer).setTooltipContent(districtName(f))
    })
  }
  /** The map's size measured again (after its frame was shown, a dialog opened). */
  function invalidate(): void {
    map?.invalidateSize()
  }
  return { layer, ready: () => map !== null, fitOutline, fitPoints, relabelDistricts, invalidate }
}

/**
 * A city map of markers drawn from a page's props (the communities, checkpoints and supervised
 * sites maps): `draw` puts them on `layer`, `fit` brings them into view. Both once the map stands
 * and `fit` again once it has its size; both again when `points` change; `draw` again when
 * `restyle` changes, and in another language (the tooltips' words, the districts' names too).
 */
export function useMarkerMap(el: Ref<HTMLDivElement | null>, draw: () => void, fit: () => void, points: WatchSource, restyle?: WatchSource) {
  const { locale } = useI18n()
  const city = useCityMap(el, {
    ready: () => {
      draw()
      fit()
    },
    resized: fit,
  })
  watch(points, () => {
    draw()
    fit()
  })
  if (restyle) watch(restyle, draw)
  watch(locale, () => {
    draw()
    city.relabelDistricts()
  })
  return city
}
