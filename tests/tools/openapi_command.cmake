# `kasane openapi` through the real binary.
kasane_add_test(NAME openapi_command_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/openapi_command_test.cc
  LIBS kasane::eventstore nlohmann_json::nlohmann_json)
add_dependencies(openapi_command_test kasane)
