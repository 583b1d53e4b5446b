// The Haikou bureau's published epidemic figures for 2020 (疫情防控), which
// the generator follows and the health page shows beside the records.
#pragma once

#include <cstdint>

namespace jingwu::health::published {
inline constexpr int64_t kRoadCheckpoints = 42;         // 联合检查站
inline constexpr int64_t kVehicleChecks = 312000;       // 检查车辆 30万余
inline constexpr int64_t kTemperatureChecks = 526000;   // 测温 50万余
inline constexpr int64_t kDomesticArrivals = 3300000;   // 查验国内进岛旅客 330万
inline constexpr int64_t kInternational = 1774;         // 入境人员
inline constexpr int64_t kObservation = 12414;          // 留观
inline constexpr int64_t kIsolated = 103;               // 体温异常隔离
inline constexpr int64_t kEpidemicCases = 193;          // 涉疫刑事案件
inline constexpr int64_t kEpidemicSuspects = 268;
}  // namespace jingwu::health::published
