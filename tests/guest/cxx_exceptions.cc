// build: -std=c++17
/* cxx_exceptions.cc — C++ exception handling (unwinder, personality
 * routine, .eh_frame parsing in a static binary): throw/catch across several
 * frames, catch by base class, custom exception classes and what(),
 * rethrow with `throw;`, std::exception_ptr (current_exception /
 * rethrow_exception), nested exceptions, function-try-blocks, standard
 * library exceptions (out_of_range, bad_alloc, bad_cast, invalid_argument),
 * catch(...), uncaught_exceptions(), exceptions thrown and caught in a
 * std::thread and transferred to main, and destructors of automatic
 * objects run during unwinding — the order is printed. */
#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

static int failures;
#define CHECK(cond, ...) do { bool c_ = (cond); std::printf("%s ", c_ ? "ok  " : "FAIL"); \
    std::printf(__VA_ARGS__); std::printf("\n"); if (!c_) failures++; } while (0)

static std::string trace;

struct Guard {
    const char *name;
    explicit Guard(const char *n) : name(n) { trace += std::string("+") + name + " "; }
    ~Guard()
    {
        trace += std::string("-") + name;
        if (std::uncaught_exceptions() > 0)
            trace += "(unwinding)";
        trace += " ";
    }
};

struct AppError : std::runtime_error {
    int code;
    AppError(const std::string &m, int c) : std::runtime_error(m), code(c) {}
};
struct DbError : AppError {
    DbError(const std::string &m) : AppError("db: " + m, 500) {}
};

static void level3(int v)
{
    Guard g("level3");
    if (v > 2)
        throw DbError("connection lost");
}
static void level2(int v)
{
    Guard g("level2");
    level3(v + 1);
}
static void level1(int v)
{
    Guard g("level1");
    level2(v + 1);
}

static int rethrow_count;
static void rethrower()
{
    try {
        throw std::logic_error("original");
    } catch (std::exception &) {
        rethrow_count++;
        throw; // same object
    }
}

struct Member {
    Member() { throw std::invalid_argument("member ctor failed"); }
};
struct Holder {
    Guard g{"holder.g"};
    Member m;
    Holder() try : m() {
    } catch (const std::invalid_argument &e) {
        trace += std::string("[ctor-catch: ") + e.what() + "] ";
        // implicitly rethrown
    }
};

static void nested_thrower()
{
    try {
        throw std::runtime_error("inner");
    } catch (...) {
        std::throw_with_nested(std::logic_error("outer"));
    }
}

static std::string unwrap(const std::exception &e, int depth = 0)
{
    std::string s = std::string(depth ? " <- " : "") + e.what();
    try {
        std::rethrow_if_nested(e);
    } catch (const std::exception &inner) {
        s += unwrap(inner, depth + 1);
    }
    return s;
}

struct Base { virtual ~Base() {} };
struct Derived : Base {};
struct Other : Base {};

int main()
{
    // 1. across frames, caught by base class, destructor order
    trace.clear();
    try {
        Guard top("main");
        level1(1);
        CHECK(false, "not reached");
    } catch (const AppError &e) {
        CHECK(e.code == 500 && std::string(e.what()) == "db: connection lost", "caught DbError as AppError: what()=\"%s\" code=%d", e.what(), e.code);
    }
    std::printf("     unwind order: %s\n", trace.c_str());
    CHECK(trace == "+main +level1 +level2 +level3 -level3(unwinding) -level2(unwinding) -level1(unwinding) -main(unwinding) ",
          "destructors ran innermost first, during unwinding");

    // 2. no exception: destructors in normal order, uncaught_exceptions() == 0
    trace.clear();
    level1(-10);
    CHECK(trace == "+level1 +level2 +level3 -level3 -level2 -level1 ", "normal return: %s", trace.c_str());

    // 3. catch clauses are tried in order; std::exception catches all std types
    int which = 0;
    try {
        throw std::out_of_range("range");
    } catch (const std::invalid_argument &) {
        which = 1;
    } catch (const std::logic_error &e) {
        which = 2;
    } catch (...) {
        which = 3;
    }
    CHECK(which == 2, "out_of_range caught by logic_error clause (clause %d)", which);

    // 4. rethrow keeps the same object
    try {
        rethrower();
    } catch (const std::logic_error &e) {
        CHECK(rethrow_count == 1 && std::string(e.what()) == "original", "rethrown with `throw;`: what()=\"%s\"", e.what());
    }

    // 5. exception_ptr
    std::exception_ptr ep;
    try {
        throw AppError("stored", 7);
    } catch (...) {
        ep = std::current_exception();
    }
    CHECK(ep != nullptr, "current_exception captured");
    try {
        std::rethrow_exception(ep);
    } catch (const AppError &e) {
        CHECK(e.code == 7, "rethrow_exception: AppError code %d", e.code);
    }

    // 6. nested exceptions
    try {
        nested_thrower();
    } catch (const std::exception &e) {
        std::string chain = unwrap(e);
        CHECK(chain == "outer <- inner", "nested: %s", chain.c_str());
    }

    // 7. function-try-block in a constructor, member already constructed is destroyed
    trace.clear();
    try {
        Holder h;
    } catch (const std::invalid_argument &e) {
        CHECK(true, "constructor failure propagated: %s", e.what());
    }
    std::printf("     constructor trace: %s\n", trace.c_str());
    CHECK(trace == "+holder.g -holder.g(unwinding) [ctor-catch: member ctor failed] ", "members destroyed before the handler runs");

    // 8. standard library exceptions
    std::vector<int> v(3);
    try {
        v.at(10) = 1;
    } catch (const std::out_of_range &) {
        CHECK(true, "vector::at(10) threw std::out_of_range");
    }
    try {
        std::size_t huge = static_cast<std::size_t>(1) << 62;
        char *p = new char[huge];
        p[0] = 1;
        delete[] p;
        CHECK(false, "new of 2^62 bytes succeeded?");
    } catch (const std::bad_alloc &e) {
        CHECK(true, "new char[2^62] threw std::bad_alloc");
    }
    Other o;
    Base &b = o;
    try {
        Derived &d = dynamic_cast<Derived &>(b);
        (void)d;
    } catch (const std::bad_cast &) {
        CHECK(true, "dynamic_cast to the wrong reference type threw std::bad_cast");
    }
    try {
        (void)std::stoi("not a number");
    } catch (const std::invalid_argument &) {
        CHECK(true, "std::stoi(\"not a number\") threw std::invalid_argument");
    }

    // 9. non-class exceptions and catch(...)
    try {
        throw 42;
    } catch (int i) {
        CHECK(i == 42, "throw 42 caught as int %d", i);
    }
    try {
        throw "c string";
    } catch (const char *s) {
        CHECK(std::string(s) == "c string", "throw \"c string\" caught as const char*");
    }
    bool any = false;
    try {
        throw 3.5;
    } catch (...) {
        any = true;
    }
    CHECK(any, "catch(...) caught a double");

    // 10. exceptions in threads, transferred with exception_ptr
    std::vector<std::exception_ptr> errs(4);
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; i++)
        ts.emplace_back([i, &errs] {
            try {
                Guard g("thread");
                if (i % 2)
                    throw AppError("thread failure", 100 + i);
            } catch (...) {
                errs[i] = std::current_exception();
            }
        });
    for (auto &t : ts)
        t.join();
    std::string got;
    for (int i = 0; i < 4; i++) {
        if (!errs[i]) {
            got += "none ";
            continue;
        }
        try {
            std::rethrow_exception(errs[i]);
        } catch (const AppError &e) {
            got += std::to_string(e.code) + " ";
        }
    }
    CHECK(got == "none 101 none 103 ", "per-thread results: %s", got.c_str());

    // 11. many throws (unwinder state reuse)
    long caught = 0;
    for (int i = 0; i < 10000; i++) {
        trace.clear();
        try {
            level1(1 + i % 2);
        } catch (const DbError &) {
            caught++;
        }
    }
    CHECK(caught == 10000, "10000 throws through 3 frames caught: %ld", caught);

    std::printf("cxx_exceptions: %d failures\n", failures);
    return failures ? 1 : 0;
}
