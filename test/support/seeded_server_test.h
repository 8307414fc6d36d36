#ifndef MISC_TEST_SUPPORT_SEEDED_SERVER_TEST_H_
#define MISC_TEST_SUPPORT_SEEDED_SERVER_TEST_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "test/support/misc_server.h"
#include "test/support/postgres.h"

namespace misc::testing {

// A test suite whose tests share one misc-server on the seeded database (SeededDatabaseUrl)
// and call it through a `Service` stub. The server starts once per suite and stops after it.
template <typename Service>
class SeededServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = new std::string(SeededDatabaseUrl());
    server_ = ServerProcess::Start(*database_url_).release();
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete database_url_;
    database_url_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    stub_ = Service::NewStub(server_->channel());
  }

  static inline std::string* database_url_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
  std::unique_ptr<typename Service::Stub> stub_;
};

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_SEEDED_SERVER_TEST_H_
