# cmake -DSERVICES_DIR=<dir> -P check_service_includes.cmake
#
# Scans every source file under SERVICES_DIR/<service>/ for #include lines that reach into
# another service: its folder ("services/<other>/...", or a relative path that resolves
# there) or its generated code ("misc/<other>/v1/..."). Prints every violation with the file,
# the include and the rule, and fails if there is any.
if(NOT SERVICES_DIR OR NOT IS_DIRECTORY "${SERVICES_DIR}")
  message(FATAL_ERROR "usage: cmake -DSERVICES_DIR=<services dir> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
get_filename_component(services_root "${SERVICES_DIR}" ABSOLUTE)
file(GLOB service_dirs LIST_DIRECTORIES true "${services_root}/*")
set(services "")
foreach(dir IN LISTS service_dirs)
  if(IS_DIRECTORY "${dir}")
    get_filename_component(name "${dir}" NAME)
    list(APPEND services "${name}")
  endif()
endforeach()

set(violations 0)
foreach(service IN LISTS services)
  file(GLOB_RECURSE files "${services_root}/${service}/*.h" "${services_root}/${service}/*.cc"
       "${services_root}/${service}/*.cpp" "${services_root}/${service}/*.hpp")
  foreach(file IN LISTS files)
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
    file(RELATIVE_PATH shown "${services_root}/.." "${file}")
    get_filename_component(file_dir "${file}" DIRECTORY)
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">].*$" "\\1" path "${line}")
      set(other "")
      if(path MATCHES "^services/([^/]+)/")
        set(other "${CMAKE_MATCH_1}")
      elseif(path MATCHES "^misc/([^/]+)/")
        set(other "${CMAKE_MATCH_1}")
      elseif(path MATCHES "^\\.\\.?/")
        get_filename_component(resolved "${file_dir}/${path}" ABSOLUTE)
        string(FIND "${resolved}" "${services_root}/" at)
        if(at EQUAL 0)
          file(RELATIVE_PATH inside "${services_root}" "${resolved}")
          string(REGEX REPLACE "/.*$" "" other "${inside}")
        endif()
      endif()
      if(other AND NOT other STREQUAL service)
        message(NOTICE
          "ERROR: Service boundary violated: ${shown} includes \"${path}\", which belongs to service "
          "'${other}'. Rule: service '${service}' may include only src/, its own files and its "
          "own generated code (misc/${service}/...). Move shared code into src/.")
        math(EXPR violations "${violations} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations GREATER 0)
  message(FATAL_ERROR "${violations} service boundary violation(s)")
endif()
list(LENGTH services count)
message(STATUS "service includes OK (${count} services)")
