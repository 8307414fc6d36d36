# misc_add_proto_library(<target> ROOT <dir> PROTOS <files...> [GRPC] [DEPS <targets...>])
#
# Generates C++ (and, with GRPC, gRPC service stubs) for .proto files found under ROOT and wraps
# the output in one static library, so each proto package is compiled exactly once per build.
# PROTOS are paths relative to ROOT, which is also how they import each other.

set(MISC_GOOGLEAPIS_DIR "/usr/share/gocode/src/github.com/gogo/googleapis"
    CACHE PATH "Directory holding google/rpc/*.proto (Debian golang-github-gogo-googleapis-dev)")
set(MISC_GRPC_PROTO_DIR "/usr/share/grpc-proto"
    CACHE PATH "Directory holding grpc/health/v1/health.proto (Debian grpc-proto)")

foreach(_dir IN ITEMS "${MISC_GOOGLEAPIS_DIR}/google/rpc" "${MISC_GRPC_PROTO_DIR}/grpc/health/v1")
  if(NOT EXISTS "${_dir}")
    message(FATAL_ERROR "Missing ${_dir}: run scripts/install-deps.sh "
                        "(packages golang-github-gogo-googleapis-dev and grpc-proto)")
  endif()
endforeach()

get_target_property(MISC_GRPC_CPP_PLUGIN gRPC::grpc_cpp_plugin LOCATION)
set(MISC_PROTO_INCLUDE_DIRS
    "${CMAKE_SOURCE_DIR}/proto" "${MISC_GOOGLEAPIS_DIR}" "${MISC_GRPC_PROTO_DIR}"
    "${Protobuf_INCLUDE_DIRS}")

function(misc_add_proto_library target)
  cmake_parse_arguments(ARG "GRPC" "ROOT" "PROTOS;DEPS" ${ARGN})
  set(out_dir "${CMAKE_BINARY_DIR}/gen")
  set(include_flags "")
  foreach(dir IN LISTS MISC_PROTO_INCLUDE_DIRS)
    list(APPEND include_flags "-I${dir}")
  endforeach()

  set(sources "")
  foreach(proto IN LISTS ARG_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" stem "${proto}")
    set(outputs "${out_dir}/${stem}.pb.h" "${out_dir}/${stem}.pb.cc")
    set(plugin_args "")
    if(ARG_GRPC)
      list(APPEND outputs "${out_dir}/${stem}.grpc.pb.h" "${out_dir}/${stem}.grpc.pb.cc")
      set(plugin_args "--grpc_out=${out_dir}" "--plugin=protoc-gen-grpc=${MISC_GRPC_CPP_PLUGIN}")
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}"
      COMMAND protobuf::protoc "--cpp_out=${out_dir}" ${plugin_args} ${include_flags}
              "${ARG_ROOT}/${proto}"
      DEPENDS "${ARG_ROOT}/${proto}" protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND sources ${outputs})
  endforeach()

  add_library(${target} STATIC ${sources})
  target_include_directories(${target} SYSTEM PUBLIC "${out_dir}")
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  if(ARG_GRPC)
    target_link_libraries(${target} PUBLIC gRPC::grpc++)
  endif()
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
