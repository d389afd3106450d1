# `kasane token issue|revoke|list` (tools/token_commands.cc), run through the real binary.
kasane_add_test(NAME token_commands_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/token_commands_test.cc
  LIBS kasane::api nlohmann_json::nlohmann_json)
add_dependencies(token_commands_test kasane)
