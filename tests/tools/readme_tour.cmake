# The README's five-minute tour, run from the README text against the README's run command
# (tools/run.sh on a fresh data folder and a free loopback port).
add_test(NAME readme_tour
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/readme_tour.py
          --source ${CMAKE_SOURCE_DIR} --build ${CMAKE_BINARY_DIR})
set_tests_properties(readme_tour PROPERTIES LABELS tools TIMEOUT 900)
