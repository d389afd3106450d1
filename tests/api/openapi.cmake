# The OpenAPI document (api/openapi.h): its embedded base, its test, and the lint.

# api/openapi_base.json is embedded in kasane::api as a raw string literal, generated into the
# build tree. configure_file(COPYONLY) makes the JSON a configure dependency, so editing it
# regenerates the header (file(CONFIGURE) rewrites it only when the text changed) and rebuilds
# api/openapi.cc. (This belongs beside the library in api/CMakeLists.txt; it is here because
# this file is the OpenAPI document's own.)
set(KASANE_OPENAPI_GEN_DIR ${CMAKE_BINARY_DIR}/generated)
configure_file(${CMAKE_SOURCE_DIR}/api/openapi_base.json
  ${KASANE_OPENAPI_GEN_DIR}/api/openapi_base.json COPYONLY)
file(READ ${KASANE_OPENAPI_GEN_DIR}/api/openapi_base.json KASANE_OPENAPI_BASE_TEXT)
string(FIND "${KASANE_OPENAPI_BASE_TEXT}" ")kasane_oa\"" KASANE_OPENAPI_DELIM_AT)
if(NOT KASANE_OPENAPI_DELIM_AT EQUAL -1)
  message(FATAL_ERROR "api/openapi_base.json contains the raw string delimiter")
endif()
file(CONFIGURE OUTPUT ${KASANE_OPENAPI_GEN_DIR}/api/openapi_base.inc
  CONTENT "// Generated from api/openapi_base.json by tests/api/openapi.cmake. Do not edit.
constexpr char kOpenApiBase[] = R\"kasane_oa(@KASANE_OPENAPI_BASE_TEXT@)kasane_oa\";
" @ONLY)
target_include_directories(kasane_api PRIVATE ${KASANE_OPENAPI_GEN_DIR})

kasane_add_test(NAME openapi_test LABEL api
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/openapi_test.cc
  LIBS kasane::api)

# The linter (npm: @redocly/cli, pinned in tools/openapi-lint). Installs nodejs and npm with
# apt-get when npm is missing.
add_test(NAME openapi_lint COMMAND ${CMAKE_SOURCE_DIR}/tools/lint_openapi.sh)
set_tests_properties(openapi_lint PROPERTIES LABELS api TIMEOUT 600)
