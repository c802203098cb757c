#pragma once
// RFC 2046 5.1 multipart bodies split into their parts, so the edge can find SDP (and its
// SDES keys) inside multipart/mixed, alternative or related bodies. Strict where a lax
// reading could hide a part: the boundary parameter must be present and valid, the close
// delimiter must be there; a body that does not split is reported, never guessed at.
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::media {

struct BodyPart {
  std::string_view headers;  // the part's header lines ("" when it has none)
  std::string_view content;  // after the blank line
  // The value of one header of the part (case-insensitive name, folded lines joined); "" when absent.
  std::string header(std::string_view name) const;
};

struct MultipartSplit {
  std::vector<BodyPart> parts;
  std::string error;  // set when the body is not a well-formed multipart body
};

// The parts of `body` delimited by `boundary` (the Content-Type's boundary parameter).
// Lines may end in CRLF or, as lenient peers send them, in LF alone.
MultipartSplit split_multipart(std::string_view body, std::string_view boundary);

}  // namespace imsguard::media
