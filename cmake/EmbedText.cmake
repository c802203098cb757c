# cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=name -DNAMESPACE=ns -P EmbedText.cmake
# Writes a C++ file defining `extern const std::string_view ns::SYMBOL` with the bytes of INPUT.
# Bytes are written as hex escapes so no delimiter in the text can break the literal.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_len)
set(body "")
set(pos 0)
while(pos LESS hex_len)
  string(SUBSTRING "${hex}" ${pos} 64 chunk)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" chunk "${chunk}")
  string(APPEND body "  \"${chunk}\"\n")
  math(EXPR pos "${pos} + 64")
endwhile()
math(EXPR size "${hex_len} / 2")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace ${NAMESPACE} {\nstatic const char k${SYMBOL}Data[] =\n${body}  \"\";\nextern const std::string_view ${SYMBOL};\nconst std::string_view ${SYMBOL}(k${SYMBOL}Data, ${size});\n}\n")
