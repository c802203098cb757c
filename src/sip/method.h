#pragma once
// SIP methods as an enum for dispatch; the literal text is always kept too, because an
// unknown method (RFC 4475 intmeth, esc02) must be handled by its exact spelling.
#include <cstdint>
#include <string_view>

namespace imsguard::sip {

enum class Method : uint8_t {
  kUnknown,
  kInvite,
  kAck,
  kBye,
  kCancel,
  kRegister,
  kOptions,
  kMessage,
  kInfo,
  kPrack,
  kUpdate,
  kSubscribe,
  kNotify,
  kRefer,
  kPublish
};

// Method names are case-sensitive (RFC 3261 7.1): "invite" is an unknown method.
Method parse_method(std::string_view name);
// The standard spelling; empty for kUnknown.
std::string_view method_name(Method m);

}  // namespace imsguard::sip
