# durabench_add_module(NAME SOURCES file.cc... [LIBRARIES lib...] [COMPONENT comp]
#                      [NO_INSTALL] [OUTPUT_DIRECTORY dir])
#
# Builds a durabench module (src/backend/module.h) from one folder: durabench-NAME.so, written to
# the build tree's module directory (BUILD/src/lib/durabench, where the build tree's binary looks,
# as the installed one looks in PREFIX/lib/durabench) and installed there in install component
# COMPONENT (default NAME; cmake/install.cmake makes a Debian package of each component).
# NO_INSTALL: a module of the tests: neither installed nor built with the binary; it is written
# to OUTPUT_DIRECTORY (default: the build tree's module directory).
#
# Two targets: durabench_NAME, an object library of the sources (tests link it to reach the
# module's internals), and durabench-NAME, the module itself. The module links the core libraries
# it uses statically and keeps their symbols hidden: it exports only its two entry points
# (DURABENCH_MODULE), so its copies never clash with the binary's.
set(DURABENCH_BUILD_MODULEDIR "${PROJECT_BINARY_DIR}/src/${DURABENCH_INSTALL_MODULEDIR}")

function(durabench_add_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_INSTALL" "COMPONENT;OUTPUT_DIRECTORY"
                        "SOURCES;LIBRARIES")
  if(NOT arg_COMPONENT)
    set(arg_COMPONENT ${name})
  endif()
  if(NOT arg_OUTPUT_DIRECTORY)
    set(arg_OUTPUT_DIRECTORY "${DURABENCH_BUILD_MODULEDIR}")
  endif()
  add_library(durabench_${name} OBJECT ${arg_SOURCES})
  set_target_properties(durabench_${name} PROPERTIES
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(durabench_${name}
    PUBLIC durabench_backend ${arg_LIBRARIES} PRIVATE durabench_warnings)

  add_library(durabench-${name} MODULE)
  target_link_libraries(durabench-${name} PRIVATE durabench_${name})
  set_target_properties(durabench-${name} PROPERTIES
    PREFIX "" LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIRECTORY}")
  # Nothing of the static core libraries is exported; a symbol missing at link time is an error
  # here rather than at dlopen. (libFuzzer builds link the sanitizer runtime into executables
  # only, so a module there has undefined references by design.)
  target_link_options(durabench-${name} PRIVATE -Wl,--exclude-libs,ALL -Wl,--as-needed)
  if(NOT DURABENCH_FUZZ)
    target_link_options(durabench-${name} PRIVATE -Wl,--no-undefined)
  endif()
  if(NOT arg_NO_INSTALL)
    add_dependencies(durabench durabench-${name})  # building the binary builds its modules
    install(TARGETS durabench-${name} LIBRARY DESTINATION ${DURABENCH_INSTALL_MODULEDIR}
            COMPONENT ${arg_COMPONENT})
  endif()
endfunction()
