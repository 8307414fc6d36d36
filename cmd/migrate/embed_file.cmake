# cmake -DINPUT=<file> -DOUTPUT=<header> -DNAME=<kConstant> -DNAMESPACE=<ns> -P embed_file.cmake
#
# Writes a C++ header defining `inline constexpr std::string_view NAME` holding the bytes of
# INPUT, as a byte array (a string literal would hit the compilers' length limits). Runs at
# build time, so editing INPUT rebuilds only what includes the header.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
# 16 bytes a line (CMake regexes have no {n}).
string(REPEAT "'[^']+'," 16 sixteen)
string(REGEX REPLACE "(${sixteen})" "\\1\n    " bytes "${bytes}")
get_filename_component(input_name "${INPUT}" NAME)
string(TOUPPER "MISC_GENERATED_${NAME}_H" guard)
file(WRITE "${OUTPUT}.tmp" "// Generated at build time from ${input_name} by embed_file.cmake. Do not edit.
#ifndef ${guard}_
#define ${guard}_

#include <string_view>

namespace ${NAMESPACE} {

// The bytes of ${input_name}, NUL-terminated (the terminator is not part of ${NAME}).
inline constexpr char ${NAME}Data[] = {
    ${bytes}'\\0'};

// The contents of ${input_name}.
inline constexpr std::string_view ${NAME}(${NAME}Data, sizeof(${NAME}Data) - 1);

}  // namespace ${NAMESPACE}

#endif  // ${guard}_
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
