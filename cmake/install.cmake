# Installing durabench, and the build tree's copy of the installed layout. Included at the end
# of the top-level CMakeLists.txt, which sets DURABENCH_INSTALL_DATADIR and
# DURABENCH_DATA_DIR_FROM_BIN (GNUInstallDirs).
#
# `cmake --install BUILD --prefix PREFIX` installs, all in the install component `core`:
#   bin/durabench                                (src/cli/CMakeLists.txt)
#   share/durabench/workloads/*.toml             the presets          \ found relative to the
#   share/durabench/plot.py                      the report's script  / binary: util/data_dir.h
# The prefix may be moved or copied as a whole afterwards: nothing in it names the prefix.

install(DIRECTORY workloads/ DESTINATION ${DURABENCH_INSTALL_DATADIR}/workloads COMPONENT core
        FILES_MATCHING PATTERN "*.toml")
install(PROGRAMS scripts/plot.py DESTINATION ${DURABENCH_INSTALL_DATADIR} COMPONENT core)

# The build tree mirrors the installed layout, so its binary finds its data by the same rule:
# BUILD/src/cli/durabench -> BUILD/src/share/durabench/, holding symbolic links to the source
# tree's workloads/ and scripts/plot.py (an edited preset is seen without a rebuild). Made on
# every build, before the binary, wherever the binary is written.
set(build_data_dir "$<TARGET_FILE_DIR:durabench>/${DURABENCH_DATA_DIR_FROM_BIN}")
add_custom_target(durabench_build_tree_data
  COMMAND ${CMAKE_COMMAND} -E make_directory ${build_data_dir}
  COMMAND ${CMAKE_COMMAND} -E create_symlink ${PROJECT_SOURCE_DIR}/workloads
          ${build_data_dir}/workloads
  COMMAND ${CMAKE_COMMAND} -E create_symlink ${PROJECT_SOURCE_DIR}/scripts/plot.py
          ${build_data_dir}/plot.py
  VERBATIM)
add_dependencies(durabench durabench_build_tree_data)
