// build: -std=c++20 -pthread
/* cxx_stl_threads.cc — C++ concurrency library: std::jthread with
 * stop_token, std::mutex/std::condition_variable work queue, std::promise/
 * std::future, std::async(launch::async), std::packaged_task, shared_mutex
 * readers/writer, std::call_once, std::atomic with compare_exchange,
 * std::latch/std::barrier/std::counting_semaphore (C++20), thread_local
 * objects with constructors/destructors (destructors run at thread exit,
 * before join returns), and condition_variable::wait_for timing out.
 * Results are collected and printed by main only. */
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <latch>
#include <mutex>
#include <numeric>
#include <semaphore>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

static int failures;
#define CHECK(cond, ...) do { bool c_ = (cond); std::printf("%s ", c_ ? "ok  " : "FAIL"); \
    std::printf(__VA_ARGS__); std::printf("\n"); if (!c_) failures++; } while (0)

static std::mutex log_m;
static std::vector<std::string> tl_log;

struct PerThread {
    int id = -1;
    PerThread() { std::lock_guard lk(log_m); tl_log.push_back("ctor"); }
    ~PerThread() { std::lock_guard lk(log_m); tl_log.push_back("dtor " + std::to_string(id)); }
};
static thread_local PerThread per_thread;
static thread_local int tl_counter = 100;

int main()
{
    using namespace std::chrono_literals;

    // jthread + stop_token
    std::atomic<long> spins{ 0 };
    {
        std::jthread jt([&spins](std::stop_token st) {
            while (!st.stop_requested()) {
                spins++;
                std::this_thread::sleep_for(1ms);
            }
        });
        while (spins.load() < 3) // let it run a few rounds, however loaded the host is
            std::this_thread::sleep_for(1ms);
        jt.request_stop();
    } // joins
    CHECK(spins >= 3, "jthread ran until stop was requested (>= 3 iterations)");

    // work queue with condition_variable
    std::mutex qm;
    std::condition_variable qcv;
    std::deque<int> q;
    bool done = false;
    std::vector<long> got(3, 0);
    std::vector<std::thread> workers;
    for (int w = 0; w < 3; w++)
        workers.emplace_back([&, w] {
            for (;;) {
                std::unique_lock lk(qm);
                qcv.wait(lk, [&] { return !q.empty() || done; });
                if (q.empty())
                    return;
                int v = q.front();
                q.pop_front();
                lk.unlock();
                got[w] += v;
            }
        });
    for (int i = 1; i <= 1000; i++) {
        {
            std::lock_guard lk(qm);
            q.push_back(i);
        }
        qcv.notify_one();
    }
    {
        std::lock_guard lk(qm);
        done = true;
    }
    qcv.notify_all();
    for (auto &t : workers)
        t.join();
    CHECK(std::accumulate(got.begin(), got.end(), 0L) == 500500, "work queue: 3 workers consumed 1..1000, sum %ld", std::accumulate(got.begin(), got.end(), 0L));

    // promise/future, async, packaged_task
    std::promise<int> pr;
    std::future<int> fu = pr.get_future();
    std::thread pt([&pr] { pr.set_value(6 * 7); });
    CHECK(fu.get() == 42, "promise/future across a thread: 42");
    pt.join();
    auto fa = std::async(std::launch::async, [](int n) { long s = 0; for (int i = 1; i <= n; i++) s += i; return s; }, 10000);
    CHECK(fa.get() == 50005000, "async sum 1..10000 = 50005000");
    std::packaged_task<std::string(int)> task([](int n) { return std::string(n, '*'); });
    auto tf = task.get_future();
    std::thread tt(std::move(task), 5);
    tt.join();
    CHECK(tf.get() == "*****", "packaged_task result \"*****\"");
    std::promise<void> perr;
    auto ferr = perr.get_future();
    std::thread et([&perr] {
        try {
            throw std::runtime_error("from thread");
        } catch (...) {
            perr.set_exception(std::current_exception());
        }
    });
    et.join();
    try {
        ferr.get();
        CHECK(false, "no exception?");
    } catch (const std::runtime_error &e) {
        CHECK(std::string(e.what()) == "from thread", "future.get() rethrows the thread's exception: %s", e.what());
    }

    // shared_mutex
    std::shared_mutex sm;
    int value = 0;
    std::atomic<int> max_readers{ 0 }, readers{ 0 };
    std::latch all_in(4);
    std::vector<std::thread> rs;
    for (int i = 0; i < 4; i++)
        rs.emplace_back([&] {
            std::shared_lock lk(sm);
            int now = ++readers;
            int prev = max_readers.load();
            while (now > prev && !max_readers.compare_exchange_weak(prev, now)) {
            }
            all_in.arrive_and_wait(); // all 4 hold the shared lock at once
            --readers;
        });
    for (auto &t : rs)
        t.join();
    {
        std::unique_lock lk(sm);
        value = 1;
    }
    CHECK(max_readers == 4 && value == 1, "shared_mutex: 4 concurrent readers, then a writer");

    // call_once
    std::once_flag once;
    std::atomic<int> once_calls{ 0 };
    std::vector<std::thread> os;
    for (int i = 0; i < 4; i++)
        os.emplace_back([&] { std::call_once(once, [&] { once_calls++; }); });
    for (auto &t : os)
        t.join();
    CHECK(once_calls == 1, "call_once ran once");

    // atomics with CAS loop
    std::atomic<long> acc{ 0 };
    std::vector<std::thread> as;
    for (int i = 0; i < 4; i++)
        as.emplace_back([&acc] {
            for (int k = 0; k < 20000; k++) {
                long cur = acc.load(std::memory_order_relaxed);
                while (!acc.compare_exchange_weak(cur, cur + 2, std::memory_order_acq_rel)) {
                }
            }
        });
    for (auto &t : as)
        t.join();
    CHECK(acc == 160000, "CAS increments: %ld", acc.load());

    // barrier with completion function, counting_semaphore
    int phases = 0;
    std::barrier bar(3, [&phases]() noexcept { phases++; });
    std::vector<std::thread> bs;
    for (int i = 0; i < 3; i++)
        bs.emplace_back([&bar] {
            for (int r = 0; r < 5; r++)
                bar.arrive_and_wait();
        });
    for (auto &t : bs)
        t.join();
    CHECK(phases == 5, "barrier completion ran once per phase: %d", phases);
    std::counting_semaphore<8> sem(0);
    std::thread st([&sem] { for (int i = 0; i < 5; i++) sem.release(); });
    for (int i = 0; i < 5; i++)
        sem.acquire();
    st.join();
    CHECK(!sem.try_acquire(), "semaphore drained after 5 acquires");

    // thread_local objects
    tl_log.clear();
    std::vector<int> tl_vals(3);
    std::vector<std::thread> tls;
    for (int i = 0; i < 3; i++)
        tls.emplace_back([i, &tl_vals] {
            per_thread.id = i;
            tl_counter += i;
            tl_vals[i] = tl_counter;
        });
    for (auto &t : tls)
        t.join();
    std::vector<std::string> lg = tl_log;
    std::sort(lg.begin(), lg.end());
    std::string joined;
    for (auto &s : lg)
        joined += s + "; ";
    CHECK(joined == "ctor; ctor; ctor; dtor 0; dtor 1; dtor 2; ", "thread_local ctor/dtor per thread: %s", joined.c_str());
    CHECK(tl_vals[0] == 100 && tl_vals[1] == 101 && tl_vals[2] == 102 && tl_counter == 100, "thread_local ints independent (main still 100)");

    // wait_for timing out
    std::mutex wm;
    std::condition_variable wcv;
    std::unique_lock wl(wm);
    auto t0 = std::chrono::steady_clock::now();
    bool r = wcv.wait_for(wl, 20ms, [] { return false; });
    auto el = std::chrono::steady_clock::now() - t0;
    CHECK(!r && el >= 20ms, "condition_variable::wait_for(20ms) timed out after >= 20ms");

    std::printf("cxx_stl_threads: %d failures\n", failures);
    return failures ? 1 : 0;
}
