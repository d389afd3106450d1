# `kasane export` (tools/export_command.cc), run through the real binary on a data folder built
# in process with ApiServer::Call from the 8050 household's story (tests/domain/worked_examples).
kasane_add_test(NAME export_test LABEL tools
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/export_test.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/fixture.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/worked_examples.cc
  LIBS kasane::api nlohmann_json::nlohmann_json)
add_dependencies(export_test kasane)
