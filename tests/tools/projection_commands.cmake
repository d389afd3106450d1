# kasane rebuild, projections status and bench rebuild through the real binary.
kasane_add_test(NAME projection_commands_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/projection_commands_test.cc
  LIBS kasane::projections nlohmann_json::nlohmann_json)
add_dependencies(projection_commands_test kasane)
