// The synthetic city's epidemic checkpoints (疫情防控卡口, docs/health.md):
// the 42 joint road checkpoints and the arrival checks at the airport, ports
// and railway stations over the city year's 24 January to 30 April, as the
// bureau ran them in 2020 (health_checkpoint.csv, a source defined as data:
// health_checkpoint.source.json). The published figures it follows: 300,000+
// vehicle checks and 500,000+ temperature checks at the road checkpoints,
// 3.3 million domestic arriving passengers and 1,774 international arrivals
// checked, 12,414 people under observation, 103 isolated for an abnormal
// temperature. The bulk (vehicles, temperatures, domestic arrivals) is
// written at `scale` of the published figure; the others exactly.
//
// Planted: a confirmed case with fourteen days of history (hotel, travel,
// internet café, checkpoint passes, a car with two companions) and its true
// contacts, computed from the generated rows by the rules of docs/health.md
// (health_truth.json); bad rows of every kind the source refuses.
//
// Reads truth.json, places.csv, population.csv, vehicles.csv, hotel.csv,
// travel.csv, netcafe.csv and dutyfree.csv from out_dir. Deterministic for
// a seed. Identification is by identity document or plate only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace jingwu::gen {

struct HealthPlace {
  std::string code, name, district;
  double lat = 0, lon = 0;
};
// The 42 joint road checkpoints (places.csv kind health_checkpoint, JC001…).
std::vector<HealthPlace> HealthCheckpointPlaces();

struct HealthOptions {
  std::string out_dir;
  uint64_t seed = 1;
  double scale = 0.05;  // of the published vehicle, temperature and domestic arrival checks
};

Status WriteHealth(const HealthOptions& o, std::map<std::string, int64_t>* rows = nullptr);

}  // namespace jingwu::gen
