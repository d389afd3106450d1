# A full disk under a real server: `kasane serve` on a size-limited tmpfs (or, where mounting is
# not permitted, the server in process over a fault-injecting file system).
kasane_add_test(NAME full_disk_test LABEL e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/full_disk_test.cc
  LIBS kasane::api kasane::eventstore rocksdb_dep nlohmann_json::nlohmann_json)
add_dependencies(full_disk_test kasane)
