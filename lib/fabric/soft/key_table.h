// Memory keys of one soft fabric: registration, lookup and bounds/access checks.
//
// Keys are random 32-bit values (never 0, unique within the table), so a
// guessed or stale rkey fails instead of hitting another region. lkey == rkey.
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <shared_mutex>
#include <unordered_map>

#include "lib/common/status.h"
#include "lib/fabric/fabric.h"

namespace srp::fabric::soft {

class KeyTable {
 public:
  KeyTable();
  // Registers [addr, addr+length); returns the key.
  Result<uint32_t> Register(void* addr, size_t length, uint32_t access);
  void Deregister(uint32_t key);
  // True if `key` exists, [addr, addr+length) lies inside it and it grants all
  // bits of `need_access` (0 = local read only). A zero-length range passes
  // without a key (as on an HCA).
  bool Check(uint32_t key, uint64_t addr, uint64_t length, uint32_t need_access) const;
  size_t size() const;

 private:
  struct Entry {
    uint64_t addr;
    uint64_t length;
    uint32_t access;
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<uint32_t, Entry> keys_;  // guarded by mu_
  std::mt19937 rng_;                          // guarded by mu_
};

// The MemoryRegion handed to applications; deregisters on destruction.
class SoftMemoryRegion final : public MemoryRegion {
 public:
  SoftMemoryRegion(std::shared_ptr<KeyTable> table, void* addr, size_t length, uint32_t access,
                   uint32_t key)
      : table_(std::move(table)), addr_(addr), length_(length), access_(access), key_(key) {}
  ~SoftMemoryRegion() override { table_->Deregister(key_); }
  void* addr() const override { return addr_; }
  size_t length() const override { return length_; }
  uint32_t lkey() const override { return key_; }
  uint32_t rkey() const override { return key_; }
  uint32_t access() const override { return access_; }

 private:
  std::shared_ptr<KeyTable> table_;
  void* addr_;
  size_t length_;
  uint32_t access_;
  uint32_t key_;
};

}  // namespace srp::fabric::soft
