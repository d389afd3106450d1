# The OpenAPI document (api/openapi.h): its embedded base, its test, and the lint.

kasane_add_test(NAME openapi_test LABEL api
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/openapi_test.cc
  LIBS kasane::api)

# The linter (npm: @redocly/cli, pinned in tools/openapi-lint). Installs nodejs and npm with
# apt-get when npm is missing.
add_test(NAME openapi_lint COMMAND ${CMAKE_SOURCE_DIR}/tools/lint_openapi.sh)
set_tests_properties(openapi_lint PROPERTIES LABELS api TIMEOUT 600)
