#include "util/process_tag.h"

#include <unistd.h>

#include <string>

namespace durabench {
namespace {

int g_rank = -1;  // not a rank

}  // namespace

std::string ProcessTag() {
  const std::string pid = std::to_string(::getpid());
  return g_rank < 0 ? pid : "r" + std::to_string(g_rank) + "-" + pid;
}

void SetProcessTagRank(int rank) { g_rank = rank; }

}  // namespace durabench
