# misc_add_server(<binary> SOURCES <main.cc> SERVICES <service>...)
#
# Makes a gRPC server command from its main.cc, which lists the modules it hosts in C++
# (`{misc::restaurant::Module(), ...}`) and hands them to misc::server::ServerMain, and links
# exactly the listed service libraries `misc_<service>`. A module named in main.cc but not
# listed here fails to link; a service listed here but not in main.cc is linked and unused.
function(misc_add_server binary)
  cmake_parse_arguments(ARG "" "" "SOURCES;SERVICES" ${ARGN})
  if(NOT ARG_SOURCES OR NOT ARG_SERVICES)
    message(FATAL_ERROR "misc_add_server(${binary}): SOURCES and SERVICES are required")
  endif()
  set(libs "")
  foreach(service IN LISTS ARG_SERVICES)
    if(NOT TARGET misc_${service})
      message(FATAL_ERROR "misc_add_server(${binary}): no service library misc_${service} "
                          "(expected services/${service}/CMakeLists.txt)")
    endif()
    list(APPEND libs misc_${service})
  endforeach()
  add_executable(${binary} ${ARG_SOURCES})
  misc_target_defaults(${binary})
  target_link_libraries(${binary} PRIVATE misc_platform_server ${libs})
endfunction()
