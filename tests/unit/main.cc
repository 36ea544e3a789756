// Runs every registered CppUnit test; prints each failure and a closing
// "N passed, N failed" line (which ./dev test adds up); exits 1 on failure.
#include <csignal>
#include <cppunit/BriefTestProgressListener.h>
#include <cppunit/CompilerOutputter.h>
#include <cppunit/TestFailure.h>
#include <cppunit/TestListener.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TestRunner.h>
#include <cppunit/extensions/TestFactoryRegistry.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "core/crypto.hh"

namespace {

class Counter : public CppUnit::TestListener {
public:
    void startTest(CppUnit::Test*) override { ++run_; }
    void addFailure(const CppUnit::TestFailure&) override { failed_now_ = true; }
    void endTest(CppUnit::Test*) override {
        if (failed_now_) ++failed_;
        failed_now_ = false;
    }
    int run() const { return run_; }
    int failed() const { return failed_; }

private:
    int run_ = 0;
    int failed_ = 0;
    bool failed_now_ = false;
};

// Tests of SQLite itself, left out when TEST_DATABASE_URL runs the suite on
// PostgreSQL: each reaches into SQLite's own handle or classes.
const char* const kSqliteOnly[] = {
    "DbTest",                                                   // store/sqlite/db: the SQLite handle
    "ResetPageTest::token_used_by_a_parallel_request_meanwhile",  // watches sqlite3_get_autocommit
    "ResetTokensTest::issued_tokens_are_unique",                // holds a SQLite Transaction
    "ResetTokensTest::lifetime_follows_the_configured_ttl",     // builds a SqliteTokens
    "ServeTest::a_page_that_reads_nothing_opens_no_database",   // SQLite's file, opened lazily (PgStore connects at start)
};

bool sqlite_only(const std::string& name) {
    for (const char* n : kSqliteOnly)
        if (name.find(n) != std::string::npos) return true;
    return false;
}

// Tests of the PostgreSQL store itself, run only on PostgreSQL.
bool postgres_only(const std::string& name) { return name.find("PostgresTest") != std::string::npos; }

void leaves(CppUnit::Test* test, std::vector<CppUnit::Test*>& out) {
    if (test->getChildTestCount() == 0) {
        out.push_back(test);
        return;
    }
    for (int i = 0; i < test->getChildTestCount(); ++i) leaves(test->getChildTestAt(i), out);
}

}  // namespace

int main() {
    auth::crypto_init();
    // As in sessionauth-deliver: SmtpMailer's callers ignore SIGPIPE (a
    // server that hangs up must be an error, not the end of the process).
    std::signal(SIGPIPE, SIG_IGN);
    CppUnit::TestResult controller;
    CppUnit::TestResultCollector collector;
    Counter counter;
    CppUnit::BriefTestProgressListener progress;
    controller.addListener(&collector);
    controller.addListener(&counter);
    controller.addListener(&progress);

    CppUnit::TestRunner runner;
    CppUnit::Test* all = CppUnit::TestFactoryRegistry::getRegistry().makeTest();
    runner.addTest(all);
    const char* postgres = std::getenv("TEST_DATABASE_URL");
    if (postgres && *postgres) {
        std::cout << "on PostgreSQL (TEST_DATABASE_URL); SQLite's own tests left out" << std::endl;
        std::vector<CppUnit::Test*> tests;
        leaves(all, tests);
        for (CppUnit::Test* t : tests)
            if (!sqlite_only(t->getName())) controller.runTest(t);
    } else {
        std::vector<CppUnit::Test*> tests;
        leaves(all, tests);
        for (CppUnit::Test* t : tests)
            if (!postgres_only(t->getName())) controller.runTest(t);
    }

    CppUnit::CompilerOutputter outputter(&collector, std::cerr);
    outputter.write();
    std::cout << (counter.run() - counter.failed()) << " passed, " << counter.failed() << " failed" << std::endl;
    return collector.wasSuccessful() ? 0 : 1;
}
