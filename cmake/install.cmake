# Installing durabench, and the build tree's copy of the installed layout. Included at the end
# of the top-level CMakeLists.txt, which sets DURABENCH_INSTALL_DATADIR and
# DURABENCH_DATA_DIR_FROM_BIN (GNUInstallDirs).
#
# `cmake --install BUILD --prefix PREFIX` installs, all in the install component `core`:
#   bin/durabench                                (src/cli/CMakeLists.txt)
#   share/durabench/workloads/*.toml             the presets          \ found relative to the
#   share/durabench/plot.py                      the report's script  / binary: util/data_dir.h
#   share/man/man1/durabench.1.gz                docs/durabench.1
#   share/bash-completion/completions/durabench  scripts/durabench-completion.bash
# The prefix may be moved or copied as a whole afterwards: nothing in it names the prefix.

install(DIRECTORY workloads/ DESTINATION ${DURABENCH_INSTALL_DATADIR}/workloads COMPONENT core
        FILES_MATCHING PATTERN "*.toml")
install(PROGRAMS scripts/plot.py DESTINATION ${DURABENCH_INSTALL_DATADIR} COMPONENT core)

# Debian installs manual pages compressed (policy 12.1); -n leaves out the name and time, so
# the same page makes the same file.
set(man_gz ${CMAKE_CURRENT_BINARY_DIR}/durabench.1.gz)
add_custom_command(OUTPUT ${man_gz}
  COMMAND sh -c "gzip -9 -n -c \"$1\" > \"$2\"" sh ${PROJECT_SOURCE_DIR}/docs/durabench.1 ${man_gz}
  DEPENDS docs/durabench.1
  COMMENT "Compressing the manual page durabench.1"
  VERBATIM)
add_custom_target(durabench_man ALL DEPENDS ${man_gz})
install(FILES ${man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT core)
# bash-completion loads completions/NAME on demand, when NAME is first completed.
install(FILES scripts/durabench-completion.bash RENAME durabench
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT core)

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
