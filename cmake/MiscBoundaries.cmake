# misc_check_service_boundaries(SERVICES <name>...)
#
# Fails the configure step when a service library links anything of ours other than the
# platform's service API (misc_service_api, misc_platform) and its own generated code
# (misc_<name>_proto). Third-party targets (absl::, gRPC::, ...) are fine. This is what keeps
# every service splittable into its own binary: see docs/architecture.md.
function(misc_check_service_boundaries)
  cmake_parse_arguments(ARG "" "" "SERVICES" ${ARGN})
  set(allowed misc_platform misc_service_api)
  foreach(service IN LISTS ARG_SERVICES)
    set(target misc_${service})
    set(deps "")
    foreach(property IN ITEMS LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(values ${target} ${property})
      if(values)
        list(APPEND deps ${values})
      endif()
    endforeach()
    list(REMOVE_DUPLICATES deps)
    foreach(dep IN LISTS deps)
      # Strip generator expressions such as $<LINK_ONLY:x>.
      string(REGEX REPLACE "^\\$<[A-Z_]+:(.*)>$" "\\1" dep "${dep}")
      if(NOT dep MATCHES "^misc_")
        continue()
      endif()
      if(dep IN_LIST allowed OR dep STREQUAL "misc_${service}_proto")
        continue()
      endif()
      # NOTICE prints the rule on one unwrapped line (grep-able in CI logs); FATAL_ERROR stops.
      message(NOTICE
        "ERROR: Service boundary violated: service '${service}' (target ${target}) links ${dep}. "
        "Rule: a service library may depend only on the platform (misc_platform, "
        "misc_service_api) and its own generated proto library misc_${service}_proto, "
        "never on another service or its generated code. Move shared code into src/.")
      message(FATAL_ERROR "service boundary violated by ${target} (see above)")
    endforeach()
  endforeach()
endfunction()
