# misc_add_server(<binary> SERVICES <service>...)
#
# Makes a gRPC server command that hosts exactly the listed services. Each service library
# `misc_<service>` exports one registration function through its PUBLIC header
# `services/<service>/module.h`; this function generates the small list that main() hands to the
# shared runner, so splitting a service into its own binary is one line of CMake.
function(misc_add_server binary)
  cmake_parse_arguments(ARG "" "" "SERVICES" ${ARGN})
  if(NOT ARG_SERVICES)
    message(FATAL_ERROR "misc_add_server(${binary}): SERVICES is empty")
  endif()
  set(includes "")
  set(entries "")
  set(libs "")
  foreach(service IN LISTS ARG_SERVICES)
    if(NOT TARGET misc_${service})
      message(FATAL_ERROR "misc_add_server(${binary}): no service library misc_${service} "
                          "(expected services/${service}/CMakeLists.txt)")
    endif()
    string(APPEND includes "#include \"services/${service}/module.h\"\n")
    string(APPEND entries "      misc::${service}::Module(),\n")
    list(APPEND libs misc_${service})
  endforeach()
  set(MISC_SERVER_NAME "${binary}")
  set(MISC_SERVICE_INCLUDES "${includes}")
  set(MISC_SERVICE_MODULES "${entries}")
  set(generated "${CMAKE_CURRENT_BINARY_DIR}/${binary}_modules.cc")
  configure_file("${CMAKE_SOURCE_DIR}/cmake/server_modules.cc.in" "${generated}" @ONLY)

  add_executable(${binary} "${CMAKE_SOURCE_DIR}/cmd/server_main.cc" "${generated}")
  misc_target_defaults(${binary})
  target_link_libraries(${binary} PRIVATE misc_platform_server ${libs})
endfunction()
