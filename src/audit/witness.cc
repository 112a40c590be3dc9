#include "audit/witness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "util/errno_status.h"
#include "util/read_file.h"

namespace durabench {
namespace {

// How long a TCP witness may take to confirm before the audit gives up on it.
constexpr int kWitnessTimeoutS = 10;
// A witness line is short; a longer one is a protocol error, not a reason to grow a buffer.
constexpr size_t kMaxLineBytes = 4096;
// The largest witness log read back (about 60 bytes per write: 35 million writes).
constexpr uint64_t kMaxWitnessLogBytes = uint64_t{2} << 30;

bool ValidAuditHex(std::string_view hex) {
  if (hex.size() != 32) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(what, "", errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status AppendAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(what, "", errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// "HOST:PORT" -> a connected (or, with `listen`, bound and listening) TCP socket.
Result<int> OpenTcp(const std::string& spec, bool listen, std::string* bound) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    return Status::InvalidArgument("witness '" + spec +
                                   "': expected HOST:PORT (e.g. 10.0.0.2:7000) or file:PATH");
  }
  const std::string host = spec.substr(0, colon);
  const std::string port = spec.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (listen ? AI_PASSIVE : 0);
  addrinfo* res = nullptr;
  const int gai = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (gai != 0) {
    return Status::InvalidArgument("witness '" + spec + "': " + gai_strerror(gai));
  }
  const int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return ErrnoStatus("socket", "", errno);
  }
  int rc;
  if (listen) {
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    rc = ::bind(fd, res->ai_addr, res->ai_addrlen);
    if (rc == 0) rc = ::listen(fd, 64);
  } else {
    rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  }
  const int err = errno;
  freeaddrinfo(res);
  if (rc != 0) {
    ::close(fd);
    return Status::IoError(
        fmt::format("witness {}: {}: {}", spec, listen ? "listen" : "connect", std::strerror(err)));
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (bound != nullptr) {
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &addr.sin_addr, text, sizeof(text));
    *bound = fmt::format("{}:{}", text, ntohs(addr.sin_port));
  }
  return fd;
}

// Reads lines from a socket, with the witness timeout.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // The next line without its '\n'; IoError on EOF, error or timeout.
  Result<std::string> Next(const std::string& who) {
    while (true) {
      const size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      if (buf_.size() > kMaxLineBytes) return Status::IoError(who + ": answered a line too long");
      DURABENCH_RETURN_IF_ERROR(Fill(who));
    }
  }
  // At least `n` more raw bytes into `out`.
  Status Read(size_t n, std::string* out, const std::string& who) {
    while (buf_.size() < n) DURABENCH_RETURN_IF_ERROR(Fill(who));
    out->assign(buf_, 0, n);
    buf_.erase(0, n);
    return Status::Ok();
  }

 private:
  Status Fill(const std::string& who) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, kWitnessTimeoutS * 1000);
    if (r == 0) {
      return Status::IoError(fmt::format("{} did not answer within {} s", who, kWitnessTimeoutS));
    }
    if (r < 0 && errno != EINTR) return ErrnoStatus(who, "", errno);
    if (r < 0) return Status::Ok();
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n == 0) return Status::IoError(who + " closed the connection");
    if (n < 0 && errno == EINTR) return Status::Ok();
    if (n < 0) return ErrnoStatus(who, "", errno);
    buf_.append(chunk, static_cast<size_t>(n));
    return Status::Ok();
  }

  int fd_;
  std::string buf_;
};

class FileWitness : public WitnessLink {
 public:
  FileWitness(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~FileWitness() override { ::close(fd_); }
  Status Send(std::string_view lines) override {
    // O_APPEND: each write lands whole at the end, so jobs' lines do not interleave.
    return AppendAll(fd_, lines, "witness " + name_);
  }
  Result<uint64_t> RequestDurable() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus("witness " + name_ + ": fdatasync", "", errno);
    return ++token_;
  }
  Status WaitDurable(uint64_t) override { return Status::Ok(); }
  const std::string& name() const override { return name_; }

 private:
  int fd_;
  std::string name_;
  uint64_t token_ = 0;
};

class TcpWitness : public WitnessLink {
 public:
  TcpWitness(int fd, std::string name) : fd_(fd), name_(std::move(name)), reader_(fd) {}
  ~TcpWitness() override { ::close(fd_); }
  Status Send(std::string_view lines) override { return WriteAll(fd_, lines, Who()); }
  Result<uint64_t> RequestDurable() override {
    const uint64_t token = ++requested_;
    DURABENCH_RETURN_IF_ERROR(WriteAll(fd_, fmt::format("S {}\n", token), Who()));
    return token;
  }
  Status WaitDurable(uint64_t token) override {
    while (confirmed_ < token) {
      Result<std::string> line = reader_.Next(Who());
      if (!line.ok()) return line.status();
      unsigned long long t = 0;
      if (std::sscanf(line->c_str(), "OK %llu", &t) != 1) {
        return Status::IoError(Who() + " answered '" + *line + "'");
      }
      confirmed_ = t;
    }
    return Status::Ok();
  }
  const std::string& name() const override { return name_; }

 private:
  std::string Who() const { return "witness " + name_; }
  int fd_;
  std::string name_;
  LineReader reader_;
  uint64_t requested_ = 0;
  uint64_t confirmed_ = 0;
};

// The audit whose log in `dir` was written last ("" when there is none).
std::string LatestAudit(const std::string& dir) {
  std::string best;
  struct timespec newest {};
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return best;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() != 36 || name.compare(32, 4, ".log") != 0) continue;
    struct stat st;
    if (::stat((dir + "/" + name).c_str(), &st) != 0) continue;
    if (best.empty() || st.st_mtim.tv_sec > newest.tv_sec ||
        (st.st_mtim.tv_sec == newest.tv_sec && st.st_mtim.tv_nsec > newest.tv_nsec)) {
      best = name.substr(0, 32);
      newest = st.st_mtim;
    }
  }
  ::closedir(d);
  return best;
}

// One client of the server.
struct Peer {
  int fd = -1;
  int log = -1;    // DIR/AUDIT.log once greeted
  std::string in;  // bytes received, not yet a whole line
  std::string audit;
  bool closing = false;  // answered and done (GET), or a protocol error
};

}  // namespace

Result<std::unique_ptr<WitnessLink>> ConnectWitness(const std::string& spec,
                                                    const std::string& audit_hex) {
  if (spec.rfind("file:", 0) == 0) {
    const std::string path = spec.substr(5);
    if (path.empty()) return Status::InvalidArgument("witness 'file:': name a file");
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
    if (fd < 0) return ErrnoStatus("witness " + spec, "", errno);
    // A log is a regular file: never append to a device node, a FIFO or a socket named by
    // mistake (O_NONBLOCK keeps a FIFO without a reader from blocking the open).
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::InvalidArgument("witness " + spec + ": not a regular file; name a log file");
    }
    return std::unique_ptr<WitnessLink>(new FileWitness(fd, spec));
  }
  Result<int> fd = OpenTcp(spec, false, nullptr);
  if (!fd.ok()) return fd.status();
  auto link = std::make_unique<TcpWitness>(*fd, spec);
  DURABENCH_RETURN_IF_ERROR(link->Send("HELLO " + audit_hex + "\n"));
  return std::unique_ptr<WitnessLink>(std::move(link));
}

Result<std::string> FetchWitnessLog(const std::string& spec, const std::string& audit_hex) {
  if (spec.rfind("file:", 0) == 0) {
    Result<std::string> text = ReadRegularFile(spec.substr(5), kMaxWitnessLogBytes, "witness log");
    if (!text.ok()) return Status::NotFound("witness " + spec + ": " + text.status().message());
    return text;
  }
  Result<int> fd = OpenTcp(spec, false, nullptr);
  if (!fd.ok()) return fd.status();
  const std::string who = "witness " + spec;
  Status st = WriteAll(*fd, "GET " + audit_hex + "\n", who);
  LineReader reader(*fd);
  std::string log;
  if (st.ok()) {
    Result<std::string> head = reader.Next(who);
    unsigned long long bytes = 0;
    if (!head.ok()) {
      st = head.status();
    } else if (head->rfind("ERR ", 0) == 0) {
      st = Status::NotFound(who + ": " + head->substr(4));
    } else if (std::sscanf(head->c_str(), "LOG %llu", &bytes) != 1) {
      st = Status::IoError(who + " answered '" + *head + "'");
    } else {
      st = reader.Read(bytes, &log, who);
    }
  }
  ::close(*fd);
  if (!st.ok()) return st;
  return log;
}

Status RunWitnessServer(const WitnessServerOptions& options) {
  if (::mkdir(options.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus("witness --dir " + options.dir, "", errno);
  }
  std::string bound;
  Result<int> listener = OpenTcp(options.listen, true, &bound);
  if (!listener.ok()) return listener.status();
  if (options.ready != nullptr) options.ready(bound, options.ready_arg);
  std::map<int, Peer> peers;
  const auto log_path = [&](const std::string& audit) {
    return options.dir + "/" + audit + ".log";
  };
  // Handles the whole lines in peer.in; returns the reply to send.
  const auto serve = [&](Peer& p) -> std::string {
    std::string reply;
    size_t start = 0;
    std::string records;  // appended to the log in one write before any OK
    uint64_t sync_to = 0;
    for (size_t nl; (nl = p.in.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string_view line(p.in.data() + start, nl - start);
      if (p.log < 0) {
        if (line.rfind("HELLO ", 0) == 0 && ValidAuditHex(line.substr(6))) {
          p.audit = std::string(line.substr(6));
          p.log =
              ::open(log_path(p.audit).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
          if (p.log < 0) {
            reply += fmt::format("ERR {}\n", std::strerror(errno));
            p.closing = true;
            break;
          }
          continue;
        }
        std::string audit(line.size() > 4 ? line.substr(4) : std::string_view());
        if (audit == "latest") audit = LatestAudit(options.dir);
        if (line.rfind("GET ", 0) == 0 && ValidAuditHex(audit)) {
          Result<std::string> text =
              ReadRegularFile(log_path(audit), kMaxWitnessLogBytes, "witness log");
          reply += text.ok() ? fmt::format("LOG {}\n{}", text->size(), *text)
                             : "ERR no log of audit " + std::string(line.substr(4)) + " here\n";
        } else {
          reply += "ERR expected HELLO or GET\n";
        }
        p.closing = true;
        break;
      }
      unsigned long long token = 0;
      if (line.rfind("S ", 0) == 0 &&
          std::sscanf(std::string(line).c_str(), "S %llu", &token) == 1) {
        sync_to = token;
      } else {
        records.append(line);
        records += '\n';
      }
    }
    p.in.erase(0, start);
    if (p.in.size() > kMaxLineBytes) p.closing = true;
    if (!records.empty() && !AppendAll(p.log, records, "log").ok()) p.closing = true;
    if (sync_to != 0 && !p.closing) {
      if (::fdatasync(p.log) == 0) {
        reply += fmt::format("OK {}\n", sync_to);
      } else {
        p.closing = true;
      }
    }
    return reply;
  };

  Status result = Status::Ok();
  while (options.stop == nullptr || !options.stop->load(std::memory_order_relaxed)) {
    std::vector<pollfd> fds;
    fds.push_back({*listener, POLLIN, 0});
    for (const auto& [fd, p] : peers) fds.push_back({fd, POLLIN, 0});
    const int r = ::poll(fds.data(), fds.size(), 200);
    if (r < 0 && errno != EINTR) {
      result = ErrnoStatus("witness poll", "", errno);
      break;
    }
    if (r <= 0) continue;
    if (fds[0].revents & POLLIN) {
      const int c = ::accept4(*listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        const int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        peers[c].fd = c;
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Peer& p = peers[fds[i].fd];
      char chunk[65536];
      const ssize_t n = ::recv(p.fd, chunk, sizeof(chunk), 0);
      if (n <= 0 && !(n < 0 && errno == EINTR)) {
        p.closing = true;
      } else if (n > 0) {
        p.in.append(chunk, static_cast<size_t>(n));
        const std::string reply = serve(p);
        if (!reply.empty() && !WriteAll(p.fd, reply, "reply").ok()) p.closing = true;
      }
    }
    for (auto it = peers.begin(); it != peers.end();) {
      if (!it->second.closing) {
        ++it;
        continue;
      }
      if (it->second.log >= 0) {
        ::fdatasync(it->second.log);
        ::close(it->second.log);
      }
      ::close(it->first);
      it = peers.erase(it);
    }
  }
  for (auto& [fd, p] : peers) {
    if (p.log >= 0) ::close(p.log);
    ::close(fd);
  }
  ::close(*listener);
  return result;
}

}  // namespace durabench
