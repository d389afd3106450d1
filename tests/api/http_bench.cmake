# RunHttpBenchmark (api/http_benchmark.h), a short run against a real server on loopback.
kasane_add_test(NAME http_bench_test LABEL api
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_bench_test.cc
  LIBS kasane::api)
