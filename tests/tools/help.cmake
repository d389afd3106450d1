# Every command's --help, found by walking the command tree the binary prints: examples, and
# --data defaulting to ./data.
kasane_add_test(NAME help_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/help_test.cc
  LIBS kasane::eventstore)
add_dependencies(help_test kasane)
