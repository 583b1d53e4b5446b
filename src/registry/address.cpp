#include "registry/address.h"

#include <algorithm>
#include <array>

#include "identity/identity.h"

namespace jingwu::registry {

namespace {

constexpr std::array<std::string_view, kLevelCount> kLevelNames = {
    "district", "street", "community", "compound", "building", "unit", "floor", "room"};
constexpr std::array<size_t, kLevelCount> kCodeLengths = {6, 9, 12, 16, 19, 21, 23, 25};

// ---- UTF-8 as code points --------------------------------------------------

std::u32string Decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    char32_t cp;
    size_t n;
    if (b < 0x80) cp = b, n = 1;
    else if ((b >> 5) == 0x6) cp = b & 0x1F, n = 2;
    else if ((b >> 4) == 0xE) cp = b & 0x0F, n = 3;
    else if ((b >> 3) == 0x1E) cp = b & 0x07, n = 4;
    else {
      ++i;  // a stray byte: dropped
      continue;
    }
    if (i + n > s.size()) break;
    bool ok = true;
    for (size_t k = 1; k < n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3F);
    }
    i += ok ? n : 1;
    if (ok) out.push_back(cp);
  }
  return out;
}

void Encode(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Traditional forms that turn up in addresses, to simplified.
char32_t Simplify(char32_t c) {
  static constexpr std::pair<char32_t, char32_t> kMap[] = {
      {U'號', U'号'}, {U'樓', U'楼'}, {U'棟', U'栋'}, {U'單', U'单'}, {U'區', U'区'}, {U'層', U'层'},
      {U'鎮', U'镇'}, {U'華', U'华'}, {U'蘭', U'兰'}, {U'瓊', U'琼'}, {U'廈', U'厦'}, {U'園', U'园'},
      {U'貿', U'贸'}, {U'國', U'国'}, {U'門', U'门'}, {U'東', U'东'}, {U'龍', U'龙'}, {U'鳳', U'凤'},
      {U'濱', U'滨'}, {U'灣', U'湾'}, {U'島', U'岛'}, {U'廣', U'广'}, {U'場', U'场'}, {U'匯', U'汇'},
      {U'發', U'发'}, {U'豐', U'丰'}, {U'陽', U'阳'}, {U'綠', U'绿'}, {U'風', U'风'}, {U'雲', U'云'},
      {U'興', U'兴'}, {U'寶', U'宝'}, {U'際', U'际'}, {U'鄉', U'乡'}, {U'館', U'馆'}, {U'灘', U'滩'},
      {U'長', U'长'}, {U'勝', U'胜'}, {U'開', U'开'}, {U'藍', U'蓝'}, {U'晉', U'晋'}, {U'園', U'园'}};
  for (auto [t, s] : kMap)
    if (t == c) return s;
  return c;
}

bool Dropped(char32_t c) {
  switch (c) {
    case U' ': case U'\t': case U'\n': case U'\r': case U',': case U'.': case U';': case U':': case U'\'':
    case U'"': case U'(': case U')': case U'[': case U']': case U'·': case U'。': case U'、': case U'【':
    case U'】': case U'《': case U'》': case U'“': case U'”': case U'‘': case U'’': case U'/': case U'\\':
      return true;
    default:
      return false;
  }
}

int Numeral(char32_t c) {
  switch (c) {
    case U'零': return 0;
    case U'一': return 1;
    case U'二': case U'两': return 2;
    case U'三': return 3;
    case U'四': return 4;
    case U'五': return 5;
    case U'六': return 6;
    case U'七': return 7;
    case U'八': return 8;
    case U'九': return 9;
    case U'十': return 10;
    default: return -1;
  }
}

bool StartsWith(const std::u32string& s, size_t at, std::u32string_view p) {
  return s.size() >= at + p.size() && std::u32string_view(s).substr(at, p.size()) == p;
}

// A structural marker after a number: building, unit or floor.
bool MarkerAt(const std::u32string& s, size_t at) {
  if (at >= s.size()) return false;
  char32_t c = s[at];
  return c == U'栋' || c == U'幢' || c == U'座' || c == U'层' || c == U'楼' || StartsWith(s, at, U"单元") ||
         StartsWith(s, at, U"号楼");
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string_view LevelName(Level l) { return kLevelNames[static_cast<size_t>(l)]; }

std::optional<Level> LevelFromName(std::string_view name) {
  for (size_t i = 0; i < kLevelNames.size(); ++i)
    if (kLevelNames[i] == name) return static_cast<Level>(i);
  return std::nullopt;
}

size_t CodeLength(Level l) { return kCodeLengths[static_cast<size_t>(l)]; }

std::optional<Level> LevelOfCode(std::string_view code) {
  if (!std::all_of(code.begin(), code.end(), [](char c) { return IsDigit(c); })) return std::nullopt;
  for (size_t i = 0; i < kCodeLengths.size(); ++i)
    if (kCodeLengths[i] == code.size()) return static_cast<Level>(i);
  return std::nullopt;
}

Status CheckCode(std::string_view code) {
  if (!LevelOfCode(code))
    return Validation("invalid_address_code",
                      "a standard address code is 6, 9, 12, 16, 19, 21, 23 or 25 digits (docs/registry.md)");
  std::string_view d = code.substr(0, 6);
  if (d != "460105" && d != "460106" && d != "460107" && d != "460108")
    return Validation("invalid_address_code", "a standard address code starts with a Haikou district (460105-460108)");
  return Status::Ok();
}

std::string_view ParentCode(std::string_view code) {
  auto l = LevelOfCode(code);
  if (!l || *l == Level::kDistrict) return {};
  return code.substr(0, CodeLength(static_cast<Level>(static_cast<int>(*l) - 1)));
}

std::string NormalizeAddressText(std::string_view text) {
  std::u32string in = Decode(identity::NormalizeWidth(text));
  std::u32string s;
  s.reserve(in.size());
  for (char32_t c : in) {
    if (Dropped(c)) continue;
    if (c >= U'a' && c <= U'z') c = c - U'a' + U'A';
    else if (c == U'—' || c == U'–' || c == U'－' || c == U'~' || c == U'_') c = U'-';
    else if (c == U'#') c = U'号';
    else c = Simplify(c);
    s.push_back(c);
  }
  // Chinese numerals before a building, unit or floor marker (三栋, 十二层, 第二单元).
  std::u32string t;
  t.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t j = i;
    while (j < s.size() && Numeral(s[j]) >= 0) ++j;
    if (j > i && j - i <= 3 && MarkerAt(s, j)) {
      int value = 0, digit = -1;
      for (size_t k = i; k < j; ++k) {
        int v = Numeral(s[k]);
        if (v == 10) {
          value += (digit < 0 ? 1 : digit) * 10;
          digit = -1;
        } else {
          digit = v;
        }
      }
      if (digit >= 0) value += digit;
      if (!t.empty() && t.back() == U'第') t.pop_back();
      for (char c : std::to_string(value)) t.push_back(static_cast<char32_t>(c));
      i = j;
      continue;
    }
    if (s[i] == U'第' && i + 1 < s.size() && s[i + 1] >= U'0' && s[i + 1] <= U'9') {
      ++i;
      continue;
    }
    t.push_back(s[i]);
    ++i;
  }
  // Country, province and city prefixes.
  std::u32string_view v(t);
  for (bool again = true; again;) {
    again = false;
    for (std::u32string_view p : {U"中华人民共和国", U"中国", U"海南省", U"海口市"}) {
      if (v.substr(0, p.size()) == p) {
        v.remove_prefix(p.size());
        again = true;
      }
    }
    for (std::u32string_view p : {U"海南", U"海口"}) {
      if (v.substr(0, p.size()) == p) {
        std::u32string_view rest = v.substr(p.size());
        for (std::u32string_view d : {U"秀英", U"龙华", U"琼山", U"美兰", U"海口"})
          if (rest.substr(0, d.size()) == d) {
            v = rest;
            again = true;
            break;
          }
      }
    }
  }
  std::string out;
  out.reserve(v.size() * 3);
  for (char32_t c : v) Encode(c, &out);
  return out;
}

// ---- The index ---------------------------------------------------------------

Status AddressIndex::Add(Node n) {
  JW_RETURN_IF_ERROR(CheckCode(n.code));
  n.level = *LevelOfCode(n.code);
  if (by_code_.count(n.code)) return Validation("duplicate_address", "the address code " + n.code + " appears twice");
  std::string_view parent = ParentCode(n.code);
  if (!parent.empty()) {
    auto it = by_code_.find(std::string(parent));
    if (it == by_code_.end()) return Validation("unknown_parent", "no parent address " + std::string(parent));
    n.parent = it->second;
  }
  auto id = static_cast<uint32_t>(nodes_.size());
  by_code_.emplace(n.code, id);
  n.active = n.status == "active";
  if (n.level == Level::kRoom)
    for (uint32_t k = n.parent; k != UINT32_MAX; k = nodes_[k].parent) ++nodes_[k].rooms_below;
  if (n.level == Level::kRoom) n.rooms_below = 1;
  if (n.parent != UINT32_MAX) children_[n.parent].push_back(id);
  children_.emplace_back();
  if (n.level <= Level::kCompound) {
    auto add = [&](const std::string& name, bool road) {
      std::string k = NormalizeAddressText(name);
      if (k.empty()) return;
      max_name_ = std::max(max_name_, k.size());
      by_name_[k].push_back({id, false, road});
    };
    add(n.name, false);
    if (!n.road.empty()) add(n.road, true);
    if (n.level == Level::kDistrict && n.name.size() > 3 && n.name.ends_with("区"))
      add(n.name.substr(0, n.name.size() - 3), false);  // 龙华区 -> 龙华
  }
  nodes_.push_back(std::move(n));
  return Status::Ok();
}

Status AddressIndex::AddAlias(std::string_view code, std::string_view alias) {
  auto it = by_code_.find(std::string(code));
  if (it == by_code_.end()) return NotFound("unknown_address", "no address " + std::string(code));
  if (nodes_[it->second].level > Level::kCompound)
    return Validation("invalid_value", "aliases name districts, streets, communities and compounds");
  std::string k = NormalizeAddressText(alias);
  if (k.empty()) return Validation("invalid_value", "an alias may not be empty");
  max_name_ = std::max(max_name_, k.size());
  by_name_[k].push_back({it->second, true, false});
  nodes_[it->second].aliases.emplace_back(alias);
  return Status::Ok();
}

std::vector<const Node*> AddressIndex::Children(std::string_view code) const {
  std::vector<const Node*> out;
  if (code.empty()) {
    for (const Node& n : nodes_)
      if (n.parent == UINT32_MAX) out.push_back(&n);
  } else {
    auto it = by_code_.find(std::string(code));
    if (it == by_code_.end()) return out;
    for (uint32_t c : children_[it->second]) out.push_back(&nodes_[c]);
  }
  std::sort(out.begin(), out.end(), [](const Node* a, const Node* b) { return a->code < b->code; });
  return out;
}

size_t AddressIndex::ChildCount(std::string_view code) const {
  auto it = by_code_.find(std::string(code));
  return it == by_code_.end() ? 0 : children_[it->second].size();
}

std::vector<const Node*> AddressIndex::Descendants(std::string_view code, std::optional<Level> level,
                                                   size_t limit) const {
  std::vector<const Node*> out;
  auto it = by_code_.find(std::string(code));
  if (it == by_code_.end()) return out;
  // Depth first with children in code order gives code order overall.
  std::vector<uint32_t> stack;
  auto push_children = [&](uint32_t n) {
    std::vector<uint32_t> c = children_[n];
    std::sort(c.begin(), c.end(), [&](uint32_t a, uint32_t b) { return nodes_[a].code > nodes_[b].code; });
    stack.insert(stack.end(), c.begin(), c.end());
  };
  push_children(it->second);
  while (!stack.empty() && out.size() < limit) {
    uint32_t n = stack.back();
    stack.pop_back();
    if (!level || nodes_[n].level == *level) out.push_back(&nodes_[n]);
    if (!level || nodes_[n].level < *level) push_children(n);
  }
  return out;
}

std::vector<const Node*> AddressIndex::Path(std::string_view code) const {
  std::vector<const Node*> out;
  auto it = by_code_.find(std::string(code));
  if (it == by_code_.end()) return out;
  for (uint32_t k = it->second; k != UINT32_MAX; k = nodes_[k].parent) out.push_back(&nodes_[k]);
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<const Node*> AddressIndex::Search(std::string_view q, std::optional<Level> level, size_t limit) const {
  std::vector<const Node*> out;
  std::string k = NormalizeAddressText(q);
  if (k.empty()) return out;
  for (const Node& n : nodes_) {
    if (out.size() >= limit) break;
    if (n.level > Level::kCompound || (level && n.level != *level)) continue;
    bool hit = NormalizeAddressText(n.road + n.name).find(k) != std::string::npos;
    for (size_t a = 0; !hit && a < n.aliases.size(); ++a)
      hit = NormalizeAddressText(n.aliases[a]).find(k) != std::string::npos;
    if (hit) out.push_back(&n);
  }
  return out;
}

const Node* AddressIndex::Find(std::string_view code) const {
  auto it = by_code_.find(std::string(code));
  return it == by_code_.end() ? nullptr : &nodes_[it->second];
}

std::string AddressIndex::FullNameOf(uint32_t i) const {
  std::vector<uint32_t> path;
  for (uint32_t k = i; k != UINT32_MAX; k = nodes_[k].parent) path.push_back(k);
  std::string out = "海口市";
  for (auto it = path.rbegin(); it != path.rend(); ++it) out += nodes_[*it].road + nodes_[*it].name;
  return out;
}

std::string AddressIndex::FullName(std::string_view code) const {
  auto it = by_code_.find(std::string(code));
  return it == by_code_.end() ? std::string() : FullNameOf(it->second);
}

uint32_t AddressIndex::Child(uint32_t parent, std::string_view key) const {
  for (uint32_t c : children_[parent])
    if (nodes_[c].key == key) return c;
  return UINT32_MAX;
}

bool AddressIndex::IsAncestor(uint32_t a, uint32_t n) const {
  for (uint32_t k = n; k != UINT32_MAX; k = nodes_[k].parent)
    if (k == a) return true;
  return false;
}

namespace {

// The structural part after the names: building, unit, floor, room.
struct Tail {
  std::string building, unit, room;
  int floor = 0;
};

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

Tail ParseTail(std::string_view s) {
  Tail t;
  // Dash form: 3-2-1203 (building-unit-room) or 3-1203 (building-room).
  {
    std::vector<std::string> parts;
    std::string cur;
    bool ok = !s.empty();
    for (char c : s) {
      if (c == '-') {
        parts.push_back(cur);
        cur.clear();
      } else if (IsDigit(c) || IsUpper(c)) {
        cur.push_back(c);
      } else {
        ok = false;
        break;
      }
    }
    parts.push_back(cur);
    if (ok && (parts.size() == 2 || parts.size() == 3) &&
        std::none_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
      t.building = parts[0];
      if (parts.size() == 3) t.unit = parts[1];
      t.room = parts.back();
      if (t.room.size() >= 3 && std::all_of(t.room.begin(), t.room.end(), IsDigit)) t.floor = std::stoi(t.room) / 100;
      return t;
    }
  }
  auto marker = [&](size_t at, std::string_view m) { return s.substr(at, m.size()) == m; };
  size_t i = 0;
  while (i < s.size()) {
    // A token: a run of digits, or one letter.
    size_t j = i;
    std::string tok;
    if (IsDigit(s[i])) {
      while (j < s.size() && IsDigit(s[j])) ++j;
      tok = std::string(s.substr(i, j - i));
    } else if (IsUpper(s[i])) {
      j = i + 1;
      tok = std::string(1, s[i]);
    } else {
      ++i;  // a character we do not read (室 without a number, 附, …)
      continue;
    }
    auto strip = [](std::string v) {
      size_t k = v.find_first_not_of('0');
      return k == std::string::npos ? std::string("0") : v.substr(k);
    };
    if (marker(j, "栋") || marker(j, "幢") || marker(j, "座") || marker(j, "号楼") ||
        (t.building.empty() && marker(j, "号") && j + 3 < s.size())) {
      t.building = IsDigit(tok[0]) ? strip(tok) : tok;
      j += marker(j, "号楼") ? 6 : 3;
    } else if (marker(j, "单元")) {
      t.unit = strip(tok);
      j += 6;
    } else if (marker(j, "层") || (marker(j, "楼") && !t.building.empty())) {
      t.floor = std::stoi(strip(tok).substr(0, 3));
      j += 3;
    } else if (IsUpper(tok[0])) {
      if (t.building.empty()) t.building = tok;  // B1203: the letter is the building
    } else if (t.building.empty() && j < s.size() && s[j] == '-') {
      t.building = strip(tok);
      ++j;
    } else if (t.unit.empty() && !t.building.empty() && j < s.size() && s[j] == '-') {
      t.unit = strip(tok);
      ++j;
    } else {
      std::string n = strip(tok);
      if (t.floor > 0 && n.size() <= 2) t.room = std::to_string(t.floor * 100 + std::stoi(n));
      else if (n.size() >= 3 && n.size() <= 4) t.room = n;
      if (marker(j, "室") || marker(j, "房") || marker(j, "户") || marker(j, "号")) j += 3;
    }
    i = j;
  }
  if (!t.room.empty() && t.floor == 0) t.floor = std::stoi(t.room) / 100;
  return t;
}

}  // namespace

MatchResult AddressIndex::Match(std::string_view text) const {
  MatchResult r;
  std::string s = NormalizeAddressText(text);
  // Names and aliases, longest first from the left.
  std::vector<Hit> admin, compounds;
  size_t tail_from = 0;
  uint32_t token = 0;
  std::string key;
  for (size_t i = 0; i < s.size();) {
    size_t best = 0;
    const std::vector<Hit>* hits = nullptr;
    size_t limit = std::min(max_name_, s.size() - i);
    for (size_t len = limit; len >= 2; --len) {
      if (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80) continue;
      key.assign(s, i, len);
      auto it = by_name_.find(key);
      if (it != by_name_.end()) {
        best = len;
        hits = &it->second;
        break;
      }
    }
    if (!hits) {
      ++i;
      while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
      continue;
    }
    bool any_compound = false;
    ++token;
    for (Hit h : *hits) {
      h.token = token;
      const Node& n = nodes_[h.node];
      if (n.level == Level::kCompound) {
        compounds.push_back(h);
        any_compound = true;
      } else {
        admin.push_back(h);
      }
      std::string_view said(s.data() + i, best);
      if (n.level == Level::kDistrict) r.parsed.district = said;
      else if (n.level == Level::kStreet) r.parsed.street = said;
      else if (n.level == Level::kCommunity) r.parsed.community = said;
      else if (!h.road || r.parsed.compound.empty()) r.parsed.compound = said;
    }
    i += best;
    if (any_compound || compounds.empty()) tail_from = i;
  }
  Tail tail = ParseTail(std::string_view(s).substr(tail_from));
  r.parsed.building = tail.building;
  r.parsed.unit = tail.unit;
  r.parsed.floor = tail.floor;
  r.parsed.room = tail.room;

  // One score per candidate compound: how it was named, what agrees, what contradicts.
  struct Cand {
    uint32_t node;
    double score;
    bool by_name = false, by_road = false, by_alias = false;
    uint64_t tokens = 0;  // which names of the text point at it (bit per name found)
  };
  std::vector<Cand> cands;
  for (const Hit& h : compounds) {
    auto it = std::find_if(cands.begin(), cands.end(), [&](const Cand& c) { return c.node == h.node; });
    if (it == cands.end()) {
      cands.push_back({h.node, 0});
      it = cands.end() - 1;
    }
    if (h.alias) it->by_alias = true;
    else if (h.road) it->by_road = true;
    else it->by_name = true;
    it->tokens |= uint64_t{1} << std::min(h.token, 63u);
  }
  if (cands.empty()) {
    // No compound named: the deepest administrative level the text names.
    for (const Hit& h : admin) cands.push_back({h.node, 0, !h.alias, false, h.alias});
  }
  std::vector<Candidate> out;
  for (Cand& c : cands) {
    // An official name or road beats a colloquial alias; what the rest of the
    // text names and the registry holds adds to it, what it contradicts takes away.
    double sc = c.by_name && c.by_road ? 0.85 : (c.by_name || c.by_road) ? 0.75 : 0.65;
    if (tail.building.empty() && tail.room.empty()) sc += 0.05;  // nothing more to check
    for (const Hit& h : admin) {
      if (h.node == c.node) continue;
      sc += IsAncestor(h.node, c.node) ? 0.05 : -0.4;
    }
    // Two different compounds named by different parts of the text (the road
    // of one, the name of another); one name shared by two is not that.
    for (const Cand& o : cands)
      if (o.node != c.node && nodes_[o.node].level == Level::kCompound && nodes_[c.node].level == Level::kCompound &&
          (o.tokens & ~c.tokens) != 0)
        sc -= 0.2;
    uint32_t at = c.node;
    std::vector<uint32_t> ends;  // the deepest nodes the text leads to (several when a unit is missing)
    if (nodes_[at].level == Level::kCompound && !tail.building.empty()) {
      uint32_t b = Child(at, tail.building);
      if (b == UINT32_MAX) {
        sc -= 0.4;
      } else {
        at = b;
        sc += 0.1;
        std::vector<uint32_t> units;
        if (!tail.unit.empty()) {
          uint32_t u = Child(b, tail.unit);
          if (u == UINT32_MAX) sc -= 0.3;
          else units.push_back(u);
        } else {
          units = children_[b];
          if (units.size() == 1) at = units[0];
        }
        if (units.size() == 1) at = units[0];
        if (!tail.room.empty() && !units.empty()) {
          std::string floor_key = std::to_string(tail.floor);
          for (uint32_t u : units) {
            uint32_t f = Child(u, floor_key);
            uint32_t rm = f == UINT32_MAX ? UINT32_MAX : Child(f, tail.room);
            if (rm != UINT32_MAX) ends.push_back(rm);
          }
          if (ends.empty()) sc -= 0.3;
          else sc += 0.05;
        } else if (tail.floor > 0 && units.size() == 1) {
          uint32_t f = Child(units[0], std::to_string(tail.floor));
          if (f != UINT32_MAX) at = f;
        }
      }
    }
    if (ends.empty()) ends.push_back(at);
    sc = std::clamp(sc, 0.0, 1.0);
    for (uint32_t e : ends) {
      const Node& n = nodes_[e];
      double s2 = ends.size() > 1 ? sc - 0.2 : sc;  // the same room number in two units
      if (!n.active) s2 -= 0.1;
      out.push_back({n.code, n.level, std::max(0.0, s2)});
    }
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : a.code < b.code;
  });
  out.erase(std::unique(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.code == b.code; }),
            out.end());
  if (out.size() > 5) out.resize(5);
  constexpr double kEps = 1e-9;  // scores are sums of tenths
  if (!out.empty() && out[0].score >= kThreshold - kEps &&
      (out.size() == 1 || out[0].score - out[1].score >= kMargin - kEps)) {
    r.matched = true;
    r.code = out[0].code;
    r.level = out[0].level;
    r.score = out[0].score;
  }
  r.candidates = std::move(out);
  return r;
}

}  // namespace jingwu::registry
