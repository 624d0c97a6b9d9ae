#include "lib/fabric/soft/fault.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

#include "lib/fabric/soft/fault_injector.h"
#include "lib/fabric/soft/listener.h"
#include "lib/fabric/soft/soft_fabric_impl.h"

namespace srp::fabric::soft {

namespace {

struct StatusName {
  const char* name;
  WcStatus status;
};
constexpr StatusName kStatusNames[] = {
    {"general", WcStatus::kGeneralError},
    {"remote_access", WcStatus::kRemoteAccessError},
    {"local_protection", WcStatus::kLocalProtectionError},
    {"remote_operation", WcStatus::kRemoteOperationError},
    {"rnr", WcStatus::kReceiverNotReady},
    {"retry_exceeded", WcStatus::kTransportRetryExceeded},
    {"local_length", WcStatus::kLocalLengthError},
};

Result<uint64_t> ParseCount(std::string_view key, std::string_view v) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty())
    return InvalidArgument(fmt::format("fault plan: {} needs a decimal number, got '{}'", key, v));
  return n;
}

}  // namespace

Result<FaultPlan> ParseFaultPlan(std::string_view text) {
  FaultPlan plan;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return InvalidArgument(fmt::format("fault plan: '{}' is not key=value", item));
    std::string_view key = item.substr(0, eq), v = item.substr(eq + 1);
    if (key == "drop_after_wrs") {
      SRP_ASSIGN_OR_RETURN(plan.drop_after_wrs, ParseCount(key, v));
    } else if (key == "fail_wr") {
      SRP_ASSIGN_OR_RETURN(plan.fail_wr, ParseCount(key, v));
    } else if (key == "delay_us") {
      SRP_ASSIGN_OR_RETURN(uint64_t d, ParseCount(key, v));
      if (d > 10'000'000) return InvalidArgument("fault plan: delay_us above 10 s");
      plan.delay_us = static_cast<uint32_t>(d);
    } else if (key == "fail_status") {
      bool found = false;
      for (const StatusName& s : kStatusNames) {
        if (v == s.name) {
          plan.fail_status = s.status;
          found = true;
        }
      }
      if (!found) return InvalidArgument(fmt::format("fault plan: unknown fail_status '{}'", v));
    } else {
      return InvalidArgument(fmt::format("fault plan: unknown key '{}'", key));
    }
  }
  return plan;
}

std::string FormatFaultPlan(const FaultPlan& plan) {
  std::string out;
  auto add = [&](const std::string& kv) { out += (out.empty() ? "" : ",") + kv; };
  if (plan.drop_after_wrs) add(fmt::format("drop_after_wrs={}", plan.drop_after_wrs));
  if (plan.fail_wr) {
    add(fmt::format("fail_wr={}", plan.fail_wr));
    for (const StatusName& s : kStatusNames)
      if (s.status == plan.fail_status && s.status != WcStatus::kGeneralError)
        add(fmt::format("fail_status={}", s.name));
  }
  if (plan.delay_us) add(fmt::format("delay_us={}", plan.delay_us));
  return out;
}

void FaultInjector::Set(const FaultPlan& plan) {
  std::lock_guard lock(mu_);
  plan_ = plan;
  send_wrs_ = 0;
  active_ = plan.drop_after_wrs != 0 || plan.fail_wr != 0;
}

FaultPlan FaultInjector::Get() const {
  std::lock_guard lock(mu_);
  return plan_;
}

FaultInjector::Verdict FaultInjector::OnSendWr() {
  Verdict v;
  std::lock_guard lock(mu_);
  if (!active_) return v;
  ++send_wrs_;
  if (plan_.fail_wr != 0 && send_wrs_ == plan_.fail_wr) {
    v.fail = true;
    v.status = plan_.fail_status;
  }
  if (plan_.drop_after_wrs != 0 && send_wrs_ == plan_.drop_after_wrs) v.drop_after = true;
  return v;
}

uint32_t FaultInjector::delay_us() const {
  std::lock_guard lock(mu_);
  return plan_.delay_us;
}

Status SetFaultPlan(Fabric& fabric, const FaultPlan& plan) {
  auto* soft = dynamic_cast<SoftFabric*>(&fabric);
  if (soft == nullptr) return InvalidArgument("fault injection needs a soft fabric");
  soft->context().faults.Set(plan);
  return Status::Ok();
}

Result<FaultPlan> GetFaultPlan(Fabric& fabric) {
  auto* soft = dynamic_cast<SoftFabric*>(&fabric);
  if (soft == nullptr) return InvalidArgument("fault injection needs a soft fabric");
  return soft->context().faults.Get();
}

Status DropConnection(Connection& connection) {
  auto* soft = dynamic_cast<SoftConnection*>(&connection);
  if (soft == nullptr) return InvalidArgument("fault injection needs a soft connection");
  soft->core().Drop();
  return Status::Ok();
}

}  // namespace srp::fabric::soft
