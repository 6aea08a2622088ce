#pragma once
// A minimal test harness for the core/ test executables: TEST_CASE registers a function, EXPECT* record
// failures with file and line, and main() runs the cases whose names start with argv[1] and prints
// "N passed, N failed". Core tests stay plain executables with no framework to install.
#include <cmath>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace marionette::test {

struct Case {
    std::string name;
    std::function<void()> body;
};

std::vector<Case>& registry();
void recordFailure(const char* file, int line, const std::string& message);
int runAll(int argc, char** argv);

struct Registrar {
    Registrar(const char* name, std::function<void()> body) { registry().push_back({name, std::move(body)}); }
};

// The folder of checked-in fixtures and a fresh temporary folder per process.
std::string dataPath(const std::string& relative);
std::string tempPath(const std::string& name);

}  // namespace marionette::test

#define MT_CONCAT2(a, b) a##b
#define MT_CONCAT(a, b) MT_CONCAT2(a, b)

#define TEST_CASE(name)                                                             \
    static void name();                                                             \
    static ::marionette::test::Registrar MT_CONCAT(registrar_, name)(#name, &name); \
    static void name()

#define EXPECT(cond)                                                                                    \
    do {                                                                                                \
        if (!(cond)) ::marionette::test::recordFailure(__FILE__, __LINE__, "EXPECT(" #cond ") failed"); \
    } while (0)

#define EXPECT_EQ(a, b)                                                             \
    do {                                                                            \
        const auto mt_a = (a); /* copies: `a` may refer into a temporary */         \
        const auto mt_b = (b);                                                      \
        if (!(mt_a == mt_b)) {                                                      \
            std::ostringstream mt_s;                                                \
            mt_s << "EXPECT_EQ(" #a ", " #b ") failed: " << mt_a << " != " << mt_b; \
            ::marionette::test::recordFailure(__FILE__, __LINE__, mt_s.str());      \
        }                                                                           \
    } while (0)

#define EXPECT_NEAR(a, b, tol)                                                                  \
    do {                                                                                        \
        const double mt_a = static_cast<double>(a);                                             \
        const double mt_b = static_cast<double>(b);                                             \
        if (!(std::fabs(mt_a - mt_b) <= (tol))) {                                               \
            std::ostringstream mt_s;                                                            \
            mt_s << "EXPECT_NEAR(" #a ", " #b ", " #tol ") failed: " << mt_a << " vs " << mt_b; \
            ::marionette::test::recordFailure(__FILE__, __LINE__, mt_s.str());                  \
        }                                                                                       \
    } while (0)

// Expects `expr` to throw an exception of type `type` whose message contains every listed fragment.
#define EXPECT_THROWS(type, expr, ...)                                                                      \
    do {                                                                                                    \
        bool mt_threw = false;                                                                              \
        try {                                                                                               \
            (void)(expr);                                                                                   \
        } catch (const type& mt_e) {                                                                        \
            mt_threw = true;                                                                                \
            const std::string mt_msg = mt_e.what();                                                         \
            for (const std::string& mt_f : std::vector<std::string>{__VA_ARGS__}) {                         \
                if (mt_msg.find(mt_f) == std::string::npos)                                                 \
                    ::marionette::test::recordFailure(__FILE__, __LINE__,                                   \
                                                      "message \"" + mt_msg + "\" lacks \"" + mt_f + "\""); \
            }                                                                                               \
        } catch (const std::exception& mt_e) {                                                              \
            mt_threw = true;                                                                                \
            ::marionette::test::recordFailure(__FILE__, __LINE__,                                           \
                                              std::string("wrong exception type: ") + mt_e.what());         \
        }                                                                                                   \
        if (!mt_threw) ::marionette::test::recordFailure(__FILE__, __LINE__, "no exception from " #expr);   \
    } while (0)
