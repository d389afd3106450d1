# `kasane serve` (tools/server_commands.cc): configuration (flags, environment, config file),
# TLS, the example config, graceful SIGTERM; the real binary as a child process.
kasane_add_test(NAME serve_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/serve_test.cc
  LIBS kasane::api nlohmann_json::nlohmann_json)
add_dependencies(serve_test kasane)
