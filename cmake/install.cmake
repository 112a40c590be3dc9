# Installing durabench, the build tree's copy of the installed layout, and the Debian package
# (README, "Install"). Included at the end of the top-level CMakeLists.txt, which sets
# DURABENCH_INSTALL_DATADIR and DURABENCH_DATA_DIR_FROM_BIN (GNUInstallDirs).
#
# `cmake --install BUILD --prefix PREFIX` installs, in the install component `core`:
#   bin/durabench                                (src/cli/CMakeLists.txt)
#   share/durabench/workloads/*.toml             the presets          \ found relative to the
#   share/durabench/plot.py                      the report's script  / binary: util/data_dir.h
#   share/durabench/report.html.j2               its page, read from beside plot.py
#   share/man/man1/durabench.1.gz                docs/durabench.1
#   share/bash-completion/completions/durabench  scripts/durabench-completion.bash
# and, in components `ceph`, `gluster` and `mpi` (cmake/modules.cmake), when they are built:
#   lib/durabench/durabench-ceph.so              \ found relative to the binary:
#   lib/durabench/durabench-gluster.so           | backend/modules.h
#   lib/durabench/durabench-mpi.so               /
# The prefix may be moved or copied as a whole afterwards: nothing in it names the prefix.

install(DIRECTORY workloads/ DESTINATION ${DURABENCH_INSTALL_DATADIR}/workloads COMPONENT core
        FILES_MATCHING PATTERN "*.toml")
install(PROGRAMS scripts/plot.py DESTINATION ${DURABENCH_INSTALL_DATADIR} COMPONENT core)
install(FILES scripts/report.html.j2 DESTINATION ${DURABENCH_INSTALL_DATADIR} COMPONENT core)

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
# tree's workloads/, scripts/plot.py and scripts/report.html.j2 (an edited preset is seen
# without a rebuild; plot.py follows its link to find the template). Made on every build, before
# the binary, wherever the binary is written.
set(build_data_dir "$<TARGET_FILE_DIR:durabench>/${DURABENCH_DATA_DIR_FROM_BIN}")
add_custom_target(durabench_build_tree_data
  COMMAND ${CMAKE_COMMAND} -E make_directory ${build_data_dir}
  COMMAND ${CMAKE_COMMAND} -E create_symlink ${PROJECT_SOURCE_DIR}/workloads
          ${build_data_dir}/workloads
  COMMAND ${CMAKE_COMMAND} -E create_symlink ${PROJECT_SOURCE_DIR}/scripts/plot.py
          ${build_data_dir}/plot.py
  COMMAND ${CMAKE_COMMAND} -E create_symlink ${PROJECT_SOURCE_DIR}/scripts/report.html.j2
          ${build_data_dir}/report.html.j2
  VERBATIM)
add_dependencies(durabench durabench_build_tree_data)

# The Debian package: `cpack -G DEB` in the build directory writes durabench_<version>_<arch>.deb,
# so a machine with a drive under evaluation needs only `apt install ./durabench_*.deb`.
#
# One package per install component (CPACK_DEB_COMPONENT_INSTALL): `core`, packaged as
# `durabench`, with everything above, and one per module (cmake/modules.cmake installs
# PREFIX/lib/durabench/durabench-NAME.so in component NAME): `ceph` as durabench-ceph, `gluster` as
# durabench-gluster, each depending on durabench of the same version. Depends are computed by
# dpkg-shlibdeps (dpkg-dev) from the libraries each package's files link, so durabench depends on
# no Ceph or Gluster library and the drive box needs none; the module packages bring them.
set(DURABENCH_PACKAGE_CONTACT "durabench maintainers <durabench@localhost>" CACHE STRING
    "Maintainer of the Debian package (name <address>)")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME durabench)
set(CPACK_PACKAGE_VENDOR durabench)
set(CPACK_PACKAGE_CONTACT "${DURABENCH_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "storage benchmark and fsync-latency profiler")
set(CPACK_STRIP_FILES ON)  # debug info stays in the build tree
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL core)
if(DURABENCH_HAVE_CEPH)
  list(APPEND CPACK_COMPONENTS_ALL ceph)
  set(CPACK_DEBIAN_CEPH_PACKAGE_NAME durabench-ceph)
  set(CPACK_DEBIAN_CEPH_PACKAGE_DEPENDS "durabench (= ${PROJECT_VERSION})")
  string(CONCAT CPACK_COMPONENT_CEPH_DESCRIPTION
      "durabench's Ceph module: the rados and rbd engines\n"
      "Benchmarks rados://POOL and rbd://POOL/IMAGE targets through librados and\n"
      "librbd, and reads the pool facts of CephFS mounts.")
endif()
if(DURABENCH_HAVE_GFAPI)
  list(APPEND CPACK_COMPONENTS_ALL gluster)
  set(CPACK_DEBIAN_GLUSTER_PACKAGE_NAME durabench-gluster)
  set(CPACK_DEBIAN_GLUSTER_PACKAGE_DEPENDS "durabench (= ${PROJECT_VERSION})")
  string(CONCAT CPACK_COMPONENT_GLUSTER_DESCRIPTION
      "durabench's Gluster module: the gfapi engine\n"
      "Benchmarks gluster://HOST/VOLUME/DIR targets through libgfapi, without FUSE.")
endif()
if(DURABENCH_HAVE_MPI)
  list(APPEND CPACK_COMPONENTS_ALL mpi)
  set(CPACK_DEBIAN_MPI_PACKAGE_NAME durabench-mpi)
  set(CPACK_DEBIAN_MPI_PACKAGE_DEPENDS "durabench (= ${PROJECT_VERSION})")
  string(CONCAT CPACK_COMPONENT_MPI_DESCRIPTION
      "durabench's MPI module: multi-client runs\n"
      "Lets `mpirun -np N durabench run ...` run N clients as one measurement,\n"
      "through Open MPI.")
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_CORE_PACKAGE_NAME durabench)
string(CONCAT CPACK_COMPONENT_CORE_DESCRIPTION
    "What does it cost, in latency, to make a write durable here? durabench\n"
    "measures it on a raw SSD, a local filesystem, a GlusterFS volume or a Ceph\n"
    "cluster, with full latency histograms of every write, flush and commit:\n"
    "power-loss protection verdicts, pre-purchase drive evaluation, backend\n"
    "comparison and a CI regression gate.")
# `durabench report` runs share/durabench/plot.py, which draws with matplotlib and writes the
# page with Jinja2.
set(CPACK_DEBIAN_CORE_PACKAGE_RECOMMENDS "python3, python3-matplotlib, python3-jinja2")
include(CPack)
