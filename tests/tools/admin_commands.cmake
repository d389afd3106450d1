# `kasane init`, `kasane agency add`, `kasane staff add|deactivate` (tools/admin_commands.cc), run
# through the real binary.
kasane_add_test(NAME admin_commands_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/admin_commands_test.cc
  LIBS kasane::api nlohmann_json::nlohmann_json)
add_dependencies(admin_commands_test kasane)
