# Where the programs find their data (util/bundled_files.h), what `cmake --install` puts in place, and the
# .deb / .tar.gz that CPack makes of it (packaging/README.md).
include(GNUInstallDirs)

set(MARIONETTE_APP_ID "org.marionette.Marionette" CACHE STRING "Desktop, AppStream and icon name of the editor")
set(MARIONETTE_HOMEPAGE "https://marionette.example.org" CACHE STRING
    "Where the project is published: the package's Homepage and the base of the AppStream screenshot URLs")
set(MARIONETTE_MAINTAINER "Marionette maintainers <maintainers@marionette.example.org>" CACHE STRING
    "The package's Maintainer field")

# --- the data folder -----------------------------------------------------------------------------------
# Installed: <prefix>/share/marionette/{models,samples,presets,face_model}. In the build tree the same names
# are links into the source tree, so a program run from the build tree finds them without a compiled-in path.
set(MARIONETTE_DATA_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/marionette")
set(_data_sources models resources/samples resources/presets resources/face_model)
file(MAKE_DIRECTORY "${PROJECT_BINARY_DIR}/share/marionette")
foreach(_source ${_data_sources})
  get_filename_component(_name "${_source}" NAME)
  file(CREATE_LINK "${PROJECT_SOURCE_DIR}/${_source}" "${PROJECT_BINARY_DIR}/share/marionette/${_name}" SYMBOLIC)
endforeach()

if(MARIONETTE_TORCH_ONLY)
  return()  # the LibTorch-only build is for training machines: nothing to install for users
endif()

# --- install rules ---------------------------------------------------------------------------------------
set(_doc_dir "${CMAKE_INSTALL_DATADIR}/doc/marionette")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/models/" DESTINATION "${MARIONETTE_DATA_INSTALL_DIR}/models")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/resources/samples/" DESTINATION "${MARIONETTE_DATA_INSTALL_DIR}/samples")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/resources/presets/" DESTINATION "${MARIONETTE_DATA_INSTALL_DIR}/presets")
# The licence text of the face model's mean shape is Apache-2.0, which Debian ships in common-licenses
# (the copyright file points there).
install(DIRECTORY "${PROJECT_SOURCE_DIR}/resources/face_model/" DESTINATION "${MARIONETTE_DATA_INSTALL_DIR}/face_model"
        PATTERN "LICENSE-*" EXCLUDE)

set(_linux "${PROJECT_SOURCE_DIR}/packaging/linux")
set(_generated "${PROJECT_BINARY_DIR}/packaging")
configure_file("${_linux}/marionette.desktop.in" "${_generated}/${MARIONETTE_APP_ID}.desktop" @ONLY)
configure_file("${_linux}/marionette.metainfo.xml.in" "${_generated}/${MARIONETTE_APP_ID}.metainfo.xml" @ONLY)
install(FILES "${_generated}/${MARIONETTE_APP_ID}.desktop" DESTINATION "${CMAKE_INSTALL_DATADIR}/applications")
install(FILES "${_generated}/${MARIONETTE_APP_ID}.metainfo.xml" DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo")
install(FILES "${_linux}/marionette-mime.xml" DESTINATION "${CMAKE_INSTALL_DATADIR}/mime/packages"
        RENAME "${MARIONETTE_APP_ID}.xml")
install(FILES "${PROJECT_SOURCE_DIR}/packaging/icons/marionette.svg" DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps"
        RENAME "${MARIONETTE_APP_ID}.svg")
foreach(_size 16 32 48 64 128 256)
  install(FILES "${PROJECT_SOURCE_DIR}/packaging/icons/marionette-${_size}.png"
          DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/${_size}x${_size}/apps" RENAME "${MARIONETTE_APP_ID}.png")
endforeach()

# Debian's documentation files, compressed as Debian policy asks (gzip -9n: no name, no time stamp).
find_program(MARIONETTE_GZIP gzip REQUIRED)
add_custom_command(OUTPUT "${_generated}/changelog.gz"
  COMMAND "${MARIONETTE_GZIP}" -9n -c "${PROJECT_SOURCE_DIR}/packaging/changelog" > "${_generated}/changelog.gz"
  DEPENDS "${PROJECT_SOURCE_DIR}/packaging/changelog" VERBATIM)
add_custom_target(marionette_docs ALL DEPENDS "${_generated}/changelog.gz")
install(FILES "${PROJECT_SOURCE_DIR}/packaging/copyright" "${_generated}/changelog.gz" DESTINATION "${_doc_dir}")

# Manual pages from the programs' --help (help2man): made when help2man is installed (packaging/install-deps.sh).
find_program(MARIONETTE_HELP2MAN help2man)
if(MARIONETTE_HELP2MAN AND TARGET marionette-cli AND TARGET marionette-train AND TARGET marionette)
  set(_man_pages)
  set(_name_marionette "photo editor that re-poses people by dragging their skeleton")
  set(_name_marionette-cli "re-pose people in photos, detect skeletons and faces, from the command line")
  set(_name_marionette-train "train Marionette's re-posing network")
  foreach(_program marionette marionette-cli marionette-train)
    set(_help_option --help)
    if(_program STREQUAL "marionette-cli")
      set(_help_option "help --all")
    endif()
    set(_page "${_generated}/man/${_program}.1.gz")
    add_custom_command(OUTPUT "${_page}"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${_generated}/man"
      COMMAND ${CMAKE_COMMAND} -E env OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen
              "${MARIONETTE_HELP2MAN}" --no-info --no-discard-stderr --help-option=${_help_option}
              --version-string=${PROJECT_VERSION}
              "--name=${_name_${_program}}" --section=1
              --include=${PROJECT_SOURCE_DIR}/packaging/man/${_program}.h2m
              --output=${_generated}/man/${_program}.1 $<TARGET_FILE:${_program}>
      COMMAND "${MARIONETTE_GZIP}" -9nf "${_generated}/man/${_program}.1"
      DEPENDS ${_program} "${PROJECT_SOURCE_DIR}/packaging/man/${_program}.h2m"
      COMMENT "Manual page of ${_program}" VERBATIM)
    list(APPEND _man_pages "${_page}")
  endforeach()
  add_custom_target(marionette_man_pages ALL DEPENDS ${_man_pages})
  install(FILES ${_man_pages} DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
else()
  message(STATUS "help2man not found: no manual pages (packaging/install-deps.sh installs it)")
endif()

# --- CPack: .deb and .tar.gz -------------------------------------------------------------------------------
set(CPACK_PACKAGE_NAME "marionette")
set(CPACK_PACKAGE_VENDOR "Marionette")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${MARIONETTE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "re-pose people in photos with a neural network")
set(CPACK_PACKAGE_DESCRIPTION_FILE "${PROJECT_SOURCE_DIR}/packaging/description.txt")
set(CPACK_PACKAGE_HOMEPAGE_URL "${MARIONETTE_HOMEPAGE}")
set(CPACK_PACKAGE_FILE_NAME "marionette-${PROJECT_VERSION}-${CMAKE_SYSTEM_PROCESSOR}")
set(CPACK_GENERATOR "DEB;TGZ")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGE_CHECKSUM SHA256)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # marionette_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE "")
set(CPACK_DEBIAN_PACKAGE_SECTION "graphics")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends from the libraries the programs link (dpkg-shlibdeps)
# What no library link says: dlib's landmark model, read by portraits and face detection.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libdlib-data")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE "xz")
include(CPack)
