# `kasane backup` while `kasane serve` runs (tools/control_socket.h): the control socket alone,
# in-process, and the real binaries under load (backup, restore, verify).
kasane_add_test(NAME control_socket_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/control_socket_test.cc
  LIBS kasane::tools nlohmann_json::nlohmann_json)
kasane_add_test(NAME online_backup_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/online_backup_test.cc
  LIBS kasane::api nlohmann_json::nlohmann_json)
add_dependencies(online_backup_test kasane)
