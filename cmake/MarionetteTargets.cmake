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

# Where quoted includes are found: the includer's folder, then these.
file(GLOB MARIONETTE_INCLUDE_ROOTS LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/core/*/include)
list(APPEND MARIONETTE_INCLUDE_ROOTS ${PROJECT_SOURCE_DIR}/app ${PROJECT_SOURCE_DIR}/tests
     ${PROJECT_SOURCE_DIR}/tests/support ${PROJECT_SOURCE_DIR}/ui/src)

# Sets `out` to whether `file`, or a project header it includes at any depth, includes LibTorch (torch/, ATen/,
# c10/). Read once per file and configure run.
function(marionette_includes_torch file out)
  get_property(known GLOBAL PROPERTY "marionette_torch:${file}" SET)
  if(known)
    get_property(result GLOBAL PROPERTY "marionette_torch:${file}")
    set(${out} ${result} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY "marionette_torch:${file}" OFF)  # an include cycle ends here
  file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include")
  get_filename_component(folder ${file} DIRECTORY)
  set(result OFF)
  foreach(line IN LISTS includes)
    if(line MATCHES "<(torch|ATen|c10)/")
      set(result ON)
    elseif(line MATCHES "\"([^\"]+)\"")
      set(name ${CMAKE_MATCH_1})
      foreach(root IN LISTS folder MARIONETTE_INCLUDE_ROOTS)
        if(EXISTS ${root}/${name})
          marionette_includes_torch(${root}/${name} result)
          break()
        endif()
      endforeach()
    endif()
    if(result)
      break()
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY "marionette_torch:${file}" ${result})
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# Compile a target's sources a few at a time in one translation unit ("unity" batches): each unit loads the torch
# header once and instantiates LibTorch's templates once for its batch. About halves a cold build; an edit then
# recompiles its batch. Sources that include torch are batched apart from those that do not.
option(MARIONETTE_UNITY_BUILD "Compile sources in batches of MARIONETTE_UNITY_BATCH per translation unit" ON)
set(MARIONETTE_UNITY_BATCH 6 CACHE STRING "Sources per unity batch")
add_feature_info(UnityBuild MARIONETTE_UNITY_BUILD "sources compiled in batches (faster cold builds)")

# Puts `sources` of `target` into unity batches named <kind>_<n>; batches of plain sources skip the torch header.
function(_marionette_unity_batches target kind sources)
  list(LENGTH sources count)
  set(position 0)
  foreach(source IN LISTS sources)
    math(EXPR batch "${position} / ${MARIONETTE_UNITY_BATCH}")
    set_source_files_properties(${source} PROPERTIES UNITY_GROUP ${kind}_${batch})
    if(kind STREQUAL "plain")
      # CMake gives the target's header to the generated batch file unless that file says otherwise.
      set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/${target}.dir/Unity/unity_${kind}_${batch}_cxx.cxx
                                  PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
    math(EXPR position "${position} + 1")
  endforeach()
endfunction()

# Gives the precompiled torch header to the sources of `target` that include torch; the others skip it, since
# loading it (570 MB) costs a translation unit 4 s and slows the rest of its compilation too. With
# MARIONETTE_UNITY_BUILD, both kinds are compiled in batches.
function(marionette_use_torch_pch target)
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(torch_sources "")
  set(plain_sources "")
  foreach(source IN LISTS sources)
    if(source MATCHES "^\\$<" OR NOT source MATCHES "\\.(cpp|cc|cxx)$")
      continue()
    endif()
    get_filename_component(path ${source} ABSOLUTE BASE_DIR ${source_dir})
    marionette_includes_torch(${path} uses_torch)
    if(uses_torch)
      list(APPEND torch_sources ${source})
    else()
      list(APPEND plain_sources ${source})
      set_source_files_properties(${source} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  if(torch_sources)
    target_precompile_headers(${target} REUSE_FROM marionette_torch_pch)
    # Qt's generated sources never include torch.
    get_target_property(automoc ${target} AUTOMOC)
    if(automoc)
      set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/${target}_autogen/mocs_compilation.cpp
                                  PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endif()
  if(MARIONETTE_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
    _marionette_unity_batches(${target} torch "${torch_sources}")
    _marionette_unity_batches(${target} plain "${plain_sources}")
  endif()
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
