# Helpers shared by every Marionette target.

# Warnings for our own code; -Werror when MARIONETTE_WERROR is on.
function(marionette_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  if(MARIONETTE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# The torch headers take 20-50 s to parse: one precompiled header, built once and reused by every target.
add_library(marionette_torch_pch OBJECT ${CMAKE_CURRENT_LIST_DIR}/torch_pch.cpp)
target_link_libraries(marionette_torch_pch PUBLIC torch)
target_precompile_headers(marionette_torch_pch PRIVATE <torch/torch.h> <vector> <string> <memory>)
marionette_warnings(marionette_torch_pch)

function(marionette_use_torch_pch target)
  target_precompile_headers(${target} REUSE_FROM marionette_torch_pch)
endfunction()

# marionette_core_library(<name> SOURCES ... DEPS ... [PRIVATE_DEPS ...])
# Declares core/<name> as library marionette_<name> (alias marionette::<name>) with public headers in
# include/marionette/<name>/.
function(marionette_core_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(marionette_${name} STATIC ${ARG_SOURCES})
  add_library(marionette::${name} ALIAS marionette_${name})
  target_include_directories(marionette_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(marionette_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  marionette_use_torch_pch(marionette_${name})
  marionette_warnings(marionette_${name})
endfunction()
