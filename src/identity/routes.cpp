// HTTP face of identity: what an identifier says about a person or vehicle.
// An ID number reveals birth date, sex and home region, so this is a
// personal-data read: a stated purpose is required and each call is audited.
#include "auth/roles.h"
#include "http/api.h"
#include "core/utf8.h"
#include "identity/identity.h"

namespace jingwu::identity {

using http::Context;
using http::json;
using http::Reply;

void RegisterRoutes(http::Api& api) {
  const Clock& clock = api.clock();
  api.Get("/api/v1/identity/parse",
          {.permission = auth::perm::kPersonRead, .personal_data = true, .audit_action = "identity.parse"},
          [&clock](Context& c) -> Result<Reply> {
            std::string ref = c.Param("ref");
            if (ref.empty()) return Validation("validation_failed", "ref (KIND:VALUE) is required");
            c.audit_target = TruncateUtf8(ref, 64);
            JW_ASSIGN_OR_RETURN(EntityRef r, ParseEntityRef(ref, LocalDate(clock.Now())));
            c.audit_target = r.ToString();
            json out = {{"ref", r.ToString()}, {"kind", KindName(r.kind)}, {"value", r.value}};
            if (r.kind == Kind::kId) {
              JW_ASSIGN_OR_RETURN(IdNumber id, ParseIdNumber(r.value));
              char date[11];
              std::snprintf(date, sizeof date, "%04d-%02d-%02d", id.birth_date.year, id.birth_date.month,
                            id.birth_date.day);
              out["region_code"] = id.region_code;
              out["region_name"] = RegionName(id.region_code);
              out["province_name"] = RegionName(id.region_code.substr(0, 2) + "0000");
              out["birth_date"] = date;
              out["sex"] = std::string(1, id.sex);
            } else if (r.kind == Kind::kPlate) {
              JW_ASSIGN_OR_RETURN(Plate p, ParsePlate(r.value));
              out["plate_kind"] = PlateKindName(p.kind);
            } else if (r.kind == Kind::kPassport) {
              JW_ASSIGN_OR_RETURN(Passport p, ParsePassport(r.value));
              out["nationality"] = p.nationality;
            }
            return Reply::Json(out);
          });
}

}  // namespace jingwu::identity
