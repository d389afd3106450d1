# The demo dataset (tools/demo/demo.jsonl, generated from the worked examples) and
# `kasane import` / `kasane demo` through the real binary (docs/import.md).
kasane_add_test(NAME demo_dataset_test LABEL tools
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/demo_dataset_test.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/fixture.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/worked_examples.cc
  LIBS kasane::tools kasane::api nlohmann_json::nlohmann_json)

kasane_add_test(NAME demo_command_test LABEL tools
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/demo_command_test.cc
  LIBS kasane::api nlohmann_json::nlohmann_json)
add_dependencies(demo_command_test kasane)
