// Standard addresses (标准地址): the code scheme, text normalisation and the
// in-memory matcher that turns messy address text into a standard address
// (docs/registry.md).
//
// A code is its parent's code plus a fixed number of digits for its level,
// so a room's code (25 digits) names its whole path. AddressIndex holds every
// node with its names and aliases; Match() is pure and thread-safe once the
// index is built (build it on one thread, then share it read-only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace jingwu::registry {

enum class Level : uint8_t { kDistrict, kStreet, kCommunity, kCompound, kBuilding, kUnit, kFloor, kRoom };
inline constexpr int kLevelCount = 8;

std::string_view LevelName(Level l);
std::optional<Level> LevelFromName(std::string_view name);
// Length of a code at this level: 6, 9, 12, 16, 19, 21, 23, 25.
size_t CodeLength(Level l);
// The level of a well-formed code (digits only, one of the lengths above).
std::optional<Level> LevelOfCode(std::string_view code);
// Fails with invalid_address_code (400) unless the code is well formed and its
// district is one of Haikou's four (460105-460108).
Status CheckCode(std::string_view code);
// The parent's code ("" for a district).
std::string_view ParentCode(std::string_view code);

// Full-width to half-width, common traditional forms (號 樓 棟 單元 區 …) to
// simplified, Chinese numerals before 栋/座/单元/层 to digits, letters to upper
// case, spaces and punctuation dropped, dashes unified, '#' read as 号, and the
// country / province / city prefix removed.
std::string NormalizeAddressText(std::string_view text);

struct Node {
  std::string code;
  Level level = Level::kDistrict;
  std::string name;  // the node's own name: 龙华区, 金贸街道, 国贸大厦, B座, 1单元, 12层, 1203室
  std::string road;  // compounds: road and number (玉沙路5号), may be empty
  std::string key;   // buildings and below: the short label a text uses (B, 3, 1, 12, 1203)
  bool active = true;            // status "active" (else demolished or merged)
  std::string status = "active";  // active, demolished, merged
  std::string merged_into;        // the code a merged address went into
  double lat = 0, lon = 0;        // buildings (WGS-84); 0 when unknown
  std::vector<std::string> aliases;
  uint32_t parent = UINT32_MAX;
  int64_t rooms_below = 0;  // rooms in the subtree (a room counts itself)
};

struct Candidate {
  std::string code;
  Level level = Level::kRoom;
  double score = 0;
};

// What the text said, level by level (empty when it did not say).
struct Parsed {
  std::string district, street, community, compound, building, unit, room;
  int floor = 0;
};

struct MatchResult {
  bool matched = false;
  std::string code;  // when matched
  Level level = Level::kRoom;
  double score = 0;
  Parsed parsed;
  std::vector<Candidate> candidates;  // best first, at most 5
};

class AddressIndex {
 public:
  static constexpr double kThreshold = 0.75;  // a match scores at least this
  static constexpr double kMargin = 0.1;      // and leads the next candidate by this

  // Nodes are added parents first. Fails on a malformed or duplicate code or
  // an unknown parent.
  Status Add(Node n);
  // A colloquial or old name of a district, street, community or compound.
  Status AddAlias(std::string_view code, std::string_view alias);

  MatchResult Match(std::string_view text) const;

  const Node* Find(std::string_view code) const;
  // Children of a node in code order; "" gives the districts.
  std::vector<const Node*> Children(std::string_view code) const;
  size_t ChildCount(std::string_view code) const;
  // Everything below a node (at one level when given), in code order, at most limit.
  std::vector<const Node*> Descendants(std::string_view code, std::optional<Level> level, size_t limit) const;
  // The node and its ancestors, district first.
  std::vector<const Node*> Path(std::string_view code) const;
  // Districts to compounds whose name, road or alias contains the normalised q
  // (any level when level is empty), in code order.
  std::vector<const Node*> Search(std::string_view q, std::optional<Level> level, size_t limit) const;
  // 海口市龙华区金贸街道国贸社区玉沙路5号国贸大厦B座1单元12层1203室
  std::string FullName(std::string_view code) const;
  size_t size() const { return nodes_.size(); }

 private:
  struct Hit {
    uint32_t node;
    bool alias;
    bool road;
    uint32_t token = 0;  // Match(): which name of the text found it
  };
  std::string FullNameOf(uint32_t i) const;
  uint32_t Child(uint32_t parent, std::string_view key) const;
  bool IsAncestor(uint32_t a, uint32_t n) const;

  std::vector<Node> nodes_;
  std::vector<std::vector<uint32_t>> children_;
  std::unordered_map<std::string, uint32_t> by_code_;
  std::unordered_map<std::string, std::vector<Hit>> by_name_;  // normalised names and aliases
  size_t max_name_ = 0;                                        // bytes of the longest key
};

}  // namespace jingwu::registry
