# api::MetricsRegistry (api/metrics.h): the Prometheus text format and concurrent updates.
kasane_add_test(NAME metrics_test LABEL api SOURCES metrics_test.cc LIBS kasane::api)
