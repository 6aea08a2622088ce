# MARIONETTE_GIT_REVISION: the commit the build was configured from, for --version. A source tarball has no
# .git: then "unknown", unless the packager passes -DMARIONETTE_GIT_REVISION=<revision>.
set(MARIONETTE_GIT_REVISION "" CACHE STRING "Revision shown by --version (empty: ask git at configure time)")
set(MARIONETTE_REVISION_TEXT "${MARIONETTE_GIT_REVISION}")
if(NOT MARIONETTE_REVISION_TEXT)
  set(MARIONETTE_REVISION_TEXT "unknown")
  find_package(Git QUIET)
  if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
    execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
                    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}" OUTPUT_VARIABLE _revision
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _git_result)
    if(_git_result EQUAL 0 AND _revision)
      set(MARIONETTE_REVISION_TEXT "${_revision}")
    endif()
  endif()
endif()
message(STATUS "Marionette ${PROJECT_VERSION}, revision ${MARIONETTE_REVISION_TEXT}")
