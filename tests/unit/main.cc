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

#include <iostream>

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
    runner.addTest(CppUnit::TestFactoryRegistry::getRegistry().makeTest());
    runner.run(controller);

    CppUnit::CompilerOutputter outputter(&collector, std::cerr);
    outputter.write();
    std::cout << (counter.run() - counter.failed()) << " passed, " << counter.failed() << " failed" << std::endl;
    return collector.wasSuccessful() ? 0 : 1;
}
