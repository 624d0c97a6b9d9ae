# Install rules, the `tools` target and the Debian package (CPack).
#
# Layout (GNUInstallDirs; scripts/build.sh configures CMAKE_INSTALL_PREFIX=/usr, the Debian
# layout, so sysconfdir is /etc):
#   bin/                       the tools (SRP_TOOLS below)
#   lib/srp-toolkit/           libsrp-sg-preload.so (srp-sg looks in ../lib/srp-toolkit)
#   share/doc/srp-toolkit/     README, docs/*.md, examples/
#   share/man/man1/            one page per tool, generated from its --help
#   share/bash-completion/completions/
#   <sysconfdir>/srp-toolkit/srp-target.conf, <sysconfdir>/default/srp-target
#   lib/systemd/system/        srp-target.service (+ srp-daemon units when the daemon exists)
include(GNUInstallDirs)

# Every executable a user runs. A new tool adds itself here (and gets installed, a man page,
# completion, and a place in the `tools` target that the README's first command builds).
set(SRP_TOOLS srp-target srp-admin srp-discover srp-login srp-io srp-sg srp-attach srp-perf
    srp-fabric-bench srp-target-bench srp-handler-bench)
foreach(tool IN ITEMS srp-daemon)
  if(TARGET ${tool})
    list(APPEND SRP_TOOLS ${tool})
  endif()
endforeach()

# `cmake --build build --target tools`: everything the main job needs, no test suite.
add_custom_target(tools)
add_dependencies(tools ${SRP_TOOLS} srp_sg_preload)

install(TARGETS ${SRP_TOOLS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS srp_sg_preload LIBRARY DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/srp-toolkit)

set(SRP_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/srp-toolkit)
install(FILES README.md docs/architecture.md docs/soft-fabric-protocol.md DESTINATION ${SRP_DOCDIR})
install(DIRECTORY examples/ DESTINATION ${SRP_DOCDIR}/examples)

# Configuration and service files, with the installed paths filled in.
set(SRP_CONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/srp-toolkit)
set(SRP_BINDIR ${CMAKE_INSTALL_FULL_BINDIR})
set(SRP_UNITDIR ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
install(FILES examples/srp-target.conf DESTINATION ${SRP_CONFDIR})
configure_file(packaging/srp-target.default.in ${CMAKE_BINARY_DIR}/packaging/srp-target @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/srp-target
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/default)
set(SRP_UNITS srp-target.service)
if(TARGET srp-daemon)
  list(APPEND SRP_UNITS srp-daemon.service srp-daemon-port@.service)
  configure_file(packaging/srp-daemon.default.in ${CMAKE_BINARY_DIR}/packaging/srp-daemon @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/srp-daemon
          DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/default)
endif()
foreach(unit IN LISTS SRP_UNITS)
  configure_file(packaging/systemd/${unit}.in ${CMAKE_BINARY_DIR}/packaging/systemd/${unit} @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/systemd/${unit} DESTINATION ${SRP_UNITDIR})
endforeach()

# Man pages: generated from each tool's --help at build time (scripts/gen-man.sh).
set(SRP_MAN_PAGES)
foreach(tool IN LISTS SRP_TOOLS)
  set(page ${CMAKE_BINARY_DIR}/man/${tool}.1)
  add_custom_command(OUTPUT ${page}
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/gen-man.sh $<TARGET_FILE:${tool}> ${PROJECT_VERSION} ${page}
    DEPENDS ${tool} ${PROJECT_SOURCE_DIR}/scripts/gen-man.sh
    COMMENT "man page ${tool}.1" VERBATIM)
  list(APPEND SRP_MAN_PAGES ${page})
endforeach()
add_custom_target(man ALL DEPENDS ${SRP_MAN_PAGES})
add_dependencies(tools man)
install(FILES ${SRP_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# Bash completion: one script, linked under every tool's name (bash-completion loads by name).
install(FILES packaging/srp-toolkit.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME srp-target)
foreach(tool IN LISTS SRP_TOOLS)
  if(NOT tool STREQUAL "srp-target")
    install(CODE "file(CREATE_LINK srp-target
      \"\$ENV{DESTDIR}${CMAKE_INSTALL_FULL_DATADIR}/bash-completion/completions/${tool}\" SYMBOLIC)")
  endif()
endforeach()

# ---- Debian package: cpack -G DEB (from the build directory, or --config build/CPackConfig.cmake).
set(CPACK_PACKAGE_NAME srp-toolkit)
set(CPACK_PACKAGE_VENDOR "srp-toolkit developers")
set(CPACK_PACKAGE_CONTACT "srp-toolkit developers <srp-toolkit@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "user-space SCSI RDMA Protocol target, initiator tools and performance harness")
set(CPACK_PACKAGE_DESCRIPTION "srp-target serves disks, files or a null device over SRP \
(InfiniBand/RoCE through rdma-core, or a soft fabric without RDMA hardware), configured like \
SCST. srp-discover, srp-login, srp-sg and srp-attach find and use targets; srp-perf measures \
tuning choices.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the libraries the binaries link
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fuse3, sg3-utils")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "fio, rdma-core")
configure_file(packaging/debian/conffiles.in ${CMAKE_BINARY_DIR}/packaging/debian/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/packaging/debian/conffiles)
include(CPack)
