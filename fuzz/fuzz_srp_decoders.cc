// libFuzzer target: feeds arbitrary bytes to every lib/srp decoder, the SRP_CMD
// descriptor parser (with limits derived from the input) and the add_target parser, and
// checks a few invariants (decode(encode(decode(x))) == decode(x), parse/format fixpoint).
//
// Input layout: byte 0 selects the limits, the rest is the IU / text.
// Seed corpus: fuzz/corpus/srp/ (run: fuzz_srp_decoders fuzz/corpus/srp).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/srp/descriptors.h"
#include "lib/srp/iu.h"
#include "lib/srp/login.h"
#include "lib/srp/target_string.h"

namespace {

using namespace srp::wire;  // NOLINT(build/namespaces): fuzzer-local convenience

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// Touches every byte of a view so ASan sees out-of-bounds spans.
uint32_t Touch(std::span<const std::byte> s) {
  uint32_t sum = 0;
  for (std::byte b : s) sum += static_cast<uint8_t>(b);
  return sum;
}

template <typename T, typename Decode, typename Encode>
void RoundTrip(std::span<const std::byte> in, Decode decode, Encode encode) {
  auto d = decode(in);
  if (!d.ok()) return;
  std::vector<std::byte> bytes = encode(*d);
  auto again = decode(bytes);
  Check(again.ok());
  Check(*again == *d);
}

DescriptorLimits LimitsFrom(uint8_t sel) {
  DescriptorLimits l;
  static constexpr uint32_t kMaxTransfer[] = {16u << 20, 4096, 0xffffffffu, 0};
  static constexpr uint32_t kMaxIu[] = {0, 8260, 256, 64};
  static constexpr uint32_t kImmOff[] = {68, 52, 84, 0};
  l.max_transfer = kMaxTransfer[sel & 3];
  l.max_iu_len = kMaxIu[(sel >> 2) & 3];
  l.immediate_data = (sel & 0x10) != 0;
  l.imm_data_offset = kImmOff[(sel >> 5) & 3];
  l.external_tables = (sel & 0x80) != 0;
  l.max_external_descriptors = (sel & 0x40) ? 4 : 2048;
  return l;
}

void FuzzCmd(std::span<const std::byte> iu, const DescriptorLimits& limits) {
  auto hdr = DecodeCmdHeader(iu);
  if (!hdr.ok()) return;
  Touch(AdditionalCdb(*hdr, iu));
  auto layout = ParseDataLayout(*hdr, iu, limits);
  if (!layout.ok()) return;
  Check(layout->total_length <= limits.max_transfer);
  const auto imm = layout->ImmediateData(iu);
  Touch(imm);
  if (layout->needs_external_table) {
    // Use the IU bytes themselves as the "fetched" table.
    auto full = ParseExternalTable(*layout, iu);
    if (full.ok()) Check(full->descriptors.size() == layout->table_desc.len / 16);
  }
  // Re-encoding a parsed command and parsing it again gives the same layout.
  auto again = EncodeCmd(*hdr, AdditionalCdb(*hdr, iu), *layout, imm);
  if (!again.ok()) return;
  auto hdr2 = DecodeCmdHeader(*again);
  Check(hdr2.ok());
  auto layout2 = ParseDataLayout(*hdr2, *again, limits);
  Check(layout2.ok());
  Check(layout2->descriptors == layout->descriptors);
  Check(layout2->total_length == layout->total_length);
  Check(layout2->needs_external_table == layout->needs_external_table);
}

void FuzzTargetString(std::string_view text) {
  auto t = ParseTargetString(text);
  if (!t.ok()) return;
  const std::string line = FormatTargetString(*t);
  auto again = ParseTargetString(line);
  Check(again.ok());
  Check(FormatTargetString(*again) == line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t sel = data[0];
  std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data + 1), size - 1);

  (void)PeekOpcode(in);
  if (auto t = DecodeTargetBoundIu(in); t.ok()) {
    if (auto* tm = std::get_if<TaskManagement>(&*t))
      Check(tm->tag == DecodeTaskManagement(in)->tag);
  }
  if (auto i = DecodeInitiatorBoundIu(in); i.ok()) {
    if (auto* r = std::get_if<RspView>(&*i)) {
      Touch(r->resp_data);
      Touch(r->sense);
      (void)TmfResponseCode(*r);
      // Re-encode with the received data under a max_ti_iu_len taken from the input.
      auto enc = EncodeRsp(r->header, r->resp_data, r->sense, 36u + (sel * 3u));
      if (enc.ok()) Check(DecodeRsp(*enc).ok());
    }
    if (auto* a = std::get_if<AerRequestView>(&*i)) Touch(a->sense);
  }

  RoundTrip<TaskManagement>(in, DecodeTaskManagement,
                            [](const TaskManagement& v) { return EncodeTaskManagement(v); });
  RoundTrip<InitiatorLogout>(in, DecodeInitiatorLogout,
                             [](const InitiatorLogout& v) { return EncodeInitiatorLogout(v); });
  RoundTrip<TargetLogout>(in, DecodeTargetLogout,
                          [](const TargetLogout& v) { return EncodeTargetLogout(v); });
  RoundTrip<CreditRequest>(in, DecodeCreditRequest,
                           [](const CreditRequest& v) { return EncodeCreditRequest(v); });
  RoundTrip<CreditResponse>(in, DecodeCreditResponse,
                            [](const CreditResponse& v) { return EncodeCreditResponse(v); });
  RoundTrip<AerResponse>(in, DecodeAerResponse,
                         [](const AerResponse& v) { return EncodeAerResponse(v); });
  RoundTrip<LoginRequest>(in, DecodeLoginRequest,
                          [](const LoginRequest& v) { return EncodeLoginRequest(v); });
  RoundTrip<LoginRequest>(in, DecodeLoginRequestRdma,
                          [](const LoginRequest& v) { return EncodeLoginRequestRdma(v); });
  RoundTrip<LoginResponse>(in, DecodeLoginResponse,
                           [](const LoginResponse& v) { return EncodeLoginResponse(v); });
  RoundTrip<LoginReject>(in, DecodeLoginReject,
                         [](const LoginReject& v) { return EncodeLoginReject(v); });

  for (LoginTransport tr : {LoginTransport::kIbCm, LoginTransport::kRdmaCm}) {
    auto req = DecodeLoginPrivateData(in, tr);
    if (!req.ok()) continue;
    LoginPolicy policy{static_cast<uint32_t>(sel) * 64u, 0x0002c903000f1366, 0x0002c903000f1366,
                       (sel & 1) != 0};
    (void)ValidateLoginRequest(*req, policy);
    (void)ImmediateDataAcceptable(*req, policy.max_it_iu_len);
  }

  FuzzCmd(in, LimitsFrom(sel));
  FuzzTargetString(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
  return 0;
}
