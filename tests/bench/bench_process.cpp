#include "bench_process.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace qs::bench {

std::string readWholeFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

int runLauncher(char** argv) {
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ);
    if (rc != 0) {
        std::fprintf(stderr, "cannot start %s: %s\n", argv[0], std::strerror(rc));
        return 127;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

ProcessResult runProcess(const std::vector<std::string>& command, const std::string& stderrPath) {
    std::vector<std::string> argv{"/proc/self/exe", kLauncherFlag};
    argv.insert(argv.end(), command.begin(), command.end());
    ProcessResult result;
    int pipeFds[2];
    if (pipe(pipeFds) != 0) {
        result.err = std::string("pipe: ") + std::strerror(errno);
        return result;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
    posix_spawn_file_actions_addclose(&actions, pipeFds[1]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> cargv;
    for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipeFds[1]);
    if (rc != 0) {
        close(pipeFds[0]);
        result.err = "cannot start " + command[0] + ": " + std::strerror(rc);
        return result;
    }
    char buf[4096];
    for (;;) {
        const ssize_t n = read(pipeFds[0], buf, sizeof buf);
        if (n > 0)
            result.out.append(buf, size_t(n));
        else if (n == 0 || errno != EINTR)
            break;
    }
    close(pipeFds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.err = readWholeFile(stderrPath);
    return result;
}

std::optional<Measurement> parseMeasurement(const std::string& out) {
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] != '{') continue;
        const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!j.is_object() || !j.contains("median_ms") || !j["median_ms"].is_number() ||
            !j.contains("peak_rss_mb") || !j["peak_rss_mb"].is_number())
            continue;
        const double rss =
            j.contains("rss_mb") && j["rss_mb"].is_number() ? j["rss_mb"].get<double>() : 0.0;
        return Measurement{j["median_ms"].get<double>(), j["peak_rss_mb"].get<double>(), rss};
    }
    return std::nullopt;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string lastLines(const std::string& text, int count) {
    size_t pos = text.size();
    while (pos > 0 && text[pos - 1] == '\n') --pos;
    const size_t end = pos;
    for (int i = 0; i < count && pos > 0; ++i) {
        pos = text.rfind('\n', pos - 1);
        if (pos == std::string::npos) {
            pos = 0;
            break;
        }
    }
    return text.substr(pos == 0 ? 0 : pos + 1, end - (pos == 0 ? 0 : pos + 1));
}

bool isExecutable(const std::string& path) {
    return !path.empty() && access(path.c_str(), X_OK) == 0;
}

std::string nodeExecutable() {
    if (const char* env = std::getenv("QS_NODE"); env && *env) return env;
    return QS_NODE_EXECUTABLE;
}

bool parseIntArg(const char* text, int min, int& out) {
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < min || v > 100000) return false;
    out = int(v);
    return true;
}

bool parseThreadList(const char* text, std::vector<int>& out) {
    out.clear();
    std::istringstream list(text);
    std::string item;
    while (std::getline(list, item, ',')) {
        int t = 0;
        if (!parseIntArg(item.c_str(), 1, t)) return false;
        out.push_back(t);
    }
    return !out.empty();
}

} // namespace qs::bench
