# Transport and tokens (issue 8 item 6): HTTPS on loopback (the `openssl` command makes the
# certificates), security headers on every answer, throttling of failed authentication.
find_package(spdlog REQUIRED)
kasane_add_test(NAME api_transport_test LABEL api
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/transport_test.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/fixture.cc
    ${CMAKE_SOURCE_DIR}/tests/domain/worked_examples.cc
  LIBS kasane::api spdlog::spdlog)
