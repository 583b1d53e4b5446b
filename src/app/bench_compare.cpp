#include "app/bench_compare.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "analysis/analysis.h"
#include "app/bigdata_cli.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/time.h"
#include "events/store.h"
#include "gen/city_gen.h"

namespace jingwu::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---------------------------------------------------------------- results

struct Measure {
  std::vector<double> ms;
  int64_t count = -1;
  std::string error;
};

struct LoadInfo {
  bool ok = false;
  double seconds = 0;
  int64_t rows = 0;
  double bytes_per_event = 0;
  std::string note;
};

const char* const kQueries[] = {"traj100",      "collision5h",   "cotravel_group",   "traj_busiest",
                                "collision5d",  "cotravel_busy", "count_source_day", "count_district_month"};
bool Heavy(const std::string& q) { return q != "traj100" && q != "collision5h" && q != "cotravel_group"; }

struct Bench {
  BenchCompareArgs args;
  std::map<std::string, LoadInfo> load;                           // engine -> load
  std::map<std::string, std::map<std::string, Measure>> results;  // engine -> query -> measure
  std::vector<std::string> engines;                               // in report order
  std::vector<std::string> notes;
  double jingwu_records_bpe = 0;
  double jingwu_compact_s = 0;
  int64_t serve_hwm_kb = -1;
};

// Runs f up to repeat times (at least once; stops repeating after 60 s so a slow
// peer cannot hold the whole bench hostage).
void Run(Measure& m, int repeat, const std::function<Result<int64_t>()>& f) {
  auto start = Clock::now();
  for (int i = 0; i < repeat; ++i) {
    auto t0 = Clock::now();
    auto r = f();
    double ms = Seconds(t0) * 1000;
    if (!r.ok()) {
      m.error = r.status().message();
      return;
    }
    m.ms.push_back(ms);
    m.count = *r;
    if (Seconds(start) > 60) break;
  }
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size()))) ;
  if (i > 0) --i;
  return v[std::min(i, v.size() - 1)];
}
double Median(const std::vector<double>& v) {
  if (v.empty()) return -1;
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  size_t n = s.size();
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// ---------------------------------------------------------------- helpers

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

// Starts argv[0] with argv, stdout and stderr to log; returns the pid (or -1).
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  setpgid(0, 0);
  std::vector<char*> v;
  for (const auto& a : argv) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  execv(v[0], v.data());
  _exit(127);
}

void StopChild(pid_t pid, int seconds = 30) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < seconds * 10; ++i) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
}

// Runs a shell command; its stdout (stderr goes to ours).
Result<std::string> Shell(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return Internal("popen failed: " + cmd);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) return Internal("`" + cmd + "` failed (" + std::to_string(rc) + "): " + out);
  return out;
}

std::string ShellQuote(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

std::string SqlQuote(const std::string& s, bool backslash = false) {
  std::string r = "'";
  for (char c : s) {
    if (c == '\'') r += backslash ? "\\'" : "''";
    else if (backslash && c == '\\') r += "\\\\";
    else r += c;
  }
  return r + "'";
}

std::string UrlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string r;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') r += static_cast<char>(c);
    else {
      r += '%';
      r += hex[c >> 4];
      r += hex[c & 15];
    }
  }
  return r;
}

std::string ReadFileText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string StatusField(pid_t pid, const std::string& key) {
  std::istringstream in(ReadFileText("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return line.substr(key.size() + 1);
  return "";
}

std::string Machine() {
  std::string cpu, mem;
  std::istringstream ci(ReadFileText("/proc/cpuinfo"));
  std::string line;
  while (std::getline(ci, line))
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  std::istringstream mi(ReadFileText("/proc/meminfo"));
  while (std::getline(mi, line))
    if (line.rfind("MemTotal:", 0) == 0) {
      long long kb = std::atoll(line.c_str() + 9);
      char b[64];
      std::snprintf(b, sizeof b, "%.1f GiB RAM", static_cast<double>(kb) / 1048576.0);
      mem = b;
    }
  return std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " CPUs (nproc), " + mem + ", " + cpu;
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  char b[64];
  std::strftime(b, sizeof b, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return b;
}

std::string Iso(uint32_t t) { return FormatTime(events::ToTimestamp(t)); }

// ---------------------------------------------------------------- the queries' parameters

struct Params {
  std::vector<std::string> traj100;
  std::vector<analysis::Window> coll5h, coll5d;
  std::string cot_group;
  std::string busiest;
  int64_t busiest_events = 0;
};

// The SQL of the peers (SQLite and PostgreSQL; ClickHouse has its own below).
std::string TrajSql(const std::string& e) {
  return "SELECT place, ts, source FROM ev WHERE entity = " + SqlQuote(e) + " ORDER BY ts";
}
std::string CollisionSql(const std::vector<analysis::Window>& ws, const std::string& table, bool ch) {
  std::string sql = "SELECT entity, count(DISTINCT w) AS c FROM (";
  for (size_t i = 0; i < ws.size(); ++i) {
    if (i) sql += " UNION ALL ";
    sql += "SELECT entity, " + std::to_string(i) + " AS w FROM " + table + " WHERE place = " +
           SqlQuote(ws[i].place_code, ch) + " AND ts BETWEEN " + std::to_string(ws[i].from) + " AND " +
           std::to_string(ws[i].to);
  }
  return sql + ") AS u GROUP BY entity HAVING count(DISTINCT w) >= " + std::to_string(ws.size());
}
std::string CotravelSql(const std::string& e, int min) {
  return "SELECT b.entity, count(DISTINCT a.ts) FROM ev a JOIN ev b ON b.place = a.place AND b.ts BETWEEN a.ts - 120 "
         "AND a.ts + 120 WHERE a.entity = " +
         SqlQuote(e) + " AND b.entity <> a.entity GROUP BY b.entity HAVING count(DISTINCT a.ts) >= " +
         std::to_string(min);
}
const char* kSourceDaySql = "SELECT source, (ts + 28800) / 86400 AS d, count(*) FROM ev GROUP BY source, d";

// One engine's way to answer the eight queries; each returns the rows of its answer.
struct QuerySet {
  std::function<Result<int64_t>(const std::string& entity)> traj;
  std::function<Result<int64_t>(const std::vector<analysis::Window>&)> collision;
  std::function<Result<int64_t>(const std::string& entity, int min)> cotravel;
  std::function<Result<int64_t>()> count_source_day, count_district_month;
};

// Measures the eight queries of kQueries on one engine (results under `engine`).
void RunQueries(Bench& b, const std::string& engine, const std::string& label, const Params& p, const QuerySet& q) {
  auto& r = b.results[engine];
  int R = b.args.repeat;
  std::printf("  %s: queries\n", label.c_str());
  std::fflush(stdout);
  Run(r["traj100"], R, [&]() -> Result<int64_t> {
    int64_t n = 0;
    for (const auto& e : p.traj100) {
      JW_ASSIGN_OR_RETURN(int64_t k, q.traj(e));
      n += k;
    }
    return n;
  });
  Run(r["collision5h"], R, [&] { return q.collision(p.coll5h); });
  Run(r["cotravel_group"], R, [&] { return q.cotravel(p.cot_group, 5); });
  Run(r["traj_busiest"], R, [&] { return q.traj(p.busiest); });
  Run(r["collision5d"], R, [&] { return q.collision(p.coll5d); });
  Run(r["cotravel_busy"], R, [&] { return q.cotravel(p.busiest, 3); });
  Run(r["count_source_day"], R, q.count_source_day);
  Run(r["count_district_month"], R, q.count_district_month);
}

// The eight queries as SQL through exec (which returns the row count of one statement).
void RunSqlQueries(Bench& b, const std::string& engine, const Params& p, const std::string& month_expr,
                   const std::function<Result<int64_t>(const std::string&)>& exec) {
  RunQueries(b, engine, engine, p,
             {.traj = [&](const std::string& e) { return exec(TrajSql(e)); },
              .collision = [&](const std::vector<analysis::Window>& ws) { return exec(CollisionSql(ws, "ev", false)); },
              .cotravel = [&](const std::string& e, int min) { return exec(CotravelSql(e, min)); },
              .count_source_day = [&] { return exec(kSourceDaySql); },
              .count_district_month =
                  [&] {
                    return exec("SELECT p.district, " + month_expr +
                                " AS m, count(*) FROM ev JOIN places p ON p.code = ev.place GROUP BY p.district, m");
                  }});
}

// ---------------------------------------------------------------- SQLite

Status RunSqlite(Bench& b, const Params& p) {
  std::string path = b.args.work + "/sqlite.db";
  fs::remove(path);
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return Internal("sqlite open failed");
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close);
  auto exec = [&](const std::string& sql) -> Status {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "?";
      sqlite3_free(err);
      return Internal("sqlite: " + m + " in " + sql.substr(0, 200));
    }
    return Status::Ok();
  };
  JW_RETURN_IF_ERROR(exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"));
  JW_RETURN_IF_ERROR(exec("CREATE TABLE ev (entity TEXT NOT NULL, place TEXT NOT NULL, ts INTEGER NOT NULL, "
                          "source TEXT NOT NULL); CREATE TABLE places (code TEXT PRIMARY KEY, district TEXT)"));
  std::printf("  sqlite: loading\n");
  std::fflush(stdout);
  auto t0 = Clock::now();
  JW_RETURN_IF_ERROR(exec("BEGIN"));
  int64_t rows = 0;
  for (const char* table : {"places", "ev"}) {
    bool ev = std::string(table) == "ev";
    sqlite3_stmt* st = nullptr;
    std::string sql = ev ? "INSERT INTO ev VALUES (?, ?, ?, ?)" : "INSERT INTO places VALUES (?, ?)";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return Internal("sqlite prepare failed");
    std::ifstream in(b.args.work + (ev ? "/events.tsv" : "/places.tsv"));
    std::string line;
    std::vector<std::string_view> f;
    while (std::getline(in, line)) {
      f.clear();
      size_t s = 0;
      for (size_t i = 0; i <= line.size(); ++i)
        if (i == line.size() || line[i] == '\t') {
          f.emplace_back(line.data() + s, i - s);
          s = i + 1;
        }
      for (size_t i = 0; i < f.size(); ++i) {
        if (ev && i == 2) sqlite3_bind_int64(st, 3, std::atoll(std::string(f[i]).c_str()));
        else sqlite3_bind_text(st, static_cast<int>(i + 1), f[i].data(), static_cast<int>(f[i].size()), SQLITE_STATIC);
      }
      if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        return Internal(std::string("sqlite insert: ") + sqlite3_errmsg(db));
      }
      sqlite3_reset(st);
      if (ev) ++rows;
    }
    sqlite3_finalize(st);
  }
  JW_RETURN_IF_ERROR(exec("COMMIT"));
  double insert_s = Seconds(t0);
  JW_RETURN_IF_ERROR(exec("CREATE INDEX ev_entity ON ev(entity, ts); CREATE INDEX ev_place ON ev(place, ts); ANALYZE"));
  LoadInfo& l = b.load["sqlite"];
  l.ok = true;
  l.seconds = Seconds(t0);
  l.rows = rows;
  l.bytes_per_event = static_cast<double>(fs::file_size(path)) / static_cast<double>(std::max<int64_t>(1, rows));
  char note[160];
  std::snprintf(note, sizeof note, "journal_mode=OFF, synchronous=OFF, one transaction; inserts %.1f s + 2 indexes %.1f s",
                insert_s, l.seconds - insert_s);
  l.note = note;
  RunSqlQueries(b, "sqlite", p, "strftime('%Y-%m', ts + 28800, 'unixepoch')", [&](const std::string& sql) -> Result<int64_t> {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      return Internal(std::string("sqlite: ") + sqlite3_errmsg(db));
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) ++n;
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return Internal(std::string("sqlite: ") + sqlite3_errmsg(db));
    return n;
  });
  return Status::Ok();
}

// ---------------------------------------------------------------- PostgreSQL

std::string ScriptsDir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  for (auto dir : {exe.parent_path().parent_path() / "scripts", fs::current_path(ec) / "scripts"})
    if (fs::exists(dir / "pg.sh", ec)) return dir.string();
  return "scripts";
}

Status RunPostgres(Bench& b, const Params& p) {
  std::string dir = b.args.work + "/pg";
  std::string pg = ScriptsDir() + "/pg.sh";
  std::printf("  postgres: starting a throw-away server (scripts/pg.sh: fsync=off, synchronous_commit=off)\n");
  std::fflush(stdout);
  Shell(ShellQuote(pg) + " stop " + ShellQuote(dir) + " 2>/dev/null").status().IgnoreError();
  std::error_code ec;
  fs::remove_all(dir, ec);  // a fresh cluster each run
  auto out = Shell(ShellQuote(pg) + " start " + ShellQuote(dir));
  if (!out.ok()) return out.status();
  std::string url;
  size_t at = out->find("JINGWU_TEST_PG_URL='");
  if (at != std::string::npos) {
    at += 20;
    url = out->substr(at, out->find('\'', at) - at);
  }
  struct Stop {
    std::string cmd;
    ~Stop() { Shell(cmd).status().IgnoreError(); }
  } stop{ShellQuote(pg) + " stop " + ShellQuote(dir)};
  if (url.empty()) return Internal("pg.sh printed no URL: " + *out);
  PGconn* conn = PQconnectdb(url.c_str());
  std::unique_ptr<PGconn, void (*)(PGconn*)> guard(conn, PQfinish);
  if (PQstatus(conn) != CONNECTION_OK) return Internal(std::string("postgres connect: ") + PQerrorMessage(conn));
  auto exec = [&](const std::string& sql) -> Result<int64_t> {
    PGresult* r = PQexec(conn, sql.c_str());
    auto st = PQresultStatus(r);
    int64_t n = PQntuples(r);
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Internal("postgres: " + err + " in " + sql.substr(0, 200));
    return n;
  };
  auto copy = [&](const std::string& table, const std::string& file) -> Status {
    PGresult* r = PQexec(conn, ("COPY " + table + " FROM STDIN").c_str());
    bool ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ok) return Internal(std::string("postgres COPY: ") + PQerrorMessage(conn));
    std::ifstream in(file, std::ios::binary);
    std::vector<char> buf(1 << 20);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      if (in.gcount() > 0 && PQputCopyData(conn, buf.data(), static_cast<int>(in.gcount())) != 1)
        return Internal(std::string("postgres COPY: ") + PQerrorMessage(conn));
    }
    if (PQputCopyEnd(conn, nullptr) != 1) return Internal(std::string("postgres COPY: ") + PQerrorMessage(conn));
    r = PQgetResult(conn);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    while ((r = PQgetResult(conn))) PQclear(r);
    if (!ok) return Internal("postgres COPY: " + err);
    return Status::Ok();
  };
  JW_RETURN_IF_ERROR(exec("CREATE TABLE ev (entity text NOT NULL, place text NOT NULL, ts integer NOT NULL, source text "
                          "NOT NULL); CREATE TABLE places (code text PRIMARY KEY, district text)")
                         .status());
  std::printf("  postgres: loading (COPY FROM STDIN)\n");
  std::fflush(stdout);
  auto t0 = Clock::now();
  JW_RETURN_IF_ERROR(copy("places", b.args.work + "/places.tsv"));
  JW_RETURN_IF_ERROR(copy("ev", b.args.work + "/events.tsv"));
  double copy_s = Seconds(t0);
  JW_RETURN_IF_ERROR(exec("SET maintenance_work_mem = '512MB'").status());
  JW_RETURN_IF_ERROR(exec("CREATE INDEX ev_entity ON ev(entity, ts)").status());
  JW_RETURN_IF_ERROR(exec("CREATE INDEX ev_place ON ev(place, ts)").status());
  JW_RETURN_IF_ERROR(exec("VACUUM ANALYZE ev").status());
  JW_RETURN_IF_ERROR(exec("VACUUM ANALYZE places").status());
  LoadInfo& l = b.load["postgres"];
  l.seconds = Seconds(t0);
  PGresult* r = PQexec(conn, "SELECT count(*), pg_total_relation_size('ev') FROM ev");
  if (PQresultStatus(r) == PGRES_TUPLES_OK) {
    l.rows = std::atoll(PQgetvalue(r, 0, 0));
    l.bytes_per_event = std::atof(PQgetvalue(r, 0, 1)) / static_cast<double>(std::max<int64_t>(1, l.rows));
  }
  PQclear(r);
  l.ok = true;
  char note[160];
  std::snprintf(note, sizeof note, "COPY %.1f s + 2 indexes and VACUUM ANALYZE %.1f s; fsync=off", copy_s,
                l.seconds - copy_s);
  l.note = note;
  RunSqlQueries(b, "postgres", p, "to_char(to_timestamp(ts + 28800) AT TIME ZONE 'UTC', 'YYYY-MM')", exec);
  return Status::Ok();
}

// ---------------------------------------------------------------- ClickHouse

struct ClickHouse {
  std::unique_ptr<httplib::Client> cli;
  // Runs a query; the response body.
  Result<std::string> Query(const std::string& sql, const std::string& body = "") {
    // The co-travel query carries one tuple per target event and bucket: raise the parser's limits.
    std::string path = "/?max_query_size=268435456&max_ast_elements=10000000&max_expanded_ast_elements=10000000";
    httplib::Result r = body.empty() ? cli->Post(path, sql, "text/plain")
                                     : cli->Post(path + "&query=" + UrlEncode(sql), body, "text/tab-separated-values");
    if (!r) return Internal("clickhouse: request failed (" + httplib::to_string(r.error()) + ")");
    if (r->status != 200) return Internal("clickhouse: " + std::to_string(r->status) + " " + r->body.substr(0, 300));
    return r->body;
  }
  Result<int64_t> Rows(const std::string& sql) {
    JW_ASSIGN_OR_RETURN(std::string out, Query(sql));
    return static_cast<int64_t>(std::count(out.begin(), out.end(), '\n'));
  }
};

Status RunClickHouse(Bench& b, const Params& p) {
  std::string dir = b.args.work + "/ch";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir + "/data", ec);
  fs::create_directories(dir + "/tmp", ec);
  fs::create_directories(dir + "/user_files", ec);
  const std::string bin = "/usr/sbin/clickhouse-server";
  if (!fs::exists(bin, ec) && !fs::exists("/usr/bin/clickhouse", ec))
    return Internal("clickhouse-server is not installed");
  int http_port = FreePort(), tcp_port = FreePort();
  {
    std::ofstream c(dir + "/config.xml");
    c << "<?xml version=\"1.0\"?>\n<yandex>\n"
      << "  <logger><level>warning</level><log>" << dir << "/server.log</log><errorlog>" << dir
      << "/server.err.log</errorlog><size>100M</size><count>1</count></logger>\n"
      << "  <http_port>" << http_port << "</http_port>\n  <tcp_port>" << tcp_port << "</tcp_port>\n"
      << "  <listen_host>127.0.0.1</listen_host>\n  <max_connections>64</max_connections>\n"
      << "  <max_concurrent_queries>16</max_concurrent_queries>\n"
      << "  <uncompressed_cache_size>268435456</uncompressed_cache_size>\n"
      << "  <mark_cache_size>268435456</mark_cache_size>\n"
      << "  <path>" << dir << "/data/</path>\n  <tmp_path>" << dir << "/tmp/</tmp_path>\n"
      << "  <user_files_path>" << dir << "/user_files/</user_files_path>\n"
      << "  <users_config>" << dir << "/users.xml</users_config>\n"
      << "  <default_profile>default</default_profile>\n  <default_database>default</default_database>\n"
      << "  <timezone>UTC</timezone>\n  <mlock_executable>false</mlock_executable>\n</yandex>\n";
    std::ofstream u(dir + "/users.xml");
    u << "<?xml version=\"1.0\"?>\n<yandex>\n"
      << "  <profiles><default><max_memory_usage>4000000000</max_memory_usage><max_threads>2</max_threads>"
         "</default></profiles>\n"
      << "  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>"
         "<quota>default</quota></default></users>\n"
      << "  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>"
         "<result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>"
         "</default></quotas>\n</yandex>\n";
  }
  std::vector<std::string> argv = {bin, "--config-file=" + dir + "/config.xml"};
  if (geteuid() == 0) {
    // clickhouse-server refuses to run as root with files owned by another user; run it as the package's user.
    JW_RETURN_IF_ERROR(Shell("chown -R clickhouse " + ShellQuote(dir)).status());
    argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "clickhouse", "--"});
    if (!fs::exists(argv[0], ec)) argv[0] = "/sbin/runuser";
  }
  std::printf("  clickhouse: starting clickhouse-server 18.16 on 127.0.0.1:%d\n", http_port);
  std::fflush(stdout);
  pid_t pid = Spawn(argv, dir + "/stdout.log");
  struct Stop {
    pid_t pid;
    ~Stop() {
      if (pid <= 0) return;
      // Under runuser the server is runuser's child: signal it directly too.
      std::string kids = ReadFileText("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
      pid_t server = static_cast<pid_t>(std::atol(kids.c_str()));
      if (server > 0) kill(server, SIGTERM);
      StopChild(pid, 60);
    }
  } stop{pid};
  ClickHouse ch;
  ch.cli = std::make_unique<httplib::Client>("127.0.0.1", http_port);
  ch.cli->set_read_timeout(3600, 0);
  ch.cli->set_write_timeout(600, 0);
  ch.cli->set_connection_timeout(5, 0);
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      stop.pid = -1;
      return Internal("clickhouse-server exited: " + ReadFileText(dir + "/stdout.log").substr(0, 500) +
                      ReadFileText(dir + "/server.err.log").substr(0, 500));
    }
    auto r = ch.cli->Get("/ping");
    up = r && r->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!up) return Internal("clickhouse-server did not answer within 30 s; see " + dir + "/server.err.log");
  for (const char* sql :
       {"CREATE TABLE ev_e (entity String, place String, ts UInt32, source String) ENGINE = MergeTree() "
        "PARTITION BY tuple() ORDER BY (entity, ts)",
        "CREATE TABLE ev_p (entity String, place String, ts UInt32, source String) ENGINE = MergeTree() "
        "PARTITION BY tuple() ORDER BY (place, ts)",
        "CREATE TABLE places (code String, district String) ENGINE = TinyLog"})
    JW_RETURN_IF_ERROR(ch.Query(sql).status());
  std::printf("  clickhouse: loading (INSERT … FORMAT TabSeparated, 50 MB bodies)\n");
  std::fflush(stdout);
  auto t0 = Clock::now();
  JW_RETURN_IF_ERROR(ch.Query("INSERT INTO places FORMAT TabSeparated", ReadFileText(b.args.work + "/places.tsv")).status());
  {
    std::ifstream in(b.args.work + "/events.tsv", std::ios::binary);
    std::string carry, chunk(50u << 20, '\0');
    while (in) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      std::string body = carry + chunk.substr(0, static_cast<size_t>(in.gcount()));
      size_t cut = body.rfind('\n');
      if (cut == std::string::npos) {
        carry = body;
        continue;
      }
      carry = body.substr(cut + 1);
      body.resize(cut + 1);
      JW_RETURN_IF_ERROR(ch.Query("INSERT INTO ev_e FORMAT TabSeparated", body).status());
    }
    if (!carry.empty()) JW_RETURN_IF_ERROR(ch.Query("INSERT INTO ev_e FORMAT TabSeparated", carry + "\n").status());
  }
  // The second sort order is filled server-side from the first (what a user would do).
  JW_RETURN_IF_ERROR(ch.Query("INSERT INTO ev_p SELECT entity, place, ts, source FROM ev_e").status());
  LoadInfo& l = b.load["clickhouse"];
  l.seconds = Seconds(t0);
  JW_ASSIGN_OR_RETURN(std::string cnt, ch.Query("SELECT count() FROM ev_e"));
  l.rows = std::atoll(cnt.c_str());
  JW_ASSIGN_OR_RETURN(std::string bytes, ch.Query("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND "
                                                  "database = 'default' AND table IN ('ev_e', 'ev_p')"));
  l.bytes_per_event = std::atof(bytes.c_str()) / static_cast<double>(std::max<int64_t>(1, l.rows));
  l.ok = true;
  l.note = "two MergeTree tables, ORDER BY (entity, ts) and (place, ts); bytes = both, as loaded (no OPTIMIZE)";

  auto traj = [&](const std::string& e) {
    return ch.Rows("SELECT place, ts, source FROM ev_e WHERE entity = " + SqlQuote(e, true) + " ORDER BY ts");
  };
  // Co-travel: 18.16 has no non-equi joins. Step 1 fetches the target's (place, ts)
  // from ev_e; step 2 asks ev_p for every event in the same place and in the same
  // or a neighbouring 120 s bucket ((place, intDiv(ts, 120)) IN a set of tuples,
  // with place IN (…) and the overall time span for the primary key); the client
  // then keeps the pairs within ±120 s and counts distinct target times per entity.
  // Both round trips are inside the timing.
  auto cotravel = [&](const std::string& e, int min) -> Result<int64_t> {
    JW_ASSIGN_OR_RETURN(std::string mine, ch.Query("SELECT place, ts FROM ev_e WHERE entity = " + SqlQuote(e, true)));
    std::map<std::string, std::vector<uint32_t>> at;
    std::set<std::pair<std::string, int64_t>> buckets;
    uint32_t lo = 0xFFFFFFFFu, hi = 0;
    std::istringstream in(mine);
    std::string line;
    while (std::getline(in, line)) {
      size_t tab = line.find('\t');
      if (tab == std::string::npos) continue;
      std::string place = line.substr(0, tab);
      uint32_t ts = static_cast<uint32_t>(std::atoll(line.c_str() + tab + 1));
      at[place].push_back(ts);
      for (int d = -1; d <= 1; ++d) buckets.insert({place, static_cast<int64_t>(ts / 120) + d});
      lo = std::min(lo, ts);
      hi = std::max(hi, ts);
    }
    if (at.empty()) return int64_t{0};
    std::string places, tuples;
    for (auto& [pl, v] : at) {
      std::sort(v.begin(), v.end());
      places += (places.empty() ? "" : ",") + SqlQuote(pl, true);
    }
    for (const auto& [pl, bk] : buckets)
      tuples += (tuples.empty() ? "(" : ",(") + SqlQuote(pl, true) + "," + std::to_string(bk) + ")";
    JW_ASSIGN_OR_RETURN(std::string rows,
                        ch.Query("SELECT entity, place, ts FROM ev_p WHERE place IN (" + places + ") AND ts BETWEEN " +
                                 std::to_string(lo >= 120 ? lo - 120 : 0) + " AND " + std::to_string(hi + 120) +
                                 " AND (place, intDiv(ts, 120)) IN (" + tuples + ") AND entity != " + SqlQuote(e, true)));
    std::map<std::string, std::set<uint32_t>> hits;
    std::istringstream rin(rows);
    while (std::getline(rin, line)) {
      size_t t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
      if (t2 == std::string::npos) continue;
      const auto& v = at[line.substr(t1 + 1, t2 - t1 - 1)];
      int64_t ts = std::atoll(line.c_str() + t2 + 1);
      auto it = std::lower_bound(v.begin(), v.end(), static_cast<uint32_t>(std::max<int64_t>(0, ts - 120)));
      for (; it != v.end() && static_cast<int64_t>(*it) <= ts + 120; ++it) hits[line.substr(0, t1)].insert(*it);
    }
    int64_t n = 0;
    for (const auto& [who, s] : hits) n += static_cast<int64_t>(s.size()) >= min;
    return n;
  };
  RunQueries(b, "clickhouse", "clickhouse", p,
             {.traj = traj,
              .collision = [&](const std::vector<analysis::Window>& ws) { return ch.Rows(CollisionSql(ws, "ev_p", true)); },
              .cotravel = cotravel,
              .count_source_day =
                  [&] { return ch.Rows("SELECT source, intDiv(ts + 28800, 86400) AS d, count() FROM ev_p GROUP BY source, d"); },
              .count_district_month =
                  [&] {
                    return ch.Rows(
                        "SELECT district, m, count() FROM (SELECT place, toYYYYMM(toDateTime(ts + 28800)) AS m FROM ev_p) "
                        "ANY INNER JOIN (SELECT code AS place, district FROM places) USING place GROUP BY district, m");
                  }});
  return Status::Ok();
}

// ---------------------------------------------------------------- jingwu

void RunJingwuInProcess(Bench& b, const events::Store& store, const Params& p) {
  // The engine calls without records or JSON (the peers return bare rows too).
  RunQueries(
      b, "jingwu", "jingwu (in-process)", p,
      {.traj = [&](const std::string& e) -> Result<int64_t> {
         JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(e));
         JW_ASSIGN_OR_RETURN(analysis::Trajectory t, analysis::RunTrajectory(store, ref, {}, 100000000));
         return static_cast<int64_t>(t.events.size());
       },
       .collision = [&](const std::vector<analysis::Window>& ws) -> Result<int64_t> {
         JW_ASSIGN_OR_RETURN(analysis::Collision c,
                             analysis::RunCollision(store, ws, static_cast<int>(ws.size()), SIZE_MAX));
         return static_cast<int64_t>(c.hits.size());
       },
       .cotravel = [&](const std::string& e, int min) -> Result<int64_t> {
         JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(e));
         JW_ASSIGN_OR_RETURN(analysis::Cotravel c, analysis::RunCotravel(store, ref, 120, min, {}, SIZE_MAX));
         return static_cast<int64_t>(c.hits.size());
       },
       .count_source_day =
           [&]() -> Result<int64_t> { return static_cast<int64_t>(store.CountsBySourceDay(0, int64_t{1} << 40).size()); },
       .count_district_month =
           [&]() -> Result<int64_t> { return static_cast<int64_t>(store.CountsByDistrictMonth().size()); }});
}

Status RunJingwuHttp(Bench& b, const std::string& data, const Params& p) {
  std::string exe = fs::read_symlink("/proc/self/exe").string();
  std::string password = RandomToken(12);  // 16 characters
  JW_RETURN_IF_ERROR(Shell(ShellQuote(exe) + " user add --data " + ShellQuote(data) +
                           " --username bench --roles analyst --password " + ShellQuote(password) + " >/dev/null")
                         .status());
  int port = FreePort();
  std::printf("  jingwu (HTTP): serve --data %s --listen 127.0.0.1:%d\n", data.c_str(), port);
  std::fflush(stdout);
  pid_t pid = Spawn({exe, "serve", "--data", data, "--listen", "127.0.0.1:" + std::to_string(port), "--log-level",
                     "warn"},
                    b.args.work + "/serve.log");
  struct Stop {
    pid_t pid;
    ~Stop() { StopChild(pid, 60); }
  } stop{pid};
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(3600, 0);
  cli.set_connection_timeout(5, 0);
  bool up = false;
  for (int i = 0; i < 600 && !up; ++i) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      stop.pid = -1;
      return Internal("jingwu serve exited: " + ReadFileText(b.args.work + "/serve.log").substr(0, 500));
    }
    auto r = cli.Get("/healthz");
    up = r && r->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!up) return Internal("jingwu serve did not answer /healthz within 60 s");
  auto login = cli.Post("/api/v1/auth/login", json({{"username", "bench"}, {"password", password}}).dump(),
                        "application/json");
  if (!login || login->status != 200)
    return Internal("login failed: " + (login ? login->body : httplib::to_string(login.error())));
  std::string token = json::parse(login->body).value("token", "");
  httplib::Headers h = {{"Authorization", "Bearer " + token}, {"X-Purpose", "bench"}, {"X-Case-No", "BENCH-1"}};
  auto get = [&](const std::string& path, const char* key) -> Result<int64_t> {
    auto r = cli.Get(path, h);
    if (!r) return Internal("GET " + path + ": " + httplib::to_string(r.error()));
    if (r->status != 200) return Internal("GET " + path + ": " + std::to_string(r->status) + " " + r->body.substr(0, 200));
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains(key)) return Internal("GET " + path + ": no " + key);
    return static_cast<int64_t>(j[key].size());
  };
  auto traj = [&](const std::string& e) {
    // records=0: the events without their original rows, as the peers return bare rows.
    return get("/api/v1/analysis/trajectory?entity=" + UrlEncode(e) + "&limit=100000&records=0", "events");
  };
  auto collision = [&](const std::vector<analysis::Window>& ws) -> Result<int64_t> {
    json w = json::array();
    for (const auto& x : ws) w.push_back({{"place", x.place_code}, {"from", Iso(x.from)}, {"to", Iso(x.to)}});
    auto r = cli.Post("/api/v1/analysis/collision", h, json({{"windows", w}, {"limit", 10000}}).dump(),
                      "application/json");
    if (!r) return Internal("collision: " + httplib::to_string(r.error()));
    if (r->status != 200) return Internal("collision: " + std::to_string(r->status) + " " + r->body.substr(0, 200));
    return static_cast<int64_t>(json::parse(r->body)["entities"].size());
  };
  auto cotravel = [&](const std::string& e, int min) {
    return get("/api/v1/analysis/cotravel?entity=" + UrlEncode(e) + "&within=120&min=" + std::to_string(min) +
                   "&limit=10000",
               "entities");
  };
  RunQueries(b, "jingwu-http", "jingwu (HTTP)", p,
             {.traj = traj,
              .collision = collision,
              .cotravel = cotravel,
              .count_source_day = [&] { return get("/api/v1/events/stats?by=source_day", "rows"); },
              .count_district_month = [&] { return get("/api/v1/events/stats?by=district_month", "rows"); }});
  std::string hwm = StatusField(pid, "VmHWM");
  b.serve_hwm_kb = std::atoll(hwm.c_str());
  return Status::Ok();
}

// ---------------------------------------------------------------- report

std::string Fmt(double v, const char* f = "%.2f") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}
std::string Ms(double v) { return v < 0 ? "–" : v < 10 ? Fmt(v, "%.2f") : v < 1000 ? Fmt(v, "%.1f") : Fmt(v, "%.0f"); }

std::string Report(Bench& b) {
  std::string md;
  md += "\n## jingwu bench compare: " + std::to_string(b.args.events) + " events (" + UtcNow() + ")\n\n";
  md += "- machine: " + Machine() + "\n";
  md += "- command: `" + b.args.command + "`\n";
  md += "- events requested: " + std::to_string(b.args.events) + "; runs per query: " + std::to_string(b.args.repeat) +
        " (median and p99 in ms; fewer runs where a query passed 60 s)\n";
  md += "- peers load the rows jingwu accepted, exported as TSV (pre-validated; exporting is not timed); jingwu's load "
        "is the whole ingest of the source files (parsing, validation, identity normalisation, records, counters)\n";
  md += "- jingwu in-process = the analysis:: engine calls without records or JSON; jingwu HTTP = `jingwu serve` as a "
        "child process, queried over loopback with an analyst token (JSON, an audit entry per call, evidence included; "
        "trajectories with records=0, i.e. without the original rows, as the peers return bare rows)\n\n";
  md += "### Load\n\n| engine | rows | seconds | rows/s | bytes/event | notes |\n|---|---:|---:|---:|---:|---|\n";
  for (const auto& e : b.engines) {
    if (e == "jingwu-http") continue;
    auto it = b.load.find(e);
    if (it == b.load.end() || !it->second.ok) {
      md += "| " + e + " | – | – | – | – | " + (it == b.load.end() ? "not run" : it->second.note) + " |\n";
      continue;
    }
    const LoadInfo& l = it->second;
    md += "| " + e + " | " + std::to_string(l.rows) + " | " + Fmt(l.seconds, "%.1f") + " | " +
          Fmt(static_cast<double>(l.rows) / std::max(1e-9, l.seconds), "%.0f") + " | " + Fmt(l.bytes_per_event, "%.1f") +
          " | " + l.note + " |\n";
  }
  md += "\n### Queries (median ms, p99 in brackets)\n\n| query | kind |";
  std::vector<std::string> cols;
  for (const auto& e : b.engines)
    if (b.results.count(e)) cols.push_back(e);
  for (const auto& e : cols) md += " " + e + " |";
  std::vector<std::pair<std::string, std::string>> ratios;  // (peer, base)
  for (const char* peer : {"sqlite", "postgres", "clickhouse"})
    if (b.results.count(peer) && b.results.count("jingwu")) ratios.push_back({peer, "jingwu"});
  for (const char* peer : {"postgres", "clickhouse"})
    if (b.results.count(peer) && b.results.count("jingwu-http")) ratios.push_back({peer, "jingwu-http"});
  for (const auto& [peer, base] : ratios) md += " " + peer + "/" + base + " |";
  md += " rows |\n|---|---|";
  for (size_t i = 0; i < cols.size() + ratios.size(); ++i) md += "---:|";
  md += "---|\n";
  std::vector<std::string> warnings;
  for (const char* q : kQueries) {
    md += std::string("| ") + q + " | " + (Heavy(q) ? "heavy" : "light") + " |";
    for (const auto& e : cols) {
      const Measure& m = b.results[e][q];
      std::string cell = "error";
      if (m.error.empty()) {
        cell = Ms(Median(m.ms));
        cell += " (";
        cell += Ms(Quantile(m.ms, 0.99));
        cell += ")";
      }
      md += " ";
      md += cell;
      md += " |";
    }
    for (const auto& [peer, base] : ratios) {
      double a = Median(b.results[peer][q].ms), c = Median(b.results[base][q].ms);
      std::string cell = "–";
      if (a > 0 && c > 0) cell = Fmt(a / c, a / c < 0.1 ? "%.3f×" : a / c < 10 ? "%.1f×" : "%.0f×");
      md += " ";
      md += cell;
      md += " |";
    }
    std::set<int64_t> counts;
    std::string detail;
    for (const auto& e : cols) {
      const Measure& m = b.results[e][q];
      if (!m.error.empty()) {
        warnings.push_back(e + " " + q + ": " + m.error);
        continue;
      }
      counts.insert(m.count);
      detail += (detail.empty() ? "" : ", ") + e + " " + std::to_string(m.count);
    }
    if (counts.size() == 1) md += " " + std::to_string(*counts.begin()) + " |\n";
    else {
      md += " differ: " + detail + " |\n";
      warnings.push_back(std::string(q) + ": engines disagree on the result rows (" + detail + ")");
    }
  }
  md += "\nRatios are peer median / jingwu median: how many times faster jingwu is.\n";
  md += "\n### Bytes on disk per event\n\n";
  if (b.load.count("jingwu") && b.load["jingwu"].ok)
    md += "- jingwu: " + Fmt(b.load["jingwu"].bytes_per_event, "%.1f") +
          " bytes/event for both orders (by_entity + by_place, RocksDB after Compact, which took " +
          Fmt(b.jingwu_compact_s, "%.1f") + " s); the original records (evidence) take " +
          Fmt(b.jingwu_records_bpe, "%.1f") + " bytes/event more\n";
  for (const char* peer : {"sqlite", "postgres", "clickhouse"})
    if (b.load.count(peer) && b.load[peer].ok)
      md += std::string("- ") + peer + ": " + Fmt(b.load[peer].bytes_per_event, "%.1f") +
            " bytes/event (table and both indexes / sort orders)\n";
  if (b.serve_hwm_kb >= 0)
    md += "\njingwu serve peak resident memory (VmHWM) while serving: " +
          Fmt(static_cast<double>(b.serve_hwm_kb) / 1024.0, "%.0f") + " MiB\n";
  for (const auto& n : b.notes) md += "\n- note: " + n;
  if (!b.notes.empty()) md += "\n";
  for (const auto& w : warnings) md += "\n- **warning**: " + w;
  if (!warnings.empty()) md += "\n";
  return md;
}

}  // namespace

int RunBenchCompare(const BenchCompareArgs& args) {
  log::SetLevel(log::Level::kWarn);
  // Synthetic data only, read by peer servers running as other users.
  umask(022);
  Bench b;
  b.args = args;
  if (b.args.repeat < 1) b.args.repeat = 1;
  const std::string work = fs::absolute(args.work).string();
  b.args.work = work;
  std::error_code ec;
  fs::create_directories(work, ec);
  // Servers running as other users (postgres, clickhouse) need to reach their folders.
  fs::permissions(work, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec, ec);
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "jingwu bench compare: %s\n", s.message().c_str());
    return 1;
  };

  // 1. Data.
  std::string src = work + "/src";
  std::string marker = src + "/bench_events.txt";
  std::string scale = args.events > 30000000 ? "large" : args.events >= 1000000 ? "city" : "small";
  if (ReadFileText(marker) == std::to_string(args.events) && fs::exists(src + "/truth.json", ec)) {
    std::printf("data: reusing %s (%lld events)\n", src.c_str(), static_cast<long long>(args.events));
  } else {
    std::printf("data: jingwu gen (seed 1, scale %s, %lld events) into %s\n", scale.c_str(),
                static_cast<long long>(args.events), src.c_str());
    std::fflush(stdout);
    auto t0 = Clock::now();
    gen::CityOptions o{.out_dir = src, .seed = 1, .scale = scale, .events = args.events};
    Status s = gen::WriteCity(o);
    if (!s.ok()) return fail(s);
    std::ofstream(marker) << args.events;
    std::printf("data: generated in %.1f s\n", Seconds(t0));
  }
  json truth = json::parse(ReadFileText(src + "/truth.json"), nullptr, false);
  if (!truth.is_object()) return fail(Internal("cannot read " + src + "/truth.json"));
  int64_t sighting_rows = 0;
  for (const char* f : {"hotel.csv", "vehicle_pass.csv", "travel.csv", "dutyfree.csv", "netcafe.csv"})
    if (truth["rows"].contains(f)) sighting_rows += truth["rows"][f].get<int64_t>();

  // 2. jingwu load.
  std::string data = work + "/jingwu_data";
  fs::remove_all(data, ec);
  fs::create_directories(data, ec);
  std::string events_dir = data + "/events";
  Params p;
  {
    // The bulk path, as `jingwu ingest` opens it.
    auto opened = events::Store::Open(events_dir, {.bulk = true});
    if (!opened.ok()) return fail(opened.status());
    events::Store& store = **opened;
    std::printf("jingwu: ingesting %s\n", src.c_str());
    std::fflush(stdout);
    auto t0 = Clock::now();
    Status s = IngestFolder(store, src, false, nullptr);
    if (!s.ok()) return fail(s);
    LoadInfo& l = b.load["jingwu"];
    l.seconds = Seconds(t0);
    auto t1 = Clock::now();
    s = store.Compact();
    if (!s.ok()) return fail(s);
    b.jingwu_compact_s = Seconds(t1);
    l.rows = sighting_rows;
    auto u = store.Usage();
    int64_t total = std::max<int64_t>(1, store.TotalEvents());
    l.bytes_per_event = static_cast<double>(u.by_entity + u.by_place) / static_cast<double>(total);
    b.jingwu_records_bpe = static_cast<double>(u.records) / static_cast<double>(total);
    l.ok = true;
    l.note = "all source files incl. places, residents, vehicles; rows = sighting rows read (" +
             std::to_string(store.TotalEvents()) + " accepted events)";
    std::printf("jingwu: %lld sighting rows in %.1f s (%.0f rows/s), %lld events stored; compact %.1f s\n",
                static_cast<long long>(sighting_rows), l.seconds, static_cast<double>(sighting_rows) / l.seconds,
                static_cast<long long>(store.TotalEvents()), b.jingwu_compact_s);

    // 3. Export the same rows for the peers (not timed).
    std::printf("export: events.tsv and places.tsv\n");
    std::fflush(stdout);
    {
      std::FILE* pf = std::fopen((work + "/places.tsv").c_str(), "w");
      std::FILE* ef = std::fopen((work + "/events.tsv").c_str(), "w");
      if (!pf || !ef) return fail(Internal("cannot write the TSV files in " + work));
      std::vector<char> buf(8 << 20);
      std::setvbuf(ef, buf.data(), _IOFBF, buf.size());
      std::unordered_map<events::EntityId, std::string> refs;
      int64_t skipped = 0, exported = 0;
      for (const events::Place& pl : store.Places()) {
        std::fprintf(pf, "%s\t%s\n", pl.code.c_str(), pl.district_code.c_str());
        Status sc = store.ScanPlace(pl.id, 0, 0xFFFFFFFFu, [&](const events::Event& e) {
          auto it = refs.find(e.entity);
          if (it == refs.end()) it = refs.emplace(e.entity, store.RefString(e.entity)).first;
          if (it->second.find_first_of("\t\n\\") != std::string::npos) {
            ++skipped;
            return true;
          }
          std::string_view source = events::SourceName(e.source);
          ++exported;
          std::fprintf(ef, "%s\t%s\t%u\t%.*s\n", it->second.c_str(), pl.code.c_str(), e.time,
                       static_cast<int>(source.size()), source.data());
          return true;
        });
        if (!sc.ok()) return fail(sc);
      }
      std::fclose(pf);
      std::fclose(ef);
      if (exported != store.TotalEvents())
        b.notes.push_back("the scan exported " + std::to_string(exported) + " events; jingwu's counters say " +
                          std::to_string(store.TotalEvents()) + " (the peers get the exported rows)");
      if (skipped) b.notes.push_back(std::to_string(skipped) + " events with tabs or backslashes not exported");
    }

    // The queries' parameters.
    std::mt19937_64 rng(1);
    int64_t n_entities = store.EntityCount();
    for (int tries = 0; p.traj100.size() < 100 && tries < 100000; ++tries) {
      auto id = static_cast<events::EntityId>(1 + rng() % static_cast<uint64_t>(std::max<int64_t>(1, n_entities)));
      if (store.EntityEventCount(id) > 0) p.traj100.push_back(store.RefString(id));
    }
    auto busiest = store.BusiestEntities(1);
    if (busiest.empty()) return fail(Internal("the store holds no events"));
    p.busiest = store.RefString(busiest[0].first);
    p.busiest_events = busiest[0].second;
    if (p.busiest_events < 1000)
      b.notes.push_back("the busiest entity has only " + std::to_string(p.busiest_events) + " events (< 1000)");
    std::vector<std::pair<int64_t, const events::Place*>> by_count;
    std::vector<events::Place> places = store.Places();
    for (const auto& pl : places) by_count.push_back({store.PlaceEventCount(pl.id), &pl});
    std::sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& c) { return a.first > c.first; });
    if (truth.contains("collisions") && !truth["collisions"].empty()) {
      for (const auto& w : truth["collisions"][0]["windows"]) {
        auto r = analysis::ParseRange(w["from"].get<std::string>(), w["to"].get<std::string>());
        if (r.ok() && p.coll5h.size() < 5) p.coll5h.push_back({w["place"].get<std::string>(), r->from, r->to});
      }
    }
    if (p.coll5h.empty()) p.coll5h.push_back({by_count[0].second->code, 1735689600, 1735689600 + 3600});
    for (size_t i = 0; p.coll5h.size() < 5 && i < by_count.size(); ++i) {
      const std::string& code = by_count[i].second->code;
      if (std::none_of(p.coll5h.begin(), p.coll5h.end(), [&](const auto& w) { return w.place_code == code; }))
        p.coll5h.push_back({code, p.coll5h[0].from, p.coll5h[0].to});
    }
    std::map<int64_t, int64_t> per_day;
    for (const auto& x : store.CountsBySourceDay(0, int64_t{1} << 40)) per_day[x.day] += x.count;
    int64_t best_day = 0, best = -1;
    for (auto [d, n] : per_day)
      if (n > best) best = n, best_day = d;
    uint32_t day_from = static_cast<uint32_t>(best_day * 86400 - 8 * 3600);
    for (size_t i = 0; i < 5 && i < by_count.size(); ++i)
      p.coll5d.push_back({by_count[i].second->code, day_from, day_from + 86399});
    if (truth.contains("cotravel_groups") && !truth["cotravel_groups"].empty())
      p.cot_group = truth["cotravel_groups"][0]["members"][0].get<std::string>();
    else
      p.cot_group = p.traj100.empty() ? p.busiest : p.traj100[0];
    std::printf("queries: busiest %s (%lld events), busiest day %s, co-travel group member %s\n", p.busiest.c_str(),
                static_cast<long long>(p.busiest_events), Iso(day_from).substr(0, 10).c_str(), p.cot_group.c_str());
    std::fflush(stdout);

    b.engines.push_back("jingwu");
    RunJingwuInProcess(b, store, p);
  }  // the store closes: the server opens it next

  // 5b. jingwu end-to-end.
  if (args.http) {
    b.engines.push_back("jingwu-http");
    Status s = RunJingwuHttp(b, data, p);
    if (!s.ok()) {
      std::printf("  jingwu (HTTP) failed: %s\n", s.message().c_str());
      b.notes.push_back("jingwu over HTTP failed: " + s.message());
      b.results.erase("jingwu-http");
    }
  }

  // 4. Peers.
  for (const std::string& peer : args.peers) {
    Status s;
    if (peer == "sqlite") s = RunSqlite(b, p);
    else if (peer == "postgres") s = RunPostgres(b, p);
    else if (peer == "clickhouse") s = RunClickHouse(b, p);
    else s = InvalidArgument("bad_peer", "unknown peer " + peer + " (sqlite, postgres, clickhouse)");
    b.engines.push_back(peer);
    if (!s.ok()) {
      std::printf("  %s skipped: %s\n", peer.c_str(), s.message().c_str());
      std::fflush(stdout);
      b.load[peer].ok = false;
      b.load[peer].note = "skipped: " + s.message().substr(0, 200);
      b.results.erase(peer);
      b.notes.push_back(peer + " skipped: " + s.message().substr(0, 300));
    }
  }

  // 6. Report.
  std::string md = Report(b);
  std::printf("%s", md.c_str());
  std::ofstream(work + "/results.md", std::ios::app) << md;
  std::printf("\n(appended to %s/results.md)\n", work.c_str());
  return 0;
}

}  // namespace jingwu::app
