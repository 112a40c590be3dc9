// `durabench report FILES... -o DIR`: an HTML report with plots. The inputs are checked and
// normalised to durabench result files under DIR/data/ (fio json+ converted), each with the
// derived series of its histograms beside it (report/series.h), then scripts/plot.py
// (matplotlib) draws those series and writes DIR/index.html; see docs/report.md.
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/result_inputs.h"
#include "report/series.h"
#include "result/fio_import.h"
#include "result/json.h"
#include "result/result_reader.h"
#include "util/data_dir.h"
#include "util/sha256.h"

extern char** environ;

namespace durabench {
namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::vector<std::string> files;
  std::string out_dir;
  std::string title;
  std::string python;  // empty: DefaultPython()
  bool force = false;
  bool data_only = false;
};

// Marks a directory that `durabench report` wrote: a later report may write into it again.
constexpr const char* kReportMarker = ".durabench-report";

// Whether `dir` may receive a report: it is new, empty, or marked by an earlier report (or
// --force). Creates it when missing. Nothing in it is ever removed; a report writes only
// index.html, *.png named like its plots, data/NN-NAME.json, data/NN-NAME.series.json and the
// marker.
Status PrepareReportDir(const fs::path& dir, bool force) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(dir, ec);
  if (fs::exists(st) && !fs::is_directory(fs::status(dir, ec))) {
    return Status::InvalidArgument("report -o " + dir.string() +
                                   ": not a directory; a report is a directory of files");
  }
  if (!fs::exists(st)) {
    fs::create_directories(dir, ec);
    if (ec) return Status::IoError("create " + dir.string() + ": " + ec.message());
  } else if (!fs::exists(dir / kReportMarker, ec) && !fs::is_empty(dir, ec) && !force) {
    return Status::InvalidArgument(
        "report -o " + dir.string() +
        ": the directory holds files that no durabench report wrote; choose a new or empty "
        "directory, or add --force to write beside them (files named like the report's, "
        "index.html, NN-*.png and data/NN-*.json, are then replaced; none is removed)");
  }
  return WriteOutputFile("report -o", (dir / kReportMarker).string(),
                         "This directory was written by `durabench report`; a later report may "
                         "replace its index.html, plots and data/ files.\n");
}

// Debian's /usr/bin/python3, where python3-matplotlib and python3-jinja2 install, ahead of
// another python3 on the PATH (a pyenv or venv interpreter without them).
std::string DefaultPython() {
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// $DURABENCH_PLOT_SCRIPT, else plot.py in the binary's data directory (util/data_dir.h:
// PREFIX/share/durabench/plot.py; in a build tree, a link to the source tree's scripts/plot.py).
// Whether it exists is checked by the caller.
Result<std::string> FindPlotScript() {
  if (const char* env = std::getenv("DURABENCH_PLOT_SCRIPT"); env && *env) return std::string(env);
  Result<std::string> data = DataDir();
  if (!data.ok()) {
    return Status::IoError("the plot script's place is unknown: " + data.status().message() +
                           " (set DURABENCH_PLOT_SCRIPT)");
  }
  return (fs::path(*data) / "plot.py").string();
}

// Writes `text` to `dest`, which must not be one of the inputs.
Status WriteDataFile(const ReportArgs& args, const fs::path& dest, const std::string& text) {
  Result<OutputPath> where = CheckOutputBesideInputs("report -o", dest.string(), args.files);
  if (!where.ok()) return where.status();
  return WriteOutput(*where, "report -o", text);
}

// The inputs as durabench result files in `data_dir`: durabench results copied byte for byte
// (they may carry plp/eval keys the reader does not keep), fio files converted; beside each,
// NN-NAME.series.json with what the plots draw, derived from the histograms as read.
Result<std::vector<std::string>> Normalise(const ReportArgs& args, const LoadedResults& loaded,
                                           const fs::path& data_dir) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.files.size(); ++i) {
    const std::string name =
        fmt::format("{:02}-{}", i + 1, fs::path(args.files[i]).stem().string());
    const fs::path dest = data_dir / (name + ".json");
    std::string text;
    if (IsFioResult(loaded.results[i])) {
      text = RunResultToJson(loaded.results[i]).dump(2) + "\n";
    } else {
      Result<std::string> content = ReadWholeFile(args.files[i]);
      if (!content.ok()) return content.status();
      text = std::move(content).value();
    }
    DURABENCH_RETURN_IF_ERROR(WriteDataFile(args, dest, text));
    const Json series =
        ReportSeriesToJson(loaded.results[i], dest.filename().string(), Sha256Hex(text));
    DURABENCH_RETURN_IF_ERROR(
        WriteDataFile(args, data_dir / (name + ".series.json"), series.dump(1) + "\n"));
    out.push_back(dest.string());
  }
  return out;
}

int RunReport(const ReportArgs& args) {
  Result<LoadedResults> loaded = LoadResults(args.files);
  if (!loaded.ok()) return ExitFor(loaded.status());
  // The script is looked for before anything is written.
  std::string script;
  std::error_code ec;
  if (!args.data_only) {
    Result<std::string> found = FindPlotScript();
    if (!found.ok()) return ExitFor(found.status());
    script = std::move(found).value();
    if (!fs::exists(script, ec)) {
      return ExitFor(Status::NotSupported("plot script not found at " + script +
                                          " (set DURABENCH_PLOT_SCRIPT)"));
    }
  }
  if (Status st = PrepareReportDir(args.out_dir, args.force); !st.ok()) return ExitFor(st);
  const fs::path data_dir = fs::path(args.out_dir) / "data";
  fs::create_directories(data_dir, ec);
  if (ec) {
    return ExitFor(Status::IoError("create " + data_dir.string() + ": " + ec.message()));
  }
  Result<std::vector<std::string>> data = Normalise(args, *loaded, data_dir);
  if (!data.ok()) return ExitFor(data.status());
  if (args.data_only) {
    fmt::print("{}\n", data_dir.string());
    return kExitOk;
  }
  const std::string python = args.python.empty() ? DefaultPython() : args.python;
  std::vector<std::string> argv_s = {python, script, "--out", args.out_dir};
  if (!args.title.empty()) {
    argv_s.push_back("--title");
    argv_s.push_back(args.title);
  }
  argv_s.insert(argv_s.end(), data->begin(), data->end());
  std::vector<char*> argv;
  for (std::string& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (err != 0) {
    return ExitFor(Status::NotSupported(
        fmt::format("run {}: {} (the report needs python3, python3-matplotlib and python3-jinja2)",
                    python, std::strerror(err))));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return ExitFor(Status::IoError(fmt::format("wait for {}: {}", script, std::strerror(errno))));
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return ExitFor(Status::IoError(fmt::format(
        "{} failed ({}); the normalised inputs are in {}", script,
        WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status)) : "killed by a signal",
        data_dir.string())));
  }
  return kExitOk;
}

}  // namespace

CommandAction RegisterReportCommand(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  app.add_option("results", args->files,
                 "Result files (durabench JSON, including plp/eval results, or fio json+)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("-o,--output", args->out_dir, "Report directory (created), e.g. reports/NAME/")
      ->required();
  app.add_option("--title", args->title, "Title of the report");
  app.add_flag("--force", args->force,
               "Write into a non-empty directory that no earlier report wrote (files named like "
               "the report's are replaced; none is removed)");
  app.add_flag("--data-only", args->data_only,
               "Write DIR/data/ (the results and their derived series) and stop: no plots, no "
               "python3 needed");
  app.add_option(
      "--python", args->python,
      "Python interpreter with matplotlib and jinja2 (default /usr/bin/python3, else python3)");
  app.footer(
      "Writes DIR/index.html (self-contained: plots embedded, no scripts, no external files)\n"
      "with the summary table, per op kind a percentile spectrum, histogram and CDF, the time\n"
      "series (IOPS and p99 per interval), overlays of all inputs, and the verdict panel of\n"
      "plp/eval results. The inputs are kept, as durabench results, in DIR/data/, each with\n"
      "NN-NAME.series.json beside it: the percentile spectrum, CDF and histogram densities the\n"
      "plots draw, derived from the result's histograms (docs/report.md), for your own plots\n"
      "too (--data-only writes only these). Needs python3, python3-matplotlib and\n"
      "python3-jinja2; scripts/plot.py draws a data/ directory again on its own (plot.py --help).\n"
      "DIR must be new, empty, or an earlier report's (marked by DIR/.durabench-report); a report\n"
      "never removes a file, so plots of an earlier report with more phases stay beside it.\n"
      "Examples:\n"
      "  durabench report result.json -o reports/ssd/\n"
      "  durabench report local.json gluster.json ceph.json -o reports/backends/ --title "
      "'WAL on three backends'\n"
      "  durabench report eval.json -o reports/eval/\n"
      "  durabench report --data-only result.json -o series/     (JSON series, no plots)\n"
      "Exit codes: 0 ok, 2 usage or input error, 3 a failed read or write, or the plot script\n"
      "failed.");
  return [args] { return RunReport(*args); };
}

}  // namespace durabench
