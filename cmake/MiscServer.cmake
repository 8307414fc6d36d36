# misc_add_server(<binary> SOURCES <main.cc> SERVICES <service>...)
#
# Makes a gRPC server command from its main.cc, which lists the modules it hosts in C++
# (`{misc::restaurant::Module(), ...}`) and hands them to misc::server::ServerMain, and links
# exactly the listed service libraries `misc_<service>`. A module named in main.cc but not
# listed here fails to link; a service listed here but not in main.cc is linked and unused.
#
# It also registers the binary, so nothing else needs an edit per server binary: the
# aggregate target `misc-servers` builds every one (the Dockerfile and CI build that), and
# misc_write_server_manifest() lists them for the image build and the tests.
function(misc_add_server binary)
  _misc_add_server_binary(misc_add_server ${binary} misc_platform_server MISC_SERVER_BINARIES
                          ${ARGN})
endfunction()

# misc_add_rest_server(<binary> SOURCES <main.cc> SERVICES <service>...)
#
# misc_add_server's twin for HTTP/JSON binaries: main.cc hands its modules to
# misc::rest::RestMain instead of ServerMain, and the binary links misc_platform_rest. Any subset
# of the services can be served over REST this way, as over gRPC. Registered in the aggregate
# target misc-servers and in rest_servers.tsv (misc_write_server_manifest).
function(misc_add_rest_server binary)
  _misc_add_server_binary(misc_add_rest_server ${binary} misc_platform_rest MISC_REST_BINARIES
                          ${ARGN})
endfunction()

# What both make: `binary` from SOURCES, linked with `platform` and exactly the SERVICES'
# libraries, in misc-servers and in the global list `registry`.
function(_misc_add_server_binary caller binary platform registry)
  cmake_parse_arguments(ARG "" "" "SOURCES;SERVICES" ${ARGN})
  if(NOT ARG_SOURCES OR NOT ARG_SERVICES)
    message(FATAL_ERROR "${caller}(${binary}): SOURCES and SERVICES are required")
  endif()
  set(libs "")
  foreach(service IN LISTS ARG_SERVICES)
    if(NOT TARGET misc_${service})
      message(FATAL_ERROR "${caller}(${binary}): no service library misc_${service} "
                          "(expected services/${service}/CMakeLists.txt)")
    endif()
    list(APPEND libs misc_${service})
  endforeach()
  add_executable(${binary} ${ARG_SOURCES})
  misc_target_defaults(${binary})
  target_link_libraries(${binary} PRIVATE ${platform} ${libs})

  if(NOT TARGET misc-servers)
    add_custom_target(misc-servers)
  endif()
  add_dependencies(misc-servers ${binary})
  set_property(GLOBAL APPEND PROPERTY ${registry} ${binary})
  set_property(TARGET ${binary} PROPERTY MISC_HOSTED_SERVICES ${ARG_SERVICES})
endfunction()

# misc_grpc_services_of(<out-var> <service>)
#
# Sets <out-var> to the full gRPC names (package.Service) that proto/misc/<service>/v1/
# <service>.proto declares: what a binary hosting that service must serve.
function(misc_grpc_services_of out service)
  set(proto "${CMAKE_SOURCE_DIR}/proto/misc/${service}/v1/${service}.proto")
  # (No `;` in the patterns: file(STRINGS) returns a CMake list, where `;` separates items.)
  file(STRINGS "${proto}" package_line REGEX "^package [a-z0-9_.]+")
  file(STRINGS "${proto}" service_lines REGEX "^service [A-Za-z0-9_]+ ")
  string(REGEX MATCH "^package [a-z0-9_.]+" package "${package_line}")
  string(REPLACE "package " "" package "${package}")
  set(names "")
  foreach(line IN LISTS service_lines)
    string(REGEX REPLACE "^service ([A-Za-z0-9_]+) .*" "\\1" name "${line}")
    list(APPEND names "${package}.${name}")
  endforeach()
  if(NOT package OR NOT names)
    message(FATAL_ERROR "${proto}: found no package or service declaration")
  endif()
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

# misc_joined_grpc_services(<out-var> <service>...): every gRPC service of the services,
# comma-separated.
function(misc_joined_grpc_services out)
  set(joined "")
  foreach(service IN LISTS ARGN)
    misc_grpc_services_of(names ${service})
    list(APPEND joined ${names})
  endforeach()
  list(JOIN joined "," joined)
  set(${out} "${joined}" PARENT_SCOPE)
endfunction()

# _misc_manifest_lines(<out-var> <binary>...): one manifest line a binary,
# "<binary>\t<path relative to the build tree>\t<gRPC service>,<gRPC service>...\n".
function(_misc_manifest_lines out)
  set(content "")
  foreach(binary IN LISTS ARGN)
    get_target_property(services ${binary} MISC_HOSTED_SERVICES)
    misc_joined_grpc_services(grpc_names ${services})
    get_target_property(dir ${binary} BINARY_DIR)
    file(RELATIVE_PATH dir "${CMAKE_BINARY_DIR}" "${dir}")
    string(APPEND content "${binary}\t${dir}/${binary}\t${grpc_names}\n")
  endforeach()
  set(${out} "${content}" PARENT_SCOPE)
endfunction()

# misc_write_server_manifest()
#
# Called once every server binary is added (end of cmd/CMakeLists.txt). Writes
# ${CMAKE_BINARY_DIR}/servers.tsv, one line per server binary:
#   <binary>\t<path relative to the build tree>\t<gRPC service>,<gRPC service>...
# after a first line `#services\t\t<every gRPC service of services/>`, what a binary that does
# not host one must not serve.
# The Dockerfile's build stage makes an image file set for each line; server_binaries_test
# starts each binary and checks that it serves exactly those gRPC services.
# It also writes ${CMAKE_BINARY_DIR}/rest_servers.tsv, the same lines for every binary of
# misc_add_rest_server (the gRPC services it serves over HTTP).
function(misc_write_server_manifest)
  get_property(binaries GLOBAL PROPERTY MISC_SERVER_BINARIES)
  get_property(all_services GLOBAL PROPERTY MISC_SERVICES)
  misc_joined_grpc_services(all_names ${all_services})
  _misc_manifest_lines(lines ${binaries})
  file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/servers.tsv"
       CONTENT "#services\t\t${all_names}\n${lines}")
  get_property(rest_binaries GLOBAL PROPERTY MISC_REST_BINARIES)
  _misc_manifest_lines(lines ${rest_binaries})
  file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/rest_servers.tsv" CONTENT "${lines}")
endfunction()
