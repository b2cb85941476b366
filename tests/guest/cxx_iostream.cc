// build: -std=c++17 -pthread
/* cxx_iostream.cc — the C++ standard library in a static glibc binary:
 * iostream formatting (width, fill, alignment, hex/oct/showbase, fixed/
 * scientific/precision, boolalpha, showpos), std::stringstream parsing and
 * formatting, std::getline with a delimiter, std::string operations,
 * std::vector/map/set/unordered_map with <algorithm> (sort, stable_sort,
 * unique, lower_bound, accumulate, transform, count_if), file streams on a
 * temp file, and std::thread with join computing partial sums. */
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

static int failures;
static void check(bool c, const std::string &msg)
{
    std::cout << (c ? "ok   " : "FAIL ") << msg << "\n";
    if (!c)
        failures++;
}

int main()
{
    std::cout << "-- iostream formatting\n";
    std::cout << "[" << std::setw(8) << 42 << "] [" << std::left << std::setw(8) << 42 << "] [" << std::right
              << std::setfill('0') << std::setw(8) << 42 << "]" << std::setfill(' ') << "\n";
    std::cout << std::hex << 255 << " " << std::showbase << 255 << " " << std::oct << 8 << " " << std::uppercase << std::hex
              << 48879 << std::dec << std::noshowbase << std::nouppercase << "\n";
    std::cout << std::fixed << std::setprecision(3) << 3.14159265 << " " << std::scientific << 12345.678 << " "
              << std::defaultfloat << std::setprecision(6) << 0.1 + 0.2 << " " << std::setprecision(17) << 0.1 + 0.2
              << std::setprecision(6) << "\n";
    std::cout << std::boolalpha << true << " " << false << std::noboolalpha << " " << true << " " << std::showpos << 5
              << " " << -5 << std::noshowpos << "\n";
    std::cout << std::setw(10) << std::internal << -42 << "|" << std::setw(6) << "ab" << "|" << std::left << std::setw(6)
              << "ab" << "|" << std::right << "\n";

    std::cout << "-- stringstream\n";
    std::istringstream in("10 20 30 4.5 word 0x1f");
    int a, b, c;
    double d;
    std::string w;
    in >> a >> b >> c >> d >> w;
    int hx;
    in >> std::hex >> hx;
    check(a + b + c == 60 && d == 4.5 && w == "word" && hx == 31, "parsed ints 10 20 30, double 4.5, word, hex 0x1f=" + std::to_string(hx));
    int extra;
    check(!(in >> extra) && in.eof(), "extraction past the end fails with eof");
    std::ostringstream out;
    out << "pi~" << std::setprecision(4) << 3.14159 << ";n=" << 7;
    check(out.str() == "pi~3.142;n=7", "ostringstream: " + out.str());
    std::istringstream csv("alpha,beta,,gamma");
    std::vector<std::string> fields;
    std::string f;
    while (std::getline(csv, f, ','))
        fields.push_back(f);
    check(fields.size() == 4 && fields[2].empty() && fields[3] == "gamma", "getline with ',' gives 4 fields (one empty)");

    std::cout << "-- std::string\n";
    std::string s = "Hello, World";
    check(s.find("World") == 7 && s.find('z') == std::string::npos, "find");
    check(s.substr(7, 5) == "World", "substr(7,5) = " + s.substr(7, 5));
    s.replace(0, 5, "Goodbye");
    check(s == "Goodbye, World", "replace -> " + s);
    s += "!";
    s.insert(0, ">> ");
    check(s == ">> Goodbye, World!" && s.size() == 18, "append/insert -> " + s);
    std::string up = s;
    std::transform(up.begin(), up.end(), up.begin(), [](unsigned char ch) { return std::toupper(ch); });
    check(up == ">> GOODBYE, WORLD!", "transform toupper -> " + up);
    check(std::stoi("-123") == -123 && std::stod("2.5e3") == 2500.0 && std::stoul("ff", nullptr, 16) == 255, "stoi/stod/stoul");
    check(std::to_string(3.5) == "3.500000" && std::to_string(-7) == "-7", "to_string(3.5)=" + std::to_string(3.5));
    std::string longs(100000, 'x');
    check(longs.size() == 100000 && std::count(longs.begin(), longs.end(), 'x') == 100000, "100000-char string");

    std::cout << "-- containers and algorithms\n";
    std::vector<int> v;
    unsigned seed = 12345;
    for (int i = 0; i < 1000; i++) {
        seed = seed * 1103515245 + 12345;
        v.push_back((seed >> 16) % 500);
    }
    long sum = std::accumulate(v.begin(), v.end(), 0L);
    std::sort(v.begin(), v.end());
    check(std::is_sorted(v.begin(), v.end()), "sort 1000 ints (sum " + std::to_string(sum) + ")");
    auto last = std::unique(v.begin(), v.end());
    size_t distinct = last - v.begin();
    v.erase(last, v.end());
    auto lb = std::lower_bound(v.begin(), v.end(), 250);
    std::cout << "     distinct values " << distinct << ", first " << v.front() << ", last " << v.back() << ", lower_bound(250) -> "
              << *lb << "\n";
    std::set<int> st(v.begin(), v.end());
    check(st.size() == distinct, "set has the same distinct count");
    std::vector<std::pair<int, std::string>> people = { { 30, "carol" }, { 25, "alice" }, { 30, "bob" }, { 25, "dave" } };
    std::stable_sort(people.begin(), people.end(), [](auto &x, auto &y) { return x.first < y.first; });
    std::string order;
    for (auto &p : people)
        order += p.second + " ";
    check(order == "alice dave carol bob ", "stable_sort by age keeps ties in order: " + order);
    std::map<std::string, int> wc;
    std::istringstream text("the quick brown fox jumps over the lazy dog the end");
    while (text >> w)
        wc[w]++;
    std::cout << "     word counts:";
    for (auto &kv : wc)
        std::cout << " " << kv.first << "=" << kv.second;
    std::cout << "\n";
    std::unordered_map<int, int> sq;
    for (int i = 0; i < 1000; i++)
        sq[i] = i * i;
    check(sq.size() == 1000 && sq[999] == 998001, "unordered_map of 1000 squares");
    int evens = std::count_if(v.begin(), v.end(), [](int x) { return x % 2 == 0; });
    std::cout << "     even distinct values: " << evens << "\n";

    std::cout << "-- file streams\n";
    char dir[] = "/tmp/gx_cxx_XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    std::string path = std::string(dir) + "/data.txt";
    {
        std::ofstream of(path);
        for (int i = 1; i <= 5; i++)
            of << "line " << i << " value " << i * 1.5 << "\n";
    }
    std::ifstream inf(path);
    std::string line;
    int n = 0;
    double total = 0;
    while (std::getline(inf, line)) {
        std::istringstream ls(line);
        std::string l, val;
        int idx;
        double x;
        ls >> l >> idx >> val >> x;
        total += x;
        n++;
    }
    check(n == 5 && total == 22.5, "wrote and re-read 5 lines, total " + std::to_string(total));
    inf.close();
    std::remove(path.c_str());
    rmdir(dir);

    std::cout << "-- std::thread\n";
    const int NT = 4;
    std::vector<long> partial(NT);
    std::vector<std::thread> ts;
    std::mutex m;
    std::atomic<int> started{ 0 };
    long shared = 0;
    for (int t = 0; t < NT; t++)
        ts.emplace_back([t, &partial, &m, &shared, &started] {
            started++;
            long s = 0;
            for (long i = t * 250000; i < (t + 1) * 250000; i++)
                s += i;
            partial[t] = s;
            std::lock_guard<std::mutex> lk(m);
            shared += s;
        });
    for (auto &t : ts)
        t.join();
    long all = std::accumulate(partial.begin(), partial.end(), 0L);
    check(all == 499999500000L && shared == all && started == NT, "4 threads summed 0..999999 = " + std::to_string(all));
    check(std::thread::hardware_concurrency() >= 1, "hardware_concurrency() >= 1");

    std::cout << "cxx_iostream: " << failures << " failures" << std::endl;
    return failures ? 1 : 0;
}
