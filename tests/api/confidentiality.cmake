# The confidentiality attack suite (issue 8 item 5): markers in every personal field, every GET
# route for every principal, against grants written from DOMAIN.md. Prints a greppable line:
#   [confidentiality] principals=P routes=R ... leaks=0
find_package(spdlog REQUIRED)
kasane_add_test(NAME api_confidentiality_test LABEL api
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/confidentiality_test.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/fixture.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/worked_examples.cc
  LIBS kasane::api spdlog::spdlog)
