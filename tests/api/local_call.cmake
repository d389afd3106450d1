# ApiServer::Call (in process, as a named principal) against the same server over loopback.
kasane_add_test(NAME api_local_call_test LABEL api
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/local_call_test.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/fixture.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/worked_examples.cc
  LIBS kasane::api)
