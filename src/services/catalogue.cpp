// The demo bureau's catalogue: items modelled on what Chinese public security
// bureaus publish in their service guides (办事指南). Limits are in working
// days; the promised limit is the bureau's own, shorter than the statutory one.
#include "services/model.h"

namespace jingwu::services {

namespace {

Material M(std::string code, std::string zh, std::string en, bool required = true, bool key = true) {
  return {std::move(code), std::move(zh), std::move(en), required, key};
}
Field F(std::string name, std::string zh, std::string en, std::string type = "text", bool required = true,
        std::string pattern = "", std::vector<std::string> options = {}) {
  return {std::move(name), std::move(zh), std::move(en), std::move(type), required, std::move(pattern),
          std::move(options)};
}

const Material kId = M("id_card", "居民身份证", "Resident ID card");
const Material kHukou = M("hukou_booklet", "居民户口簿", "Household register booklet");
const Material kPhoto = M("photo", "近期免冠照片", "Recent photo", true, false);
const Material kPassport = M("passport", "护照", "Passport");
const Material kLicence = M("driving_licence", "机动车驾驶证", "Driving licence");
const Material kVehicleReg = M("vehicle_cert", "机动车登记证书", "Vehicle registration certificate");
const Field kName = F("name", "姓名", "Name");
const Field kIdNo = F("id_number", "公民身份号码", "Citizen ID number", "id_number");
const Field kPhone = F("phone", "联系电话", "Phone", "phone");
const Field kPlate = F("plate", "号牌号码", "Plate number", "text", true, "^琼[A-HJ-NP-Z][A-HJ-NP-Z0-9]{5,6}$");

const std::vector<std::string> kAll = {"online", "post", "appointment", "fast_track"};
const std::vector<std::string> kOnlinePost = {"online", "post", "fast_track"};
const std::vector<std::string> kAppt = {"online", "appointment", "fast_track"};

std::vector<Item> Build() {
  std::vector<Item> v;
  auto add = [&](Item it) { v.push_back(std::move(it)); };
  // ---- 户政 household registration
  add({"HZ001", "人才落户", "Talent settlement", "household", "household", kAll,
       {kId, kHukou, M("diploma", "毕业证书或职称证书", "Diploma or professional title certificate"),
        M("labour_contract", "劳动合同（先落户后就业可免）", "Employment contract (not needed when settling first)", false,
          false),
        kPhoto},
       {kName, kIdNo, kPhone,
        F("education", "学历", "Education", "select", true, "", {"vocational", "bachelor", "master", "doctor"}),
        F("graduated_on", "毕业日期", "Graduation date", "date"),
        F("employer", "工作单位", "Employer", "text", false)},
       20, 5, 0, true});
  add({"HZ002", "投靠落户（夫妻投靠）", "Settlement joining a spouse", "household", "household", kAll,
       {kId, kHukou, M("marriage_cert", "结婚证", "Marriage certificate"), kPhoto}, {kName, kIdNo, kPhone}, 20, 10});
  add({"HZ003", "投靠落户（子女投靠父母）", "Settlement of a child with parents", "household", "household", kAll,
       {kId, kHukou, M("birth_cert", "出生医学证明", "Birth certificate")}, {kName, kIdNo, kPhone}, 20, 10});
  add({"HZ004", "出生登记", "Birth registration", "household", "household", kAll,
       {M("birth_cert", "出生医学证明", "Birth certificate"), kHukou, M("parents_id", "父母身份证", "Parents' ID cards")},
       {F("child_name", "新生儿姓名", "Child's name"), F("birth_date", "出生日期", "Date of birth", "date"), kPhone}, 20, 3});
  add({"HZ005", "户口迁移证签发（迁出）", "Household transfer-out certificate", "household", "household", kOnlinePost,
       {kId, kHukou, M("move_in_permit", "准予迁入证明", "Permit to move in")}, {kName, kIdNo, kPhone}, 20, 5});
  add({"HZ006", "居民身份证换领", "ID card renewal", "household", "household", kAppt, {kId, kPhoto},
       {kName, kIdNo, kPhone}, 60, 20, 2000});
  add({"HZ007", "居民身份证异地受理", "ID card application outside the home province", "household", "household", kAppt,
       {kId, kPhoto}, {kName, kIdNo, kPhone}, 60, 30, 2000});
  add({"HZ008", "临时居民身份证", "Temporary ID card", "household", "household", {"appointment", "fast_track"},
       {kHukou, kPhoto}, {kName, kIdNo, kPhone}, 3, 1, 1000});
  add({"HZ009", "居住证申领", "Residence permit", "household", "household", kAll,
       {kId, M("residence_proof", "居住证明（租赁合同或房产证）", "Proof of residence"), kPhoto},
       {kName, kIdNo, kPhone, F("address", "居住地址", "Address")}, 15, 7, 0, true});
  add({"HZ010", "户籍证明开具", "Household registration certificate", "household", "household", kAll, {kId},
       {kName, kIdNo, kPhone, F("purpose", "用途", "Purpose")}, 5, 1});
  add({"HZ011", "姓名变更登记", "Change of name", "household", "household", kAppt,
       {kId, kHukou, M("change_reason", "变更理由证明材料", "Evidence for the change")}, {kName, kIdNo, kPhone}, 20, 10});
  add({"HZ012", "死亡注销户口", "Deregistration on death", "household", "household", kAll,
       {kHukou, M("death_cert", "死亡医学证明", "Death certificate")}, {kName, kIdNo, kPhone}, 20, 3});
  // ---- 出入境 exit-entry
  add({"CR001", "普通护照签发", "Ordinary passport", "exit_entry", "exit_entry", kAppt, {kId, kPhoto},
       {kName, kIdNo, kPhone}, 15, 7, 12000});
  add({"CR002", "普通护照换发", "Passport renewal", "exit_entry", "exit_entry", kAll, {kId, kPassport, kPhoto},
       {kName, kIdNo, kPhone}, 15, 7, 12000});
  add({"CR003", "往来港澳通行证签发", "Exit-entry permit to Hong Kong and Macao", "exit_entry", "exit_entry", kAppt,
       {kId, kPhoto}, {kName, kIdNo, kPhone}, 15, 7, 6000});
  add({"CR004", "往来港澳通行证签注（再次签注）", "Hong Kong and Macao endorsement (repeat)", "exit_entry", "exit_entry",
       kAll, {kId}, {kName, kIdNo, kPhone}, 10, 1, 1500});
  add({"CR005", "往来台湾通行证签发", "Exit-entry permit to Taiwan", "exit_entry", "exit_entry", kAppt, {kId, kPhoto},
       {kName, kIdNo, kPhone}, 15, 7, 6000});
  add({"CR006", "出入境记录查询", "Exit-entry record certificate", "exit_entry", "exit_entry", kAll, {kId},
       {kName, kIdNo, kPhone}, 5, 1});
  add({"CR007", "外国人签证延期", "Visa extension for foreigners", "foreigners", "exit_entry", kAppt,
       {kPassport, M("invitation", "邀请或担保函件", "Invitation or guarantee letter"), kPhoto},
       {F("name", "姓名", "Name"), F("passport_no", "护照号码", "Passport number", "text", true, "^[A-Z]{3}/[A-Z0-9]{5,12}$"),
        kPhone},
       7, 5, 16000});
  add({"CR008", "外国人工作类居留许可（一窗通办）", "Work residence permit for foreigners (one-stop window)", "foreigners",
       "exit_entry", kAppt,
       {kPassport, M("work_permit", "外国人工作许可证", "Foreigner's work permit"),
        M("health_cert", "健康证明", "Health certificate", true, false), kPhoto},
       {F("name", "姓名", "Name"), F("passport_no", "护照号码", "Passport number", "text", true, "^[A-Z]{3}/[A-Z0-9]{5,12}$"),
        F("employer", "工作单位", "Employer"), kPhone},
       15, 7, 40000, false, ApprovalRule{"all", {"exit_entry", "labour"}}});
  add({"CR009", "外国人永久居留身份证申请", "Permanent residence for foreigners", "foreigners", "exit_entry", kAppt,
       {kPassport, M("residence_proof", "住所证明", "Proof of residence"), kPhoto},
       {F("name", "姓名", "Name"), F("passport_no", "护照号码", "Passport number", "text", true, "^[A-Z]{3}/[A-Z0-9]{5,12}$"),
        kPhone},
       60, 30, 180000, false, ApprovalRule{"all", {"exit_entry", "talent"}}});
  add({"CR010", "外国人停留证件签发（免签入境延长停留）", "Stay permit for visa-free entrants", "foreigners", "exit_entry",
       kAppt, {kPassport, M("residence_proof", "住宿登记证明", "Accommodation registration")},
       {F("name", "姓名", "Name"), F("passport_no", "护照号码", "Passport number", "text", true, "^[A-Z]{3}/[A-Z0-9]{5,12}$"),
        kPhone},
       7, 3, 16000, false, ApprovalRule{"any", {"exit_entry", "public_order"}}});
  // ---- 交管 traffic
  add({"JG001", "机动车驾驶证期满换证", "Driving licence renewal", "traffic", "traffic", kAll,
       {kId, kLicence, M("health_cert", "身体条件证明", "Medical certificate")}, {kName, kIdNo, kPhone}, 10, 1, 1000});
  add({"JG002", "机动车驾驶证补证", "Replacement driving licence", "traffic", "traffic", kAll, {kId},
       {kName, kIdNo, kPhone}, 10, 1, 1000});
  add({"JG003", "机动车注册登记（新车上牌）", "New vehicle registration", "traffic", "traffic", kAppt,
       {kId, M("invoice", "购车发票", "Purchase invoice"), M("insurance", "交强险凭证", "Compulsory insurance")},
       {kName, kIdNo, kPhone}, 5, 2, 18000});
  add({"JG004", "机动车转移登记（过户）", "Vehicle ownership transfer", "traffic", "traffic", kAppt,
       {kId, kVehicleReg, M("transfer_proof", "所有权转移证明", "Proof of transfer")}, {kName, kIdNo, kPhone, kPlate}, 5,
       2, 10000});
  add({"JG005", "机动车检验标志核发", "Vehicle inspection mark", "traffic", "traffic", kAll,
       {M("inspection_report", "安全技术检验报告", "Inspection report"), M("insurance", "交强险凭证", "Compulsory insurance")},
       {kName, kPhone, kPlate}, 5, 1});
  add({"JG006", "交通事故认定复核申请", "Review of a traffic accident determination", "traffic", "traffic",
       {"online", "post"}, {kId, M("determination", "道路交通事故认定书", "Accident determination")},
       {kName, kIdNo, kPhone, F("accident_no", "事故编号", "Accident number")}, 30, 20});
  add({"JG007", "机动车临时通行牌证", "Temporary vehicle plate", "traffic", "traffic", kAll,
       {kId, M("invoice", "购车发票", "Purchase invoice")}, {kName, kIdNo, kPhone}, 3, 1, 500});
  add({"JG008", "驾驶人安全驾驶证明", "Safe-driving certificate", "traffic", "traffic", kOnlinePost, {kId},
       {kName, kIdNo, kPhone}, 5, 1});
  // ---- 治安 public order
  add({"ZA001", "无犯罪记录证明", "Certificate of no criminal record", "public_order", "public_order", kAll,
       {kId, M("purpose_proof", "用途证明", "Proof of purpose", false, false)},
       {kName, kIdNo, kPhone, F("purpose", "用途", "Purpose")}, 7, 3, 0, false,
       ApprovalRule{"any", {"public_order", "household"}}});
  add({"ZA002", "旅馆业特种行业许可", "Hotel special-trade licence", "public_order", "public_order", kAppt,
       {kId, M("business_licence", "营业执照", "Business licence"), M("fire_cert", "消防安全检查合格证", "Fire safety certificate"),
        M("floor_plan", "场所平面图", "Floor plan", true, false)},
       {kName, kIdNo, kPhone, F("hotel_name", "旅馆名称", "Hotel name")}, 20, 10, 0, true});
  add({"ZA003", "公章刻制备案", "Official seal engraving record", "public_order", "public_order", kAll,
       {kId, M("business_licence", "营业执照", "Business licence")}, {kName, kIdNo, kPhone}, 5, 1});
  add({"ZA004", "大型群众性活动安全许可", "Safety permit for a large public event", "public_order", "public_order",
       kAppt,
       {kId, M("security_plan", "安全工作方案", "Security plan"), M("venue_proof", "场地使用证明", "Venue agreement")},
       {kName, kIdNo, kPhone, F("attendance", "预计人数", "Expected attendance", "number")}, 20, 7});
  add({"ZA005", "保安员证核发", "Security guard certificate", "public_order", "public_order", kAll,
       {kId, M("training_cert", "培训合格证明", "Training certificate"), kPhoto}, {kName, kIdNo, kPhone}, 15, 7});
  add({"ZA006", "剧毒化学品购买许可", "Permit to buy highly toxic chemicals", "public_order", "public_order", kAppt,
       {kId, M("business_licence", "营业执照", "Business licence"), M("use_statement", "用途说明", "Statement of use")},
       {kName, kIdNo, kPhone}, 3, 2});
  add({"ZA007", "烟花爆竹道路运输许可", "Road transport permit for fireworks", "public_order", "public_order", kAll,
       {kId, M("transport_licence", "危险货物运输资质", "Dangerous-goods transport licence")}, {kName, kIdNo, kPhone}, 3, 1});
  return v;
}

}  // namespace

const std::vector<Item>& Catalogue() {
  static const std::vector<Item> kItems = Build();
  return kItems;
}

const Item* FindItem(std::string_view code) {
  for (const auto& it : Catalogue())
    if (it.code == code) return &it;
  return nullptr;
}

const std::vector<std::pair<std::string, std::string>>& Departments() {
  static const std::vector<std::pair<std::string, std::string>> kDepts = {
      {"household", "户政"},        {"exit_entry", "出入境"}, {"traffic", "交管"},
      {"public_order", "治安"},     {"labour", "人社（外国人工作许可）"}, {"talent", "人才服务"}};
  return kDepts;
}

bool IsDepartment(std::string_view code) {
  for (const auto& [c, n] : Departments())
    if (c == code) return true;
  return false;
}

bool IsChannel(std::string_view c) {
  return c == "online" || c == "post" || c == "appointment" || c == "fast_track";
}

}  // namespace jingwu::services
