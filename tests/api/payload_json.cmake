# PayloadFromJson and PayloadSchema (api/payload_json.h).
kasane_add_test(NAME payload_json_test LABEL api
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/payload_json_test.cc
  LIBS kasane::api)
