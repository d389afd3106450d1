# Kill loop under load (issue 8): the real `kasane serve` SIGKILLed at random moments of a
# concurrent command load and a change-feed long-poll, 25 times, restarted each time; every
# acknowledged command stays in the log, retries replay or append once, `kasane verify` passes,
# projections catch up, the feed resumes without gaps.
kasane_add_test(NAME kill_loop_test LABEL e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/kill_loop_test.cc
  LIBS kasane::api kasane::eventstore nlohmann_json::nlohmann_json)
add_dependencies(kill_loop_test kasane)
