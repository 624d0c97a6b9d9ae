#include "tuning/scheduler_knob.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <sstream>

namespace srp::tuning {
namespace {

bool Offers(const std::vector<std::string>& available, std::string_view name) {
  return std::find(available.begin(), available.end(), name) != available.end();
}

}  // namespace

SchedulerChoice ParseSchedulerList(std::string_view text) {
  SchedulerChoice choice;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) {
    if (word.size() >= 2 && word.front() == '[' && word.back() == ']') {
      word = word.substr(1, word.size() - 2);
      choice.active = word;
    }
    choice.available.push_back(word);
  }
  if (choice.active.empty() && choice.available.size() == 1) choice.active = choice.available[0];
  return choice;
}

Result<std::string> MapSchedulerName(std::string_view requested,
                                     const std::vector<std::string>& available) {
  if (Offers(available, requested)) return std::string(requested);
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"noop", "none"}, {"none", "noop"}, {"deadline", "mq-deadline"}, {"mq-deadline", "deadline"}};
  for (const auto& [from, to] : kAliases) {
    if (requested == from && Offers(available, to)) return std::string(to);
  }
  return InvalidArgument(fmt::format("unknown I/O scheduler '{}'; available: {}", requested,
                                     fmt::join(available, " ")));
}

SchedulerKnob::SchedulerKnob(const FsRoot& fs, std::string dev)
    : TuningKnob("scheduler", dev),
      fs_(&fs),
      path_(fmt::format("/sys/block/{}/queue/scheduler", dev)) {}

Result<std::string> SchedulerKnob::Read() {
  SRP_ASSIGN_OR_RETURN(std::string text, fs_->ReadTrimmed(path_));
  SchedulerChoice choice = ParseSchedulerList(text);
  if (choice.active.empty())
    return Status(StatusCode::kProtocolError, fmt::format("no active scheduler in '{}'", text));
  return choice.active;
}

Result<std::string> SchedulerKnob::Canonicalize(std::string_view value) {
  SRP_ASSIGN_OR_RETURN(std::string text, fs_->ReadTrimmed(path_));
  return MapSchedulerName(value, ParseSchedulerList(text).available);
}

Status SchedulerKnob::Write(const std::string& value) { return fs_->WriteFile(path_, value); }

}  // namespace srp::tuning
