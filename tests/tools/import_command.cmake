# `kasane import` (tools/import_command.cc, tools/importer.h; docs/import.md), run through the
# real binary.
kasane_add_test(NAME import_command_test LABEL tools
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/import_command_test.cc
  LIBS kasane::api nlohmann_json::nlohmann_json)
add_dependencies(import_command_test kasane)
