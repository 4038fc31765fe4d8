#include "util/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace qs {

namespace {

Error ioError(const std::string& path, const std::string& what, int err) {
    return makeError(ErrorCode::IoError, "file ", path, ": ", what, ": ", std::strerror(err));
}

class FdSink : public AtomicFileSink {
public:
    explicit FdSink(int fd)
        : m_fd(fd) {}
    Status write(std::string_view bytes) override {
        const char* p = bytes.data();
        size_t left = bytes.size();
        while (left > 0) {
            const ssize_t n = ::write(m_fd, p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                return makeError(ErrorCode::IoError, "write failed: ", std::strerror(errno));
            }
            p += n;
            left -= size_t(n);
        }
        return {};
    }

private:
    int m_fd;
};

// The folder a relative or absolute path lives in ("." for a bare file name).
std::string parentFolder(const std::string& path) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

} // namespace

Status writeFileAtomically(const std::string& path,
                           const std::function<Status(AtomicFileSink&)>& writer) {
    if (path.empty()) return makeError(ErrorCode::InvalidArgument, "empty output file name");
    // A unique name created exclusively (O_EXCL: never another writer's temporary file) with
    // mode 0666 so the umask applies as for any new file (mkstemp would force 0600).
    static std::atomic<unsigned> counter{0};
    std::string tmp;
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
        tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            return ioError(path, "cannot create a temporary file beside it", errno);
    }
    if (fd < 0) return ioError(path, "cannot create a temporary file beside it", EEXIST);
    auto abandon = [&](Status st) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return st;
    };
    // Keep the permissions of the file being replaced.
    struct stat old {};
    if (::stat(path.c_str(), &old) == 0 && S_ISREG(old.st_mode) &&
        ::fchmod(fd, old.st_mode & 07777) != 0)
        return abandon(ioError(path, "cannot keep its permissions", errno));

    FdSink sink(fd);
    if (Status st = writer(sink); !st) return abandon(st.addContext("file " + path));
    if (::fsync(fd) != 0) return abandon(ioError(path, "cannot flush to disk", errno));
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return ioError(path, "write failed", err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return ioError(path, "cannot replace", err);
    }
    // Make the rename itself durable: fsync the folder (best effort; some file systems refuse).
    const int dirFd = ::open(parentFolder(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        (void)::fsync(dirFd);
        ::close(dirFd);
    }
    return {};
}

Status writeFileAtomically(const std::string& path, std::string_view bytes) {
    return writeFileAtomically(path, [bytes](AtomicFileSink& sink) { return sink.write(bytes); });
}

} // namespace qs
