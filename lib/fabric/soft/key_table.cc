#include "lib/fabric/soft/key_table.h"

#include <fmt/format.h>

#include <chrono>
#include <mutex>

namespace srp::fabric::soft {

KeyTable::KeyTable() {
  std::random_device rd;
  std::seed_seq seed{
      rd(), rd(), rd(),
      static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count())};
  rng_.seed(seed);
}

Result<uint32_t> KeyTable::Register(void* addr, size_t length, uint32_t access) {
  constexpr uint32_t kKnown = kAccessLocalWrite | kAccessRemoteRead | kAccessRemoteWrite;
  if ((access & ~kKnown) != 0)
    return InvalidArgument(fmt::format("unknown access bits {:#x}", access));
  auto base = reinterpret_cast<uint64_t>(addr);
  if (length > 0 && base + length < base) return InvalidArgument("region wraps the address space");
  std::unique_lock lock(mu_);
  for (;;) {
    uint32_t key = rng_();
    if (key == 0 || keys_.contains(key)) continue;
    keys_.emplace(key, Entry{base, length, access});
    return key;
  }
}

void KeyTable::Deregister(uint32_t key) {
  std::unique_lock lock(mu_);
  keys_.erase(key);
}

bool KeyTable::Check(uint32_t key, uint64_t addr, uint64_t length, uint32_t need_access) const {
  if (length == 0) return true;
  std::shared_lock lock(mu_);
  auto it = keys_.find(key);
  if (it == keys_.end()) return false;
  const Entry& e = it->second;
  if ((e.access & need_access) != need_access) return false;
  if (addr < e.addr) return false;
  uint64_t off = addr - e.addr;
  return off <= e.length && length <= e.length - off;
}

size_t KeyTable::size() const {
  std::shared_lock lock(mu_);
  return keys_.size();
}

}  // namespace srp::fabric::soft
