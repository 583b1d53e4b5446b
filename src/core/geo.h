// Distances on the WGS-84 sphere. Pure functions; thread-safe.
#pragma once

namespace jingwu {

// Great-circle distance in metres (mean Earth radius 6,371,008.8 m).
double HaversineMeters(double lat1, double lon1, double lat2, double lon2);

}  // namespace jingwu
