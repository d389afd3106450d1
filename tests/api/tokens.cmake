# api::TokenStore (api/tokens.h) against a real EventLog in a temporary folder.
kasane_add_test(NAME tokens_test LABEL api SOURCES tokens_test.cc
  LIBS kasane::api kasane::eventstore)
