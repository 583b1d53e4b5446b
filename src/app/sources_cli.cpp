#include "app/sources_cli.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "app/bigdata_cli.h"
#include "core/log.h"
#include "fusion/source_def.h"

namespace jingwu::app {

namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("no_such_file", "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

int RunSources(const Config& config, const SourcesArgs& args) {
  log::SetLevel(log::Level::kWarn);
  if (args.command == "check") {
    auto text = ReadFile(args.arg);
    if (!text.ok()) return CliFail(text.status());
    auto def = fusion::ParseSourceDef(*text);
    if (!def.ok()) return CliFail(def.status());
    std::printf("%s: a valid %s source '%s' (version %d)\n  required columns: %s\n", args.arg.c_str(),
                def->kind.c_str(), def->name.c_str(), def->version, Join(def->RequiredColumns()).c_str());
    return 0;
  }
  events::OpenOptions oo;
  oo.read_only = args.command != "add";
  oo.create = args.command == "add";
  auto store = events::Store::Open(EventsDir(config), oo);
  if (!store.ok()) return CliFail(store.status());
  auto reg = fusion::SourceRegistry::Load(store->get());
  if (!reg.ok()) return CliFail(reg.status());
  std::map<int, int64_t> counts;
  for (const auto& x : (*store)->CountsBySourceDay(0, int64_t{1} << 40)) counts[static_cast<int>(x.source)] += x.count;
  if (args.command == "list") {
    std::printf("%-4s %-16s %-10s %-8s %12s  %s\n", "id", "name", "kind", "version", "events", "label");
    for (const auto* d : (*reg)->All())
      std::printf("%-4d %-16s %-10s %-8d %12lld  %s%s\n", d->id, d->name.c_str(), d->kind.c_str(), d->version,
                  static_cast<long long>(counts[d->id]), d->label.at("zh-CN").c_str(), d->builtin ? " (built-in)" : "");
    return 0;
  }
  if (args.command == "show") {
    const fusion::SourceDef* d = (*reg)->Find(args.arg);
    if (!d) return CliFail(NotFound("unknown_source", "no source named " + args.arg));
    std::printf("%s\n", fusion::SourceDefJson(*d).c_str());
    for (const auto& v : (*reg)->History(d->name))
      if (!v.builtin) std::printf("version %d added %s by %s\n", v.version, v.added_at.c_str(), v.added_by.c_str());
    return 0;
  }
  if (args.command == "add") {
    auto text = ReadFile(args.arg);
    if (!text.ok()) return CliFail(text.status());
    auto def = fusion::ParseSourceDef(*text);
    if (!def.ok()) return CliFail(def.status());
    auto opened = Open(config);  // for the audit log
    if (!opened.ok()) return CliFail(opened.status());
    std::string name = def->name;
    auto added = (*reg)->Add(std::move(*def), "cli");
    audit::Entry e;
    e.actor = "cli", e.role = "admin", e.client = "cli", e.action = "sources.define", e.target = name;
    e.outcome = added.ok() ? "ok" : "failed";
    e.detail = added.ok() ? "version " + std::to_string((*added)->version) : added.status().code();
    if (auto w = (*opened)->audit->Append(e); !w.ok())
      std::fprintf(stderr, "jingwu: the audit log was not written: %s\n", w.status().message().c_str());
    if (!added.ok()) return CliFail(added.status());
    std::printf("source '%s' version %d (id %d) defined; load rows with `jingwu ingest --source %s FILE` or "
                "POST /api/v1/sources/%s/records\n  required columns: %s\n",
                (*added)->name.c_str(), (*added)->version, (*added)->id, (*added)->name.c_str(),
                (*added)->name.c_str(), Join((*added)->RequiredColumns()).c_str());
    return 0;
  }
  return CliFail(InvalidArgument("bad_args", "sources takes list, show NAME, check FILE or add FILE"));
}

}  // namespace jingwu::app
