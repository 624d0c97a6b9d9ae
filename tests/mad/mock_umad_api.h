// gmock of the libibumad call layer (lib/mad/umad/umad_api.h).
#pragma once

#include <gmock/gmock.h>

#include "lib/mad/umad/umad_api.h"

namespace srp::mad::umad::testing {

class MockUmadApi : public UmadApi {
 public:
  MOCK_METHOD(int, Init, (), (override));
  MOCK_METHOD(int, GetCa, (const char*, umad_ca_t*), (override));
  MOCK_METHOD(int, ReleaseCa, (umad_ca_t*), (override));
  MOCK_METHOD(int, GetPort, (const char*, int, umad_port_t*), (override));
  MOCK_METHOD(int, ReleasePort, (umad_port_t*), (override));
  MOCK_METHOD(int, OpenPort, (const char*, int), (override));
  MOCK_METHOD(int, ClosePort, (int), (override));
  MOCK_METHOD(int, Register, (int, int, int, uint8_t, long*), (override));
  MOCK_METHOD(int, Unregister, (int, int), (override));
  MOCK_METHOD(int, Send, (int, int, void*, int, int, int), (override));
  MOCK_METHOD(int, Recv, (int, void*, int*, int), (override));
};

}  // namespace srp::mad::umad::testing
