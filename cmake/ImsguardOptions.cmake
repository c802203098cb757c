# Compiler flags shared by every imsguard target, applied through an interface library so
# third-party code found by find_package is not affected.
add_library(imsguard_flags INTERFACE)
target_compile_options(imsguard_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 at -O2/-O3 reports false -Wrestrict on std::string concatenation (GCC bug 105329).
  target_compile_options(imsguard_flags INTERFACE -Wno-restrict)
endif()
if(IMSGUARD_WERROR)
  target_compile_options(imsguard_flags INTERFACE -Werror)
endif()
target_include_directories(imsguard_flags INTERFACE ${CMAKE_SOURCE_DIR}/src)

if(IMSGUARD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

if(IMSGUARD_TSAN)
  if(IMSGUARD_SANITIZE)
    message(FATAL_ERROR "IMSGUARD_TSAN and IMSGUARD_SANITIZE exclude each other (one runtime per process)")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # asio's handler fences (std_fenced_block) are not modelled by TSan; its scheduler
    # synchronises through mutexes, which TSan does see. GCC 12 warns on every fence.
    add_compile_options(-Wno-tsan)
  endif()
endif()

if(IMSGUARD_FUZZ)
  # Coverage instrumentation for everything; the fuzzer main is linked by fuzz/ only.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  # clang only: net::Server keeps a dead member (issue 20 lists it); the targets that link
  # the service, store and media libraries compile src/net too.
  # (after -Wall in imsguard_flags, or -Wall turns it back on)
  target_compile_options(imsguard_flags INTERFACE -Wno-unused-private-field)
  add_link_options(-fsanitize=address,undefined)
endif()

# imsguard_library(NAME SOURCES... [DEPS ...]): one static library per src/ folder.
function(imsguard_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC imsguard_flags ${ARG_DEPS})
endfunction()
