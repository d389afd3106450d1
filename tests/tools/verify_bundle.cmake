# tools/verify_bundle.py, the independent audit-bundle verifier, checked against bundles the
# self-test builds and tampers with (needs python3 and python3-nacl).
add_test(NAME verify_bundle_selftest
  COMMAND python3 ${CMAKE_SOURCE_DIR}/tools/verify_bundle_selftest.py
          --vectors ${KASANE_SHARED_DIR}/testdata/rfc6962_vectors.json)
set_tests_properties(verify_bundle_selftest PROPERTIES LABELS tools)
