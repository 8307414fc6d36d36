# misc_target_defaults(<target>): the compile settings every hand-written target of ours uses:
# includes rooted at the repository and warnings as errors (MISC_WERROR).
function(misc_target_defaults target)
  target_include_directories(${target} PUBLIC "${CMAKE_SOURCE_DIR}")
  target_compile_options(${target} PRIVATE ${MISC_WARNINGS})
endfunction()
