# The log, verify, audit-bundle and verify-bundle commands through the real binary.
kasane_add_test(NAME cli_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_test.cc
  LIBS kasane::eventstore rocksdb_dep nlohmann_json::nlohmann_json)
add_dependencies(cli_test kasane)
