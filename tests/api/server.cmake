# The HTTP API's integration tests: a real server on loopback over real RocksDB.
kasane_add_test(NAME api_server_test LABEL api
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/server_test.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/fixture.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/worked_examples.cc
  LIBS kasane::api)
