// The tag in the names of the files and objects durabench creates for its jobs
// ("durabench-TAG-JOB.dat", rados objects "durabench-TAG-JOB.N"): this process's pid, and in a
// rank of a multi-client run (cli/group_run.h) the rank before it, "r2-4711", so that ranks on
// hosts that share a volume never pick the same name.
#pragma once

#include <string>

namespace durabench {

std::string ProcessTag();
// Called once, before any target is prepared.
void SetProcessTagRank(int rank);

}  // namespace durabench
