# kasane erase, backup and restore through the real binary.
kasane_add_test(NAME erase_backup_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/erase_backup_test.cc
  LIBS kasane::eventstore nlohmann_json::nlohmann_json)
add_dependencies(erase_backup_test kasane)
