# The bad input of `kasane bench append|rebuild|http`, refused before anything runs.
kasane_add_test(NAME bench_commands_test LABEL tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_commands_test.cc
  LIBS kasane::eventstore)
add_dependencies(bench_commands_test kasane)
