# Sanitizer and fuzzing builds (docs/reliability.md, "Sanitizer builds" and "Fuzzing"). Included before
# MarionetteTargets: the shared torch precompiled header must be built with the same flags as the targets
# that reuse it.
#
#   -DMARIONETTE_SANITIZE=address,undefined   every target compiled and linked with these sanitizers
#   -DMARIONETTE_SANITIZE=thread              (any list -fsanitize= takes)
#   -DMARIONETTE_FUZZ=ON                      clang only: coverage for libFuzzer in every target, and the
#                                             fuzz targets of tests/fuzz (tools/fuzz/run.sh configures it)
set(MARIONETTE_SANITIZE "" CACHE STRING "Sanitizers for every target, as -fsanitize= takes them (address,undefined; thread); empty: none")
option(MARIONETTE_FUZZ "Build the libFuzzer targets of tests/fuzz, with coverage instrumentation of every library (clang)" OFF)
add_feature_info(Sanitize MARIONETTE_SANITIZE "sanitizers: ${MARIONETTE_SANITIZE}")
add_feature_info(Fuzz MARIONETTE_FUZZ "libFuzzer targets (tests/fuzz)")

if(MARIONETTE_SANITIZE)
  add_compile_options(-fsanitize=${MARIONETTE_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${MARIONETTE_SANITIZE})
  if(MARIONETTE_SANITIZE MATCHES "undefined")
    # Undefined behaviour stops the program: a report that scrolls past in a test log is no report.
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()

if(MARIONETTE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MARIONETTE_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage only; the fuzz targets themselves link libFuzzer (-fsanitize=fuzzer, tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_link_options(-fsanitize=fuzzer-no-link)
endif()
